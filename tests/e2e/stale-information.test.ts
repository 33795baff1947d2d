/**
 * Issue 15, item 8: what the pages say must be what happened, as a merchant reads it in headless Chromium (the
 * built app, the worker and the Shopify, Adestra and APSIS One sandboxes as real processes: scripts/stack.ts).
 *
 * Data Sync (a shop connected to the Adestra sandbox): a send to a second list counts its contacts as added to
 * that list (they already exist in Adestra, so not "new"); a subscribers-only send does not count customers
 * without an email address as skipped (they are not in the group; All profiles does count them); the Auto Send
 * tab shows its own last send, not the On Demand one; a Send now refusal ("save first") goes once the settings
 * are saved; the Activity table fits a 1280 px window and names the list each send went to.
 * Activity (a shop with APSIS One real-time sync on): the real-time badge is green while nothing failed, and
 * not green once a real-time write failed (an SMS-only topic mapped under Email, which APSIS One refuses).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APSIS } from "../../sandbox/apsis/server";
import { DEFAULT_NOW, seedCustomer } from "../../sandbox/shopify/seed";
import type { Stack } from "../../scripts/stack";
import { openFromNav, pick, SCREENSHOTS, startE2e } from "../support/browser";
import { DEMO_SECTIONS, merchantUi, setUpApsis } from "./apsis-steps";

const ADESTRA_SHOP = "stale-adestra.myshopify.com";
const APSIS_SHOP = "stale-apsis.myshopify.com";
const ADESTRA_STORE = { domain: ADESTRA_SHOP, name: "Stale Adestra Co", ianaTimezone: "Europe/Stockholm", customers: 120, seed: 11 };
const APSIS_STORE = { domain: APSIS_SHOP, name: "Stale APSIS AB", ianaTimezone: "Europe/Stockholm", customers: 40, seed: 31 };

let e2e: Awaited<ReturnType<typeof startE2e>>;
let stack: Stack;
let browser: Browser;
const ui = merchantUi(() => stack, "stale-information-failure.png");

beforeAll(async () => {
  e2e = await startE2e({ name: "stale", stores: [ADESTRA_STORE, APSIS_STORE], invite: [ADESTRA_SHOP, APSIS_SHOP], connectAdestra: [ADESTRA_SHOP] });
  ({ stack, browser } = e2e);
});

afterAll(async () => {
  await e2e?.close();
});

const seeded = (store: typeof ADESTRA_STORE) => Array.from({ length: store.customers }, (_, index) => seedCustomer(store.seed, index, DEFAULT_NOW));
const demo = () => stack.adestra.account("demo");

/** Select Adestra List → an existing list by name, or a new one created by name. */
async function chooseList(page: Page, name: string, { create = false } = {}) {
  await page.getByRole("button", { name: "Select Adestra List" }).click();
  if (create) {
    await page.getByLabel("Or create a new list").fill(name);
    await page.getByRole("button", { name: "Create list" }).click();
  } else {
    await page.getByRole("button", { name, exact: true }).click();
  }
  await expect.poll(() => page.getByLabel("Adestra list").inputValue(), { timeout: 20_000 }).toBe(name);
}

async function sendOnDemand(page: Page, listName: string) {
  const send = page.getByRole("button", { name: "Send Profiles to Adestra" });
  await ui.shows(send);
  await send.click();
  await ui.shows(page.getByText(`Send complete to ${listName}`), 90_000);
}

describe("Data Sync and Activity say what the sends did", () => {
  let page: Page;
  const customers = seeded(ADESTRA_STORE);
  const subscribers = customers.filter((c) => c.email?.marketingState === "SUBSCRIBED");
  const withoutEmail = customers.filter((c) => c.email === null);

  beforeAll(async () => {
    expect(withoutEmail.length).toBeGreaterThan(0); // the seed has customers without an email address
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(stack.sandbox.adminUrl(ADESTRA_SHOP));
    await openFromNav(page, "Data Sync", /\/app\/data-sync/);
  });

  it("a subscribers-only send does not count customers without an email address as skipped", async () => {
    await chooseList(page, "Newsletter", { create: true });
    expect(await page.getByRole("radio", { name: "Email subscribers only" }).isChecked()).toBe(true);
    await sendOnDemand(page, "Newsletter");
    expect(await page.getByText(/skipped: no email address/).count()).toBe(0);
    await ui.shows(page.getByText(`${subscribers.length} profiles sent (${subscribers.length} added to the list, 0 updated)`));
  });

  it("contacts already in Adestra sent to a second list are counted as added to that list, not as new", async () => {
    const contactsBefore = demo().contacts(1).length;
    expect(contactsBefore).toBe(subscribers.length);
    await chooseList(page, "Second list", { create: true });
    await sendOnDemand(page, "Second list");
    await ui.shows(page.getByText(`${subscribers.length} profiles sent (${subscribers.length} added to the list, 0 updated)`));
    expect(await page.getByText(/\d+ new\b/).count()).toBe(0);
    expect(demo().contacts(1).length).toBe(contactsBefore); // the same contacts: none was new to Adestra
    const second = demo().lists().find((l) => l.name === "Second list")!;
    expect(demo().listMembers(second.id)).toHaveLength(subscribers.length);

    // All profiles does count the customers without an address, as skipped.
    await pick(page, "radio", "All profiles");
    await sendOnDemand(page, "Second list");
    await ui.shows(page.getByText(`${withoutEmail.length} profiles skipped: no email address`));
    await page.screenshot({ path: `${SCREENSHOTS}/stale-on-demand-counts.png`, fullPage: true });
  });

  it("the Auto Send tab shows its own last send, not the On Demand send's result", async () => {
    await page.getByRole("tab", { name: "Auto Send" }).click();
    await ui.shows(page.getByRole("checkbox", { name: "Automatically send profiles" }));
    await expect.poll(() => page.getByTestId("last-send").innerText()).toBe("Last send: never");
    expect(await page.getByText(/Send complete to/).count()).toBe(0);
    expect(await page.getByText(/profiles sent \(/).count()).toBe(0);
  });

  it("a Send now refusal before the settings are saved goes once they are saved", async () => {
    await page.getByRole("button", { name: "Send now" }).click();
    await ui.shows(page.getByText("Save the Auto Send settings first."));
    await chooseList(page, "Newsletter");
    await pick(page, "checkbox", "Automatically send profiles");
    await page.getByRole("button", { name: "Save Settings" }).click();
    await ui.shows(page.getByText("Auto Send is on with these settings. To change them, untick Automatically send profiles"));
    await expect.poll(() => page.getByText("Save the Auto Send settings first.").count(), { timeout: 10_000 }).toBe(0);
  });

  it("the Activity table fits a 1280 px window and names the list each send went to", async () => {
    await openFromNav(page, "Activity", /\/app\/activity/);
    const table = page.locator(".Polaris-DataTable__ScrollContainer").first();
    await ui.shows(table);
    await ui.shows(table.getByText("to list Newsletter"));
    await ui.shows(table.getByText("to list Second list").first());
    const { scrollWidth, clientWidth } = await table.evaluate((element) => ({ scrollWidth: element.scrollWidth, clientWidth: element.clientWidth }));
    expect(scrollWidth, "the table scrolls sideways: its last columns are cut off").toBeLessThanOrEqual(clientWidth);
    const lastHeading = page.locator(".Polaris-DataTable__ScrollContainer th").last();
    const box = await lastHeading.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(1280);
    await page.screenshot({ path: `${SCREENSHOTS}/stale-activity-1280.png`, fullPage: true });
  });
});

describe("the real-time badge on Activity", () => {
  let page: Page;
  const customers = seeded(APSIS_STORE).filter((c) => c.email?.marketingState === "SUBSCRIBED");
  const profile = (id: number) => stack.apsis.account(DEMO_APSIS.clientId).profiles().find((p) => p.keyspace === DEMO_APSIS.shopifyKeyspace && p.profileKey === String(id));

  beforeAll(async () => {
    expect(customers.length).toBeGreaterThan(1);
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(stack.sandbox.adminUrl(APSIS_SHOP));
    await ui.shows(page.getByRole("heading", { name: APSIS_STORE.name }));
  });

  it("is set up: APSIS One connected, Email → Newsletter, real-time sync on", async () => {
    await setUpApsis(page, ui);
    await page.getByLabel("Sync customers in real time").check({ force: true });
    expect(await ui.post(page, page.getByRole("button", { name: "Save real-time settings" }))).toBe(200);
  });

  /** Renames the customer in the Shopify sandbox's admin, which sends customers/update to the app. */
  async function rename(id: number, firstName: string) {
    await page.goto(`${stack.sandbox.adminUrl(APSIS_SHOP)}/customers/${id}`);
    await ui.shows(page.getByRole("heading", { name: "Edit customer" }));
    await page.getByLabel("First name").fill(firstName);
    await page.getByRole("button", { name: "Save" }).click();
    await ui.shows(page.getByRole("status").getByText("Customer saved."));
    expect(await page.getByRole("status").innerText()).toContain("customers/update → 200");
  }

  /**
   * The badge beside "Real-time sync to APSIS One" on Activity, reloaded until `until` holds for its text: its
   * lines, the tone Polaris says to screen readers ("Success", "Warning"; none for a plain badge) and the label.
   */
  async function badge(until: (text: string[]) => boolean) {
    const read = async () => {
      await page.goto(stack.sandbox.adminUrl(APSIS_SHOP));
      await openFromNav(page, "Activity", /\/app\/activity/);
      const heading = page.getByRole("heading", { name: "Real-time sync to APSIS One" });
      await ui.shows(heading);
      const element = heading.locator("xpath=..").locator(".Polaris-Badge");
      return { text: (await element.innerText()).split("\n").map((line) => line.trim()), className: (await element.getAttribute("class")) ?? "" };
    };
    let last: Awaited<ReturnType<typeof read>> | undefined;
    await expect.poll(async () => until((last = await read()).text), { timeout: 60_000, interval: 1_000 }).toBe(true);
    return last!;
  }

  it("is green while real-time writes succeed", async () => {
    const [customer] = customers;
    await rename(customer.id, "Greta");
    const firstNames = () => Object.values(profile(customer.id)?.sections ?? {}).map((section) => section.attributes["com.apsis1.attributes.firstname"]);
    await expect.poll(firstNames, { timeout: 60_000, interval: 250 }).toContain("Greta");
    const shown = await badge((text) => text.length > 0);
    expect(shown.text).toEqual(["Success", "On"]);
    expect(shown.className).toContain("Polaris-Badge--toneSuccess");
  });

  it("is not green once a real-time write failed: it says how many failed", async () => {
    // "SMS offers" takes consent on SMS only in APSIS One (its topic listing does not say so): mapped under Email, refused.
    await page.goto(stack.sandbox.adminUrl(APSIS_SHOP));
    await openFromNav(page, "APSIS One", /\/app\/apsis/);
    for (const section of DEMO_SECTIONS) {
      await page.getByLabel("Section to map consent for").selectOption({ label: section });
      await page.getByRole("group", { name: /Email channel/ }).getByLabel("SMS offers", { exact: true }).check({ force: true });
      expect(await ui.post(page, page.getByRole("button", { name: "Save consent mapping" }))).toBe(200);
    }
    await rename(customers[1].id, "Sigrid");
    const shown = await badge((text) => text.some((line) => line.includes("failed")));
    expect(shown.text).toEqual(["Warning", "On: 1 failed in 24 h"]);
    expect(shown.className).not.toContain("Polaris-Badge--toneSuccess");
    await ui.shows(page.getByText(/SMS offers|sms_offers/).first()); // the failure is listed beside the badge
    await page.screenshot({ path: `${SCREENSHOTS}/stale-realtime-badge-failed.png`, fullPage: true });
  });
});
