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

  it("an SMS-only topic mapped under Email: APSIS's refusal is reported exactly and shown on the mapping, then written first so nothing else of a customer's consent lands; fixed, everyone syncs", async () => {
    const consentsOf = (id: string) => {
      const profile = stack.apsis.account(DEMO_APSIS.clientId).profiles().find((p) => p.keyspace === DEMO_APSIS.shopifyKeyspace && p.profileKey === id);
      return profile ? Object.values(profile.sections).flatMap((s) => s.consents.map((c) => `${c.type} ${c.topic.replace(/-[a-z0-9]+$/, "")}`)) : null;
    };
    const setEmailTopic = async (topic: string, on: boolean) => {
      for (const section of DEMO_SECTIONS) {
        await page.getByLabel("Section to map consent for").selectOption({ label: section });
        const box = page.getByRole("group", { name: /Email channel/ }).getByLabel(topic, { exact: true });
        await (on ? box.check({ force: true }) : box.uncheck({ force: true }));
        expect(await post(page, page.getByRole("button", { name: "Save consent mapping" }))).toBe(200);
      }
    };
    // Email → Offers, then "SMS offers" (which takes consent on SMS only in APSIS; its listing does not say so).
    await setEmailTopic("Offers", true);
    await setEmailTopic("SMS offers", true);
    const writing = seededCustomers().filter((c) => c.email && (c.emailState === "SUBSCRIBED" || c.emailState === "UNSUBSCRIBED"));

    expect(await post(page, page.getByRole("button", { name: "Run Full Sync" }))).toBe(200);
    await shows(page.getByText(`Full Sync finished with ${writing.length} failed`), 90_000);
    // The first customers wrote Offers before APSIS refused SMS offers; each failure says what landed before it.
    await shows(page.getByText(/takes consent on com\.apsis1\.channels\.sms only/).first());
    await page.reload();
    await shows(page.getByText("APSIS One refuses consent for a mapped topic"));
    await shows(page.getByText("Some customers cannot be synced until the consent mapping is fixed"));
    await shows(page.getByText("APSIS One refused Email consent to SMS offers"));
    await page.screenshot({ path: `${screenshots}/apsis-consent-refused.png`, fullPage: true });

    // A customer who subscribes now: the next Full Sync writes SMS offers first, is refused, and writes nothing else.
    const late = stack.sandbox.store(SHOP).createCustomer({
      firstName: "Late",
      email: { address: "late.subscriber@example.com", marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: new Date().toISOString() },
    });
    expect(await post(page, page.getByRole("button", { name: "Run Full Sync" }))).toBe(200);
    await shows(page.getByText(`Full Sync finished with ${writing.length + 1} failed`), 90_000);
    await shows(page.getByText(/to topic usercreated\.topics\.sms_offers-\w+ failed \(no other consent written for this customer\)/).first());
    expect(await page.getByText(/already written for this customer/).count()).toBe(0);
    expect(consentsOf(String(late.id))).toEqual([]);

    // Fixed: SMS offers off the Email channel. The refusal goes with the mapping, and everyone syncs.
    await setEmailTopic("SMS offers", false);
    await expect.poll(() => page.getByText("APSIS One refuses consent for a mapped topic").count(), { timeout: 20_000 }).toBe(0);
    expect(await page.getByText("Some customers cannot be synced until the consent mapping is fixed").count()).toBe(0);
    expect(await post(page, page.getByRole("button", { name: "Run Full Sync" }))).toBe(200);
    await shows(page.getByText("Full Sync complete"), 90_000);
    expect(consentsOf(String(late.id))!.sort()).toEqual(["opt-in usercreated.topics.newsletter", "opt-in usercreated.topics.offers"]);
  });
});
