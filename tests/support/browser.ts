import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { chromium, type Browser } from "playwright-core";

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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
