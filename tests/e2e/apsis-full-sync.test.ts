/**
 * The APSIS One set-up as a merchant does it, in headless Chromium through the Shopify sandbox's admin, with the
 * built app, the worker and the APSIS One sandbox running as real processes (scripts/stack.ts): connect the demo
 * account (a wrong secret first), add the condition "country equals SE → Sweden, otherwise → Global" and count
 * its matches, guess the attribute mappings (a wrong-type mapping is flagged and refused first), map the Email
 * channel to "Newsletter", run a Full Sync to completion and read the last full sync time in the store's
 * timezone. The APSIS sandbox then holds one profile per customer in the right Section, and no profile whose
 * Shopify email state is not SUBSCRIBED has an opt-in.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { DateTime } from "luxon";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APSIS } from "../../sandbox/apsis/server";
import { DEFAULT_NOW, seedCustomer } from "../../sandbox/shopify/seed";
import { startStack, type Stack } from "../../scripts/stack";
import { freePort, launchChromium } from "../support/browser";

const SHOP = "apsis-nordic.myshopify.com";
const ZONE = "Europe/Stockholm";
const STORE = { domain: SHOP, name: "APSIS Nordic Co", ianaTimezone: ZONE, customers: 60, seed: 23 };

const dir = `tests/.artifacts/e2e-apsis-${randomBytes(4).toString("hex")}`;
const screenshots = "tests/.artifacts/screenshots";
let stack: Stack;
let browser: Browser;

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
  mkdirSync(dir, { recursive: true });
  mkdirSync(screenshots, { recursive: true });
  stack = await startStack({
    appPort: await freePort(),
    sandboxPort: await freePort(),
    databaseUrl: `file:./${dir}/app.sqlite`,
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    redisPrefix: `e2e-${randomBytes(4).toString("hex")}`,
    encryptionKey: randomBytes(32).toString("base64"),
    opsCredentials: "cs@example.com:e2e-password-123",
    stores: [STORE],
    invite: [SHOP],
    quiet: true,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until the element is visible; fails the test (with the page's text and the stack's logs) if it never is. */
async function shows(locator: Locator, timeout = 20_000) {
  try {
    await locator.first().waitFor({ state: "visible", timeout });
  } catch (error) {
    await locator.page().screenshot({ path: `${screenshots}/apsis-failure.png`, fullPage: true }).catch(() => {});
    const text = await locator.page().locator("body").innerText().catch(() => "(no page)");
    throw new Error(`${(error as Error).message}\npage text:\n${text}\n${stack.logs().slice(-4000)}`);
  }
}

/** Clicks a button that posts to the page's action and waits for the answer; returns its status. */
async function post(page: Page, button: Locator): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.startsWith("/app/apsis"), { timeout: 60_000 }),
    button.click(),
  ]);
  return response.status();
}

describe("APSIS One set-up and Full Sync, as a merchant", () => {
  let page: Page;

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await shows(page.getByRole("heading", { name: STORE.name }));
  });

  it("connects: a wrong secret is refused on the form and nothing is saved; the demo credentials connect", async () => {
    await page.getByRole("link", { name: "APSIS One", exact: true }).first().click();
    await page.waitForURL(/\/app\/apsis/);
    await shows(page.getByLabel("API client id"));
    await page.getByLabel("Region").selectOption("eu");
    await page.getByLabel("API client id").fill(DEMO_APSIS.clientId);
    await page.getByLabel("API client secret").fill("not-the-secret");
    expect(await post(page, page.getByRole("button", { name: "Connect", exact: true }))).toBe(422);
    await shows(page.getByText("APSIS One rejected this client id and secret"));
    expect(await page.getByLabel("API client secret").inputValue()).toBe(""); // never kept or echoed back
    expect(await page.getByRole("button", { name: "Disconnect" }).count()).toBe(0); // not connected

    await page.getByLabel("API client secret").fill(DEMO_APSIS.clientSecret);
    expect(await post(page, page.getByRole("button", { name: "Connect", exact: true }))).toBe(200);
    await shows(page.getByTestId("apsis-connection"));
    const connection = await page.getByTestId("apsis-connection").innerText();
    expect(connection).toContain("EU");
    expect(connection).toContain(DEMO_APSIS.clientId);
    expect(connection).toContain(DEMO_APSIS.shopifyKeyspace);
    await shows(page.getByRole("button", { name: "Disconnect" }));
  });

  it("sets the conditions, the attribute and consent mappings, and runs a Full Sync to completion", async () => {
    const customers = seededCustomers();
    const swedes = customers.filter((c) => c.section === DEMO_APSIS.swedenSection).length;
    expect(swedes).toBeGreaterThan(2); // the seed gives Sweden something
    expect(customers.some((c) => c.emailState === "SUBSCRIBED") && customers.some((c) => c.emailState !== "SUBSCRIBED")).toBe(true);

    // Sync conditions: country equals SE → Sweden, otherwise → Global.
    await page.getByRole("button", { name: "Add condition" }).click();
    await page.getByLabel("Field, rule 1").selectOption({ label: "Country" });
    await page.getByLabel("Operator, rule 1").selectOption({ label: "equals" });
    await page.getByLabel("Value, rule 1").fill("SE");
    await page.getByLabel("Section, rule 1").selectOption({ label: "Sweden" });
    await page.getByLabel(/^Otherwise/).selectOption({ label: "Global" });
    expect(await post(page, page.getByRole("button", { name: "Count matches" }))).toBe(200);
    await shows(page.getByTestId("condition-count-0"));
    expect(await page.getByTestId("condition-count-0").innerText()).toContain(`Matches ${swedes} customer`);
    expect(await page.getByTestId("condition-counts-summary").innerText()).toBe(`${STORE.customers} customers in the store; 0 customers not synced.`);
    expect(await post(page, page.getByRole("button", { name: "Save conditions" }))).toBe(200);

    // Attribute mapping, both Sections: a wrong type is flagged before saving and refused on save; then the guesses.
    for (const section of ["Sweden", "Global"]) {
      await page.getByLabel("Section to map attributes for").selectOption({ label: section });
      await page.getByRole("button", { name: "Guess mappings" }).click();
      expect(await page.getByLabel("APSIS attribute for Email", { exact: true }).inputValue()).toBe("com.apsis1.attributes.email");
      expect(await page.getByLabel("APSIS attribute for First name", { exact: true }).inputValue()).toBe("com.apsis1.attributes.firstname");
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
      expect(await post(page, page.getByRole("button", { name: "Save attribute mapping" }))).toBe(200);
    }

    // Consent mapping, both Sections: the Email channel → "Newsletter". The warning shows until consent is mapped.
    for (const section of ["Sweden", "Global"]) {
      await page.getByLabel("Section to map consent for").selectOption({ label: section });
      await shows(page.getByText("Without consent mapping the synced profiles cannot be emailed or texted."));
      await page.getByRole("group", { name: /Email channel/ }).getByLabel("Newsletter", { exact: true }).check({ force: true });
      expect(await post(page, page.getByRole("button", { name: "Save consent mapping" }))).toBe(200);
      await expect.poll(() => page.getByText("Without consent mapping the synced profiles cannot be emailed or texted.").count()).toBe(0);
    }
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
