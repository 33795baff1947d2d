/**
 * Issue 15, items 3 and 4, as a merchant sees them in headless Chromium (the built app, the worker, the
 * Shopify and Adestra sandboxes: scripts/stack.ts). Two On Demand sends from Data Sync; between them one
 * customer subscribes again in Shopify and another changes their email address. After the second send the
 * page says how many customers were taken off the unsub list, and Adestra holds the re-subscribed customer on
 * the list and off the unsub list, and the new address instead of the old one.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxEmail } from "../../sandbox/shopify/customer";
import type { Stack } from "../../scripts/stack";
import { SCREENSHOTS as screenshots, startE2e, waitUntilShown } from "../support/browser";

const SHOP = "history-newsletter.myshopify.com";
const STORE = { domain: SHOP, name: "History Newsletter Co", ianaTimezone: "Europe/Stockholm", customers: 15, seed: 61 };
const UNSUB_LIST = 10;

let e2e: Awaited<ReturnType<typeof startE2e>>;
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  e2e = await startE2e({ name: "adestra-history", stores: [STORE], invite: [SHOP], connectAdestra: [SHOP] });
  ({ stack, browser } = e2e);
});

afterAll(async () => {
  await e2e?.close();
});

const shows = (page: Page, text: string, timeout?: number) => waitUntilShown(page.getByText(text), { timeout, logs: stack.logs });
const store = () => stack.sandbox.store(SHOP);
const demo = () => stack.adestra.account("demo");
const email = (address: string, marketingState: SandboxEmail["marketingState"]): SandboxEmail => ({
  address,
  marketingState,
  marketingOptInLevel: marketingState === "SUBSCRIBED" ? "SINGLE_OPT_IN" : null,
  marketingUpdatedAt: new Date().toISOString(),
});

describe("Data Sync after customers changed in Shopify", () => {
  let page: Page;

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await page.getByRole("link", { name: "Data Sync", exact: true }).first().click();
    await page.waitForURL(/\/app\/data-sync/);
  });

  it("says how many were taken off the unsub list; Adestra has the re-subscribed customer and the new address", async () => {
    const rita = store().createCustomer({ firstName: "Rita", email: email("rita.back@example.com", "UNSUBSCRIBED") });
    const emil = store().createCustomer({ firstName: "Emil", email: email("emil.old@example.com", "SUBSCRIBED") });

    // Email subscribers only (the default), a new list, no date range: send.
    await page.getByRole("button", { name: "Select Adestra List" }).click();
    await page.getByLabel("Or create a new list").fill("Newsletter");
    await page.getByRole("button", { name: "Create list" }).click();
    await expect.poll(() => demo().lists().find((l) => l.name === "Newsletter")?.id, { timeout: 20_000 }).toBeTypeOf("number");
    const newsletter = demo().lists().find((l) => l.name === "Newsletter")!;
    await expect.poll(() => page.getByLabel("Adestra list").inputValue(), { timeout: 20_000 }).toBe("Newsletter");
    await page.getByRole("button", { name: "Send Profiles to Adestra" }).click();
    await shows(page, "Send complete to Newsletter", 90_000);
    expect(demo().unsubAddresses(UNSUB_LIST)).toContain("rita.back@example.com");
    expect(demo().listMembers(newsletter.id)).toContain("emil.old@example.com");
    expect(await page.getByText(/taken off the unsub list/).count()).toBe(0);

    // Shopify dates consent to the second: let the re-subscription come a second after the send.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    store().updateCustomer(rita.id, { email: { ...rita.email!, marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN" } });
    store().updateCustomer(emil.id, { email: { ...emil.email!, address: "emil.new@example.com" } });

    await page.reload();
    await expect.poll(() => page.getByLabel("Adestra list").inputValue(), { timeout: 20_000 }).toBe("Newsletter");
    await page.getByRole("button", { name: "Send Profiles to Adestra" }).click();
    await shows(page, "1 customer taken off the unsub list: subscribed in Shopify again since they unsubscribed", 90_000);
    await shows(page, "2 profiles sent (2 added to the list, 0 updated)");
    await page.screenshot({ path: `${screenshots}/adestra-taken-off-unsub-list.png`, fullPage: true });

    const members = demo().listMembers(newsletter.id);
    expect(members).toEqual(expect.arrayContaining(["rita.back@example.com", "emil.new@example.com"]));
    expect(members).not.toContain("emil.old@example.com");
    expect(demo().unsubAddresses(UNSUB_LIST)).not.toContain("rita.back@example.com");
  });
});
