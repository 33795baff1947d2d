/**
 * Issue 11: an On Demand send through Adestra's bulk import, as a merchant watches it in headless Chromium (the
 * built app, the worker and the sandboxes as real processes: scripts/stack.ts). The store is above
 * ADESTRA_IMPORT_THRESHOLD (lowered for the test), and the Adestra sandbox fetches the app's file late, so the
 * page shows the step it is at: Adestra importing, the app confirming, with the files and profiles confirmed.
 * The send ends with exactly the subscribers on the list, counted as added once the list showed them.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_NOW, seedCustomer } from "../../sandbox/shopify/seed";
import type { Stack } from "../../scripts/stack";
import { openFromNav, startE2e } from "../support/browser";
import { merchantUi } from "./apsis-steps";

const SHOP = "import-adestra.myshopify.com";
const STORE = { domain: SHOP, name: "Import Adestra Co", ianaTimezone: "Europe/Stockholm", customers: 120, seed: 17 };

// Read by the web and worker processes the stack starts.
process.env.ADESTRA_IMPORT_THRESHOLD = "50";
process.env.ADESTRA_IMPORT_POLL_MS = "500";

let e2e: Awaited<ReturnType<typeof startE2e>>;
let stack: Stack;
let browser: Browser;
const ui = merchantUi(() => stack, "adestra-import-failure.png");

beforeAll(async () => {
  e2e = await startE2e({ name: "adestra-import", stores: [STORE], invite: [SHOP], connectAdestra: [SHOP] });
  ({ stack, browser } = e2e);
});

afterAll(async () => {
  await e2e?.close();
});

describe("an On Demand send through Adestra's bulk import", () => {
  let page: Page;
  const subscribers = Array.from({ length: STORE.customers }, (_, index) => seedCustomer(STORE.seed, index, DEFAULT_NOW))
    .filter((c) => c.email?.marketingState === "SUBSCRIBED");

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await openFromNav(page, "Data Sync", /\/app\/data-sync/);
  });

  it("shows the step while Adestra imports the file and the app confirms it, then the profiles the list confirmed", async () => {
    const demo = stack.adestra.account("demo");
    demo.setImportFault({ fetchDelayMs: 6_000 });
    await page.getByRole("button", { name: "Select Adestra List" }).click();
    await page.getByLabel("Or create a new list").fill("Imported");
    await page.getByRole("button", { name: "Create list" }).click();
    await expect.poll(() => page.getByLabel("Adestra list").inputValue(), { timeout: 20_000 }).toBe("Imported");
    await page.getByRole("button", { name: "Send Profiles to Adestra" }).click();

    await ui.shows(page.getByText(`Step 4 of 4: confirming what Adestra imported (0 of 1 file; 0 of ${subscribers.length} profiles confirmed)`), 30_000);
    await ui.shows(page.getByText("Send complete to Imported"), 60_000);
    await ui.shows(page.getByText(`${subscribers.length} profiles sent (${subscribers.length} added to the list, 0 updated)`));

    const list = demo.lists().find((l) => l.name === "Imported")!;
    expect(demo.listMembers(list.id)).toEqual(subscribers.map((c) => c.email!.address).sort());
    expect(demo.stats().imports).toEqual([expect.objectContaining({ status: "completed", rows: subscribers.length, rejected: 0 })]);
    expect(demo.stats().served["contact.create"] ?? 0).toBe(0);
  });
});
