import type { Browser, Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/stack";
import { startE2e } from "../support/browser";

const SHOP = "e2e-store.myshopify.com";
const UNINVITED = "waiting-store.myshopify.com";
let e2e: Awaited<ReturnType<typeof startE2e>>;
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  e2e = await startE2e({
    name: "overview",
    stores: [
      { domain: SHOP, name: "Nordic Outdoor Supply", ianaTimezone: "Europe/Stockholm", customers: 25, seed: 7 },
      { domain: UNINVITED, name: "Waiting Room Goods", ianaTimezone: "America/New_York", customers: 5, seed: 8 },
    ],
    invite: [SHOP],
  });
  ({ stack, browser } = e2e);
});

afterAll(async () => {
  await e2e?.close();
});

/** Waits until the element is visible; fails the test (with the page's text) if it never is. */
async function shows(locator: Locator) {
  try {
    await locator.waitFor({ state: "visible", timeout: 20_000 });
  } catch (error) {
    const text = await locator.page().locator("body").innerText().catch(() => "(no page)");
    throw new Error(`${(error as Error).message}\npage text:\n${text}\n${stack.logs().slice(-4000)}`);
  }
}

describe("opening the embedded app through the sandbox admin", () => {
  it("shows the Overview with the seeded shop's name, read from Shopify after token exchange", async () => {
    const page = await browser.newPage();
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await shows(page.getByRole("heading", { name: "Nordic Outdoor Supply" }).first());
    await shows(page.getByText(SHOP).first());
    expect(stack.sandbox.stats(SHOP).tokenExchanges).toBeGreaterThan(0);
  });

  it("navigates to Activity with the App Bridge nav menu, staying authenticated", async () => {
    const page = await browser.newPage();
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await page.getByRole("link", { name: "Activity" }).first().click();
    await page.waitForURL(/\/app\/activity/);
    await shows(page.getByText(/no (sync )?runs/i).first());
  });

  it("tells an uninvited shop the app is invitation only", async () => {
    const page = await browser.newPage();
    await page.goto(stack.sandbox.adminUrl(UNINVITED));
    await shows(page.getByText(/invitation only/i).first());
    await shows(page.getByText(/customer success manager/i).first());
  });
});
