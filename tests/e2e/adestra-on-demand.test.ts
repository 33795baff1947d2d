/**
 * The On Demand flow as a merchant does it, in headless Chromium through the Shopify sandbox's admin, with the
 * built app, the worker and the Adestra sandbox running as real processes (scripts/stack.ts):
 * connect Adestra in Settings (a wrong password first), then on Data Sync pick "Email subscribers only",
 * create the list "Newsletter", pick a date range on the calendar, read the preview, send, watch it finish,
 * and read the last send time in the store's timezone. The Adestra sandbox then shows exactly the customers
 * the seed says are subscribed and active in the range.
 */
import { DateTime } from "luxon";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_NOW, seedCustomer } from "../../sandbox/shopify/seed";
import type { Stack } from "../../scripts/stack";
import { openFromNav, pick, SCREENSHOTS as screenshots, startE2e } from "../support/browser";

const SHOP = "nordic-newsletter.myshopify.com";
const ZONE = "Europe/Stockholm";
const STORE = { domain: SHOP, name: "Nordic Newsletter Co", ianaTimezone: ZONE, customers: 120, seed: 11 };
const RANGE = { from: "2026-06-01", to: "2026-10-31" };


let e2e: Awaited<ReturnType<typeof startE2e>>;
let stack: Stack;
let browser: Browser;

/**
 * What the send must write, from the seed itself: customers with an email whose Shopify email marketing state
 * is SUBSCRIBED and whose activity (the later of their last update and last order) falls on a day of the range
 * in the store's timezone.
 */
function expectedEmails(range: { from: string; to: string } | null = RANGE): string[] {
  const start = range ? DateTime.fromISO(range.from, { zone: ZONE }).startOf("day").toMillis() : -Infinity;
  const end = range ? DateTime.fromISO(range.to, { zone: ZONE }).plus({ days: 1 }).startOf("day").toMillis() : Infinity;
  const emails: string[] = [];
  for (let index = 0; index < STORE.customers; index++) {
    const customer = seedCustomer(STORE.seed, index, DEFAULT_NOW);
    if (!customer.email || customer.email.marketingState !== "SUBSCRIBED") continue;
    const activity = Math.max(Date.parse(customer.updatedAt), customer.lastOrder ? Date.parse(customer.lastOrder.createdAt) : 0);
    if (activity >= start && activity < end) emails.push(customer.email.address.toLowerCase());
  }
  return emails.sort();
}

beforeAll(async () => {
  e2e = await startE2e({
    name: "adestra",
    stores: [STORE],
    invite: [SHOP],
  });
  ({ stack, browser } = e2e);
});

afterAll(async () => {
  await e2e?.close();
});

/** Waits until the element is visible; fails the test (with the page's text and the stack's logs) if it never is. */
async function shows(locator: Locator, timeout = 20_000) {
  try {
    await locator.waitFor({ state: "visible", timeout });
  } catch (error) {
    const text = await locator.page().locator("body").innerText().catch(() => "(no page)");
    throw new Error(`${(error as Error).message}\npage text:\n${text}\n${stack.logs().slice(-4000)}`);
  }
}

/** Polls until `read` gives `expected`; fails with the page's text and the stack's logs. */
async function eventually<T>(page: Page, read: () => Promise<T>, expected: T, timeout = 20_000) {
  try {
    await expect.poll(read, { timeout }).toEqual(expected);
  } catch (error) {
    await page.screenshot({ path: `${screenshots}/adestra-failure.png`, fullPage: true }).catch(() => {});
    const text = await page.locator("body").innerText().catch(() => "(no page)");
    throw new Error(`${(error as Error).message}\npage text:\n${text}\n${stack.logs().slice(-6000)}`);
  }
}

const valueOf = (locator: Locator) => () => locator.inputValue({ timeout: 1_000 }).catch(() => "(no such field)");
const textOf = (locator: Locator) => () => locator.innerText({ timeout: 1_000 }).catch(() => "(not shown)");

describe("On Demand send to Adestra, as a merchant", () => {
  let page: Page;

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await shows(page.getByRole("heading", { name: STORE.name }).first());
  });

  it("Settings: a wrong password is refused on the form and nothing is saved; the right one connects", async () => {
    await openFromNav(page, "Settings", /\/app\/settings/);
    await page.getByLabel("Account name").fill("demo");
    await page.getByLabel("Username").fill("shopify");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Connect" }).click();
    await shows(page.getByText("Adestra rejected the account name, username or password"));
    expect(await page.getByLabel("Password").inputValue()).toBe(""); // never kept or echoed back
    expect(await page.getByLabel("Core table").count()).toBe(0); // not connected

    await page.getByLabel("Password").fill("sandbox-password");
    await page.getByRole("button", { name: "Connect" }).click();
    await shows(page.getByLabel("Core table"));
    await page.getByLabel("Core table").selectOption({ label: "Shopify customers (id 1)" });
    await page.getByLabel("Unsub list ID").fill("10");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await shows(page.getByText("Unsub list 10: Shopify unsubscribes"));
    await page.screenshot({ path: `${screenshots}/adestra-settings.png`, fullPage: true });
  });

  it("Data Sync On Demand: subscribers, a new list, a date range, the preview, the send and its outcome", async () => {
    const expected = expectedEmails();
    expect(expected.length).toBeGreaterThan(5); // the seed gives the range something to send

    await openFromNav(page, "Data Sync", /\/app\/data-sync/);
    await shows(page.getByRole("tab", { name: "On Demand" }));
    // Subscribers only is the safe default; pick All profiles, then change our mind as the tip suggests.
    await pick(page, "radio", "All profiles");
    expect(await page.getByRole("radio", { name: "All profiles" }).isChecked()).toBe(true);
    await pick(page, "radio", "Email subscribers only");
    expect(await page.getByRole("radio", { name: "Email subscribers only" }).isChecked()).toBe(true);

    // Select Adestra List, as the seed says: the panel picks a list or creates one; a created list is selected at once.
    await page.getByRole("button", { name: "Select Adestra List" }).click();
    await shows(page.getByRole("button", { name: "Existing newsletter", exact: true })); // a list already on the core table
    await page.getByLabel("Or create a new list").fill("Newsletter");
    await page.getByRole("button", { name: "Create list" }).click();
    await eventually(page, async () => stack.adestra.account("demo").lists().find((l) => l.name === "Newsletter")?.tableId, 1);
    const newsletter = stack.adestra.account("demo").lists().find((l) => l.name === "Newsletter")!;
    await eventually(page, valueOf(page.getByLabel("Adestra list")), "Newsletter");
    expect(await page.getByLabel("Or create a new list").count()).toBe(0); // the panel closed

    // The date range, on the calendar: 1 June to 31 October 2026 (today is later; the picker opens on recent months).
    await page.getByRole("button", { name: "Choose activity dates" }).click();
    const previous = page.getByRole("button", { name: /^Show previous month/ });
    const next = page.getByRole("button", { name: /^Show next month/ });
    const day = (label: string) => page.getByRole("button", { name: new RegExp(` ${label}$`) });
    while (!(await day("June 1 2026").isVisible())) await previous.click();
    await day("June 1 2026").click();
    while (!(await day("October 31 2026").isVisible())) await next.click();
    await day("October 31 2026").click();
    await page.screenshot({ path: `${screenshots}/adestra-date-picker.png`, fullPage: true });
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.getByLabel("Customer activity between").inputValue()).toBe("1 Jun 2026 – 31 Oct 2026");

    // The preview counts what the send will write.
    await eventually(page, textOf(page.getByTestId("send-preview-count")), `${expected.length} profiles will be sent`, 30_000);
    await page.screenshot({ path: `${screenshots}/adestra-on-demand-ready.png`, fullPage: true });

    await page.getByRole("button", { name: "Send Profiles to Adestra" }).click();
    // While it runs the button says so (a second click cannot start another); small sends may finish first.
    await page.screenshot({ path: `${screenshots}/adestra-on-demand-running.png`, fullPage: true });
    const outcome = page.getByText("Send complete to Newsletter");
    await shows(outcome, 90_000);
    await shows(page.getByText(`${expected.length} profiles sent (${expected.length} added to the list, 0 updated)`));
    await shows(page.getByText("0 profiles failed"));
    expect(await page.getByRole("button", { name: "Send Profiles to Adestra" }).isEnabled()).toBe(true);
    await page.screenshot({ path: `${screenshots}/adestra-on-demand-done.png`, fullPage: true });

    // The last send, in the store's timezone (Stockholm in November: CET, which en-US names GMT+1).
    const lastSend = (await page.getByTestId("last-send").innerText()).trim();
    const match = /^Last send: (\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}) GMT\+1$/.exec(lastSend);
    expect(match, lastSend).not.toBeNull();
    const shown = DateTime.fromFormat(match![1], "d LLL yyyy, HH:mm", { zone: ZONE, locale: "en-US" });
    expect(Math.abs(shown.toMillis() - Date.now())).toBeLessThan(3 * 60_000);

    // Adestra holds exactly the subscribed customers active in the range, on the new list.
    const members = stack.adestra.account("demo").listMembers(newsletter.id).map((email) => email.toLowerCase()).sort();
    expect(members).toEqual(expected);
  });

  it("Auto Send: saved on, the choices are read-only with a note and the next run shows; Send now sends with them", async () => {
    const subscribers = expectedEmails(null);
    const alreadySent = expectedEmails().length;
    await page.getByRole("tab", { name: "Auto Send" }).click();
    await shows(page.getByRole("checkbox", { name: "Automatically send profiles" }));
    expect(await page.getByRole("radio", { name: "Email subscribers only" }).isChecked()).toBe(true);
    await page.getByRole("button", { name: "Select Adestra List" }).click();
    await page.getByRole("button", { name: "Newsletter", exact: true }).click();
    await eventually(page, valueOf(page.getByLabel("Adestra list")), "Newsletter");
    await pick(page, "checkbox", "Automatically send profiles");
    expect(await page.getByRole("checkbox", { name: "Automatically send profiles" }).isChecked()).toBe(true);
    await page.getByRole("button", { name: "Save Settings" }).click();
    await shows(page.getByText("Auto Send is on with these settings. To change them, untick Automatically send profiles"));
    expect(await page.getByRole("button", { name: "Select Adestra List" }).isDisabled()).toBe(true);
    expect(await page.getByRole("radio", { name: "All profiles" }).isDisabled()).toBe(true);
    await eventually(page, async () => /^Next run: .* GMT\+1$/.test(await textOf(page.getByTestId("auto-next-run"))()), true);
    await page.screenshot({ path: `${screenshots}/adestra-auto-send-on.png`, fullPage: true });

    await page.getByRole("button", { name: "Send now" }).click();
    await shows(page.getByText(`${subscribers.length - alreadySent} profiles sent (${subscribers.length - alreadySent} added to the list, 0 updated)`), 90_000);
    await shows(page.getByText(`${alreadySent} profiles unchanged since the last send, skipped`));
    expect(await textOf(page.getByTestId("last-send"))()).toMatch(/^Last send: .* GMT\+1$/);
    const newsletter = stack.adestra.account("demo").lists().find((l) => l.name === "Newsletter")!;
    expect(stack.adestra.account("demo").listMembers(newsletter.id).map((e) => e.toLowerCase()).sort()).toEqual(subscribers);
    await page.screenshot({ path: `${screenshots}/adestra-auto-send-sent.png`, fullPage: true });

    await pick(page, "checkbox", "Automatically send profiles");
    await page.getByRole("button", { name: "Save Settings" }).click();
    await eventually(page, textOf(page.getByTestId("auto-next-run")), "Next run: none (auto send is off)");
    expect(await page.getByText("Auto Send is on with these settings. To change them, untick Automatically send profiles").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Select Adestra List" }).isDisabled()).toBe(false);
  });

  it("Auto Send on: untick, change, tick, Save changes the daily send in one save and keeps it on", async () => {
    await pick(page, "checkbox", "Automatically send profiles");
    await page.getByRole("button", { name: "Save Settings" }).click();
    await shows(page.getByText("Auto Send is on with these settings. To change them, untick Automatically send profiles"));
    expect(await page.getByRole("radio", { name: "All profiles" }).isDisabled()).toBe(true);
    // Unticking unlocks the choices at once, without a save.
    await pick(page, "checkbox", "Automatically send profiles");
    await eventually(page, () => page.getByRole("radio", { name: "All profiles" }).isDisabled(), false);
    await pick(page, "radio", "All profiles");
    await pick(page, "checkbox", "Automatically send profiles");
    expect(await page.getByRole("radio", { name: "All profiles" }).isChecked()).toBe(true);
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.startsWith("/app/data-sync"), { timeout: 30_000 }),
      page.getByRole("button", { name: "Save Settings" }).click(),
    ]);
    expect(saved.status()).toBe(200);
    await page.reload();
    await page.getByRole("tab", { name: "Auto Send" }).click();
    await shows(page.getByText("Auto Send is on with these settings. To change them, untick Automatically send profiles"));
    expect(await page.getByRole("radio", { name: "All profiles" }).isChecked()).toBe(true);
    expect(await page.getByRole("checkbox", { name: "Automatically send profiles" }).isChecked()).toBe(true);
    await eventually(page, async () => /^Next run: .* GMT\+1$/.test(await textOf(page.getByTestId("auto-next-run"))()), true);
    // Off again for the next test.
    await pick(page, "checkbox", "Automatically send profiles");
    await page.getByRole("button", { name: "Save Settings" }).click();
    await eventually(page, textOf(page.getByTestId("auto-next-run")), "Next run: none (auto send is off)");
  });

  it("Auto Send with This year: saved as a range that moves with each send, not as the days it covers today", async () => {
    const today = DateTime.now().setZone(ZONE).toISODate()!;
    await page.getByRole("button", { name: "Choose activity dates" }).click();
    await page.getByRole("button", { name: "This year", exact: true }).click();
    await page.getByRole("button", { name: "Done" }).click();
    const field = page.getByLabel("Customer activity between");
    const moving = `This year, moving with each send (today: 1 Jan ${today.slice(0, 4)} – ${DateTime.fromISO(today).toFormat("d LLL yyyy")})`;
    await eventually(page, valueOf(field), moving);
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.startsWith("/app/data-sync"), { timeout: 30_000 }),
      page.getByRole("button", { name: "Save Settings" }).click(),
    ]);
    expect(saved.status()).toBe(200);
    // After a reload the field still says it moves: the choice was saved as "this year", not as two dates.
    await page.reload();
    await page.getByRole("tab", { name: "Auto Send" }).click();
    await eventually(page, valueOf(page.getByLabel("Customer activity between")), moving);
  });
});
