/**
 * APSIS One real-time sync as a merchant sees it, in headless Chromium with the built app, the worker and the
 * Shopify and APSIS One sandboxes as real processes (scripts/stack.ts): set APSIS One up (apsis-steps.ts: demo
 * account, "country equals SE → Sweden", guessed mappings, Email → Newsletter), tick "Sync customers in real
 * time" in card 6 and save; then, in the Shopify sandbox's admin (its customer page, reached from the admin's
 * navigation bar), change a Swedish customer's first name and subscribe them to email marketing. Shopify's
 * webhooks (customers/update and customers_email_marketing_consent/update) reach the app (200), and the worker
 * writes the profile to APSIS One with the new first name and a Newsletter opt-in, with no Full Sync ever run.
 * The Activity page then reports the real-time sync. Moved to Norway (no Section's condition), the customer's
 * Sweden opt-in is withdrawn (docs/decisions/014-realtime-sync.md, "Leaving a Section").
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APSIS } from "../../sandbox/apsis/server";
import { displayName } from "../../sandbox/shopify/customer";
import { DEFAULT_NOW, seedCustomer } from "../../sandbox/shopify/seed";
import type { Stack } from "../../scripts/stack";
import { SCREENSHOTS, startE2e } from "../support/browser";
import { merchantUi, setUpApsis } from "./apsis-steps";

const SHOP = "apsis-realtime.myshopify.com";
const STORE = { domain: SHOP, name: "Realtime Nordic AB", ianaTimezone: "Europe/Stockholm", customers: 40, seed: 31 };
const NEW_FIRST_NAME = "Solveig";

let e2e: Awaited<ReturnType<typeof startE2e>>;
let stack: Stack;
let browser: Browser;
const ui = merchantUi(() => stack, "apsis-realtime-failure.png");

/** A Swedish customer (the condition sends them to Sweden) with an email address, not yet subscribed to email marketing. */
function swedishCustomer() {
  for (let index = 0; index < STORE.customers; index++) {
    const customer = seedCustomer(STORE.seed, index, DEFAULT_NOW);
    const state = customer.email?.marketingState;
    if (customer.address?.countryCode === "SE" && state && ["NOT_SUBSCRIBED", "UNSUBSCRIBED", "PENDING"].includes(state) && customer.firstName !== NEW_FIRST_NAME) return customer;
  }
  throw new Error("the seed has no Swedish customer to subscribe");
}

beforeAll(async () => {
  e2e = await startE2e({
    name: "apsis-rt",
    stores: [STORE],
    invite: [SHOP],
  });
  ({ stack, browser } = e2e);
});

afterAll(async () => {
  await e2e?.close();
});

describe("APSIS One real-time sync, as a merchant", () => {
  let page: Page;
  const customer = swedishCustomer();
  const profiles = () => stack.apsis.account(DEMO_APSIS.clientId).profiles().filter((p) => p.keyspace === DEMO_APSIS.shopifyKeyspace);

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await ui.shows(page.getByRole("heading", { name: STORE.name }));
  });

  it("sets APSIS One up and switches real-time sync on in card 6", async () => {
    await setUpApsis(page, ui);
    await ui.shows(page.getByRole("heading", { name: "6. Real-time sync" }));
    const realtime = page.getByLabel("Sync customers in real time");
    await realtime.check({ force: true });
    await ui.shows(page.getByText("No Full Sync has run yet")); // the card's reminder: only changed customers are written
    expect(await ui.post(page, page.getByRole("button", { name: "Save real-time settings" }))).toBe(200);
    await page.reload();
    await ui.shows(page.getByRole("heading", { name: "6. Real-time sync" }));
    expect(await page.getByLabel("Sync customers in real time").isChecked()).toBe(true);
    expect(profiles()).toEqual([]); // nothing synced yet: no Full Sync ran
  });

  it("edits a Swedish customer in the Shopify admin: the webhooks reach the app and APSIS One gets the change", async () => {
    // The admin's navigation bar (the App Bridge stand-in) links to the sandbox's customer pages.
    await page.getByRole("link", { name: "Customers (Shopify admin)" }).click();
    await ui.shows(page.getByRole("heading", { name: "Customers", exact: true }));
    await page.getByLabel("Email, name or id").fill(customer.email!.address);
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: displayName(customer), exact: true }).click();
    await ui.shows(page.getByRole("heading", { name: "Edit customer" }));
    expect(await page.getByLabel("Email marketing").inputValue()).toBe(customer.email!.marketingState);

    await page.getByLabel("First name").fill(NEW_FIRST_NAME);
    await page.getByLabel("Email marketing").selectOption("SUBSCRIBED");
    await page.getByRole("button", { name: "Save" }).click();
    const sent = page.getByRole("status");
    await ui.shows(sent.getByText("Customer saved."));
    const report = await sent.innerText();
    expect(report).toContain("customers/update → 200");
    expect(report).toContain("customers_email_marketing_consent/update → 200");
    expect(report).toContain(`Email marketing: ${customer.email!.marketingState} → SUBSCRIBED`);
    await page.screenshot({ path: `${SCREENSHOTS}/apsis-realtime-customer-saved.png`, fullPage: true });
    expect(stack.sandbox.store(SHOP).getCustomer(customer.id)).toMatchObject({ firstName: NEW_FIRST_NAME, email: { marketingState: "SUBSCRIBED" } });

    // The worker reads the customer from Shopify and writes the profile: the new first name and the Newsletter opt-in.
    const synced = () => {
      const profile = profiles().find((p) => p.profileKey === String(customer.id));
      const data = profile?.sections[DEMO_APSIS.swedenSection];
      return {
        firstName: data?.attributes["com.apsis1.attributes.firstname"] ?? null,
        email: data?.attributes["com.apsis1.attributes.email"] ?? null,
        optIns: (data?.consents ?? []).filter((c) => c.type === "opt-in").map((c) => c.topic),
        sections: profile ? Object.keys(profile.sections) : [],
      };
    };
    await expect
      .poll(synced, { timeout: 60_000, interval: 250 })
      .toEqual({ firstName: NEW_FIRST_NAME, email: customer.email!.address, optIns: [expect.stringContaining(".topics.newsletter-")], sections: [DEMO_APSIS.swedenSection] });
    expect(profiles().map((p) => p.profileKey)).toEqual([String(customer.id)]); // only the changed customer: real time, not a Full Sync
  });

  it("reports the real-time sync on the Activity page", async () => {
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await ui.shows(page.getByRole("heading", { name: STORE.name }));
    await page.getByRole("link", { name: "Activity", exact: true }).first().click();
    await page.waitForURL(/\/app\/activity/);
    await ui.shows(page.getByRole("heading", { name: /Real-time/ }));
    // The deliveries' receipts are finished just after the APSIS write: reload until the card counts them.
    await expect
      .poll(
        async () => {
          const text = await page.locator("body").innerText();
          if (/[1-9]\d* synced, 0 failed/.test(text)) return text;
          await page.reload();
          await page.getByRole("heading", { name: /Real-time/ }).first().waitFor({ state: "visible", timeout: 20_000 });
          return page.locator("body").innerText();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toMatch(/[1-9]\d* synced, 0 failed/);
    const text = await page.locator("body").innerText();
    expect(text).toContain("Real-time sync to APSIS One");
    expect(text).not.toContain("Real-time sync is off");
    await page.screenshot({ path: `${SCREENSHOTS}/apsis-realtime-activity.png`, fullPage: true });
  });

  it("moves the customer to Norway in the Shopify admin: no Section takes them now, so their Sweden opt-in is withdrawn", async () => {
    await page.goto(`${stack.sandbox.adminUrl(SHOP)}/customers/${customer.id}`);
    await ui.shows(page.getByRole("heading", { name: "Edit customer" }));
    await page.getByLabel("Country").selectOption("NO");
    await page.getByRole("button", { name: "Save" }).click();
    await ui.shows(page.getByRole("status").getByText("Customer saved."));
    expect(await page.getByRole("status").innerText()).toContain("customers/update → 200");

    const sweden = () => profiles().find((p) => p.profileKey === String(customer.id))?.sections[DEMO_APSIS.swedenSection];
    // Shopify still says SUBSCRIBED, but the conditions put the customer in no Section: the app no longer keeps
    // Sweden's consent up to date, so it leaves no opt-in there; the attributes stay.
    await expect.poll(() => (sweden()?.consents ?? []).map((c) => c.type), { timeout: 60_000, interval: 250 }).toEqual(["opt-out"]);
    expect(sweden()!.attributes["com.apsis1.attributes.firstname"]).toBe(NEW_FIRST_NAME);
  });
});
