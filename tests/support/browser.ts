import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import type { SandboxStoreConfig } from "../../sandbox/shopify/server";
import { freePort, startStack } from "../../scripts/stack";

/** Debian's Chromium by default; CHROMIUM_PATH overrides. Playwright's own download is not used. */
export async function launchChromium(): Promise<Browser> {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
  const executablePath = candidates.find((p): p is string => !!p && existsSync(p));
  if (!executablePath) {
    throw new Error("No Chromium found. Install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH.");
  }
  return chromium.launch({
    executablePath,
    headless: true,
    // Flags that work as root on a machine with no outside network (environment.md).
    // The Shopify library answers bots (HeadlessChrome in the default user agent) with 410 Gone.
    args: ["--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

export const SCREENSHOTS = "tests/.artifacts/screenshots";

/**
 * One e2e test file's world: the whole app (scripts/stack.ts: sandboxes, built web app, worker) on its own
 * SQLite file and Redis prefix, with the given stores and invited shops, plus Chromium. `close()` stops it all
 * and removes the file's artifacts (screenshots of failures stay in SCREENSHOTS). `connectAdestra`: shops
 * connected to the Adestra sandbox's demo account beforehand (for tests that are not about Settings).
 */
export async function startE2e({ name, stores, invite, connectAdestra }: { name: string; stores: SandboxStoreConfig[]; invite: string[]; connectAdestra?: string[] }) {
  const dir = `tests/.artifacts/e2e-${name}-${randomBytes(4).toString("hex")}`;
  mkdirSync(dir, { recursive: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const stack = await startStack({
    appPort: await freePort(),
    sandboxPort: await freePort(),
    databaseUrl: `file:./${dir}/app.sqlite`,
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    redisPrefix: `e2e-${randomBytes(4).toString("hex")}`,
    encryptionKey: randomBytes(32).toString("base64"),
    opsCredentials: "cs@example.com:e2e-password-123",
    stores,
    invite,
    connectAdestra,
    quiet: true,
  });
  const browser = await launchChromium();
  return {
    stack,
    browser,
    async close() {
      await browser.close();
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the element is visible; fails with the page's text and the stack's last logs if it never is. */
export async function waitUntilShown(locator: Locator, { timeout = 20_000, logs }: { timeout?: number; logs: () => string }) {
  try {
    await locator.waitFor({ state: "visible", timeout });
  } catch (error) {
    const text = await locator.page().locator("body").innerText().catch(() => "(no page)");
    throw new Error(`${(error as Error).message}\npage text:\n${text}\n${logs().slice(-4000)}`);
  }
}

/** Picks a Polaris radio button or checkbox the way a merchant does: by clicking its label. */
export async function pick(page: Page, role: "radio" | "checkbox", name: string) {
  await page.locator("label", { has: page.getByRole(role, { name, exact: true }) }).click();
}

/** Opens an app page from the admin's navigation and waits for its URL. */
export async function openFromNav(page: Page, link: string, path: RegExp) {
  await page.getByRole("link", { name: link, exact: true }).first().click();
  await page.waitForURL(path);
}
