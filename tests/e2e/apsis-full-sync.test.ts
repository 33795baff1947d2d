/**
 * The APSIS One set-up as a merchant does it, in headless Chromium through the Shopify sandbox's admin, with the
 * built app, the worker and the APSIS One sandbox running as real processes (scripts/stack.ts): connect the demo
 * account (a wrong secret first), add the condition "country equals SE → Sweden, otherwise → Global" and count
 * its matches, guess the attribute mappings (a wrong-type mapping is flagged and refused first), map the Email
 * channel to "Newsletter", run a Full Sync to completion and read the last full sync time in the store's
 * timezone. The APSIS sandbox then holds one profile per customer in the right Section, and no profile whose
 * Shopify email state is not SUBSCRIBED has an opt-in.
 */
import { DateTime } from "luxon";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APSIS } from "../../sandbox/apsis/server";
import { DEFAULT_NOW, seedCustomer } from "../../sandbox/shopify/seed";
import type { Stack } from "../../scripts/stack";
import { SCREENSHOTS as screenshots, startE2e } from "../support/browser";
import {
  connectDemoAccount,
  DEMO_SECTIONS,
  fillConnection,
  fillSwedenCondition,
  guessAttributeMapping,
  mapEmailConsent,
  merchantUi,
  openApsisPage,
  saveAttributeMapping,
  saveConditions,
} from "./apsis-steps";

const SHOP = "apsis-nordic.myshopify.com";
const ZONE = "Europe/Stockholm";
const STORE = { domain: SHOP, name: "APSIS Nordic Co", ianaTimezone: ZONE, customers: 60, seed: 23 };

let e2e: Awaited<ReturnType<typeof startE2e>>;
let stack: Stack;
let browser: Browser;
const ui = merchantUi(() => stack, "apsis-failure.png");
const { shows, post } = ui;

/** The seed's customers with what the sync must make of them. */
function seededCustomers() {
  return Array.from({ length: STORE.customers }, (_, index) => {
    const customer = seedCustomer(STORE.seed, index, DEFAULT_NOW);
    return {
      id: String(customer.id),
      email: customer.email?.address ?? null,
      emailState: customer.email?.marketingState ?? null,
      section: customer.address?.countryCode === "SE" ? DEMO_APSIS.swedenSection : DEMO_APSIS.globalSection,
    };
  });
}

beforeAll(async () => {
  e2e = await startE2e({
    name: "apsis",
    stores: [STORE],
    invite: [SHOP],
  });
  ({ stack, browser } = e2e);
});

afterAll(async () => {
  await e2e?.close();
});

describe("APSIS One set-up and Full Sync, as a merchant", () => {
  let page: Page;

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await shows(page.getByRole("heading", { name: STORE.name }));
  });

  it("connects: a wrong secret is refused on the form and nothing is saved; the demo credentials connect", async () => {
    await openApsisPage(page, ui);
    await fillConnection(page, "not-the-secret");
    expect(await post(page, page.getByRole("button", { name: "Connect", exact: true }))).toBe(422);
    await shows(page.getByText("APSIS One rejected this client id and secret"));
    expect(await page.getByLabel("API client secret").inputValue()).toBe(""); // never kept or echoed back
    expect(await page.getByRole("button", { name: "Disconnect" }).count()).toBe(0); // not connected

    await connectDemoAccount(page, ui);
    const connection = await page.getByTestId("apsis-connection").innerText();
    expect(connection).toContain("EU");
    expect(connection).toContain(DEMO_APSIS.clientId);
    expect(connection).toContain(DEMO_APSIS.shopifyKeyspace);
  });

  it("sets the conditions, the attribute and consent mappings, and runs a Full Sync to completion", async () => {
    const customers = seededCustomers();
    const swedes = customers.filter((c) => c.section === DEMO_APSIS.swedenSection).length;
    expect(swedes).toBeGreaterThan(2); // the seed gives Sweden something
    expect(customers.some((c) => c.emailState === "SUBSCRIBED") && customers.some((c) => c.emailState !== "SUBSCRIBED")).toBe(true);

    // Sync conditions: country equals SE → Sweden, otherwise → Global.
    await fillSwedenCondition(page);
    expect(await post(page, page.getByRole("button", { name: "Count matches" }))).toBe(200);
    await shows(page.getByTestId("condition-count-0"));
    expect(await page.getByTestId("condition-count-0").innerText()).toContain(`Matches ${swedes} customer`);
    expect(await page.getByTestId("condition-counts-summary").innerText()).toBe(`${STORE.customers} customers in the store; 0 customers not synced.`);
    await saveConditions(page, ui);

    // Attribute mapping, both Sections: a wrong type is flagged before saving and refused on save; then the guesses.
    for (const section of DEMO_SECTIONS) {
      await guessAttributeMapping(page, section);
      if (section === "Sweden") {
        const tags = page.getByLabel("APSIS attribute for Tags", { exact: true });
        const guessedTags = await tags.inputValue();
        await tags.selectOption({ label: "Orders count (Number)" });
        await shows(page.getByText("Type mismatch: Tags is Text but \"Orders count\" is Number"));
        await page.screenshot({ path: `${screenshots}/apsis-type-mismatch.png`, fullPage: true });
        expect(await post(page, page.getByRole("button", { name: "Save attribute mapping" }))).toBe(422);
        await shows(page.getByText("The attribute mapping was not saved"));
        await tags.selectOption(guessedTags);
      }
      await saveAttributeMapping(page, ui);
    }

    // Consent mapping, both Sections: the Email channel → "Newsletter". The warning shows until consent is mapped.
    for (const section of DEMO_SECTIONS) await mapEmailConsent(page, ui, section);
    await page.screenshot({ path: `${screenshots}/apsis-set-up.png`, fullPage: true });

    // Full Sync to completion.
    expect(await post(page, page.getByRole("button", { name: "Run Full Sync" }))).toBe(200);
    await shows(page.getByText("Full Sync complete"), 90_000);
    const counts = await page.getByTestId("full-sync-counts").innerText();
    expect(counts).toBe(`${STORE.customers} created · 0 updated · 0 unchanged · 0 skipped by conditions · 0 failed`);
    await page.screenshot({ path: `${screenshots}/apsis-full-sync-done.png`, fullPage: true });

    // The last full sync, in the store's timezone (Stockholm: CET/CEST, which en-US names GMT+1/GMT+2).
    const lastSync = (await page.getByTestId("last-full-sync").innerText()).trim();
    const match = /^Last full sync: (\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}) GMT\+[12]$/.exec(lastSync);
    expect(match, lastSync).not.toBeNull();
    const shown = DateTime.fromFormat(match![1], "d LLL yyyy, HH:mm", { zone: ZONE, locale: "en-US" });
    expect(Math.abs(shown.toMillis() - Date.now())).toBeLessThan(3 * 60_000);

    // APSIS holds one profile per customer, in the right Section; opt-ins only for Shopify SUBSCRIBED.
    const profiles = stack.apsis.account(DEMO_APSIS.clientId).profiles().filter((p) => p.keyspace === DEMO_APSIS.shopifyKeyspace);
    expect(profiles.map((p) => p.profileKey).sort()).toEqual(customers.map((c) => c.id).sort());
    let optedIn = 0;
    for (const customer of customers) {
      const profile = profiles.find((p) => p.profileKey === customer.id)!;
      expect(Object.keys(profile.sections), customer.id).toEqual([customer.section]);
      const data = profile.sections[customer.section];
      expect(data.attributes["com.apsis1.attributes.email"] ?? null, customer.id).toBe(customer.email);
      const optIns = data.consents.filter((c) => c.type === "opt-in");
      if (customer.emailState !== "SUBSCRIBED" || !customer.email) expect(optIns, `${customer.id} is ${customer.emailState}`).toEqual([]);
      else {
        expect(optIns.map((c) => c.topic), customer.id).toEqual([expect.stringContaining(".topics.newsletter-")]);
        optedIn += 1;
      }
    }
    expect(optedIn).toBeGreaterThan(0);
  });
});
