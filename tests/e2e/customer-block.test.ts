/**
 * The app's customer page block (extensions/customer-sync-status) in the Shopify sandbox's customer page, as a
 * merchant uses it, in headless Chromium with the built app, the worker and the sandboxes as real processes: the
 * sandbox renders the block the way Shopify admin does (the extension's module in a sandboxed frame, calling the
 * app's /api/customer-sync-status with a session token the admin mints for the shop, routes/admin-blocks.ts).
 * APSIS One is set up (apsis-steps.ts) with real-time sync left off; the block shows the customer as not synced,
 * Resync queues their sync, APSIS One gets the profile, and the block then shows it synced. The APSIS sandbox's
 * inspection page (outside the test's process, as a person would open it) shows the profile's attributes.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APSIS } from "../../sandbox/apsis/server";
import { INSPECTION_PATH } from "../../sandbox/inspection";
import { DEFAULT_NOW, seedCustomer } from "../../sandbox/shopify/seed";
import type { Stack } from "../../scripts/stack";
import { SCREENSHOTS, startE2e } from "../support/browser";
import { merchantUi, setUpApsis } from "./apsis-steps";

const SHOP = "customer-block.myshopify.com";
const STORE = { domain: SHOP, name: "Block Nordic AB", ianaTimezone: "Europe/Stockholm", customers: 40, seed: 57 };

let e2e: Awaited<ReturnType<typeof startE2e>>;
let stack: Stack;
let browser: Browser;
const ui = merchantUi(() => stack, "customer-block-failure.png");

/** A Swedish customer (the condition sends them to Sweden) subscribed to email marketing, with a first name. */
function subscribedSwede() {
  for (let index = 0; index < STORE.customers; index++) {
    const customer = seedCustomer(STORE.seed, index, DEFAULT_NOW);
    if (customer.address?.countryCode === "SE" && customer.email?.marketingState === "SUBSCRIBED" && customer.firstName) return customer;
  }
  throw new Error("the seed has no subscribed Swedish customer");
}

beforeAll(async () => {
  e2e = await startE2e({ name: "customer-block", stores: [STORE], invite: [SHOP] });
  ({ stack, browser } = e2e);
});

afterAll(async () => {
  await e2e?.close();
});

describe("the APSIS One block on the Shopify customer page", () => {
  let page: Page;
  const customer = subscribedSwede();
  const profile = () => stack.apsis.account(DEMO_APSIS.clientId).profile(DEMO_APSIS.shopifyKeyspace, String(customer.id));
  const block = () => page.frameLocator('iframe[title="APSIS One sync"]');
  /** The Authorization headers of the block's calls to the app. */
  const blockCalls: { method: string; authorization: string | undefined; origin: string | undefined }[] = [];
  /** Errors in the customer page or the block's frame (a refused policy, a script error). */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error" && page.url().includes("/customers/")) pageErrors.push(`${message.text()} (${message.location().url})`);
    });
    page.on("request", async (request) => {
      if (!request.url().startsWith(`${stack.appUrl}/api/customer-sync-status`) || request.method() === "OPTIONS") return;
      const headers = await request.allHeaders();
      blockCalls.push({ method: request.method(), authorization: headers.authorization, origin: headers.origin });
    });
  });

  it("sets APSIS One up in the app, real-time sync left off", async () => {
    await page.goto(stack.sandbox.adminUrl(SHOP));
    await ui.shows(page.getByRole("heading", { name: STORE.name }));
    await setUpApsis(page, ui);
  });

  it("shows the customer's sync state from the app: not synced yet, real-time sync off", async () => {
    await page.goto(`${stack.sandbox.adminUrl(SHOP)}/customers/${customer.id}`);
    await ui.shows(page.getByRole("heading", { name: "App blocks" }));
    await ui.shows(block().getByRole("heading", { name: "APSIS One sync" }));
    await ui.shows(block().getByText("Not synced yet"));
    await ui.shows(block().getByText(/^Real-time sync is off/));
    expect(profile()).toBeUndefined();

    // The block called the app from its sandboxed frame (opaque origin) with a session token for this shop, signed
    // by the admin: the app's authenticate.admin accepted it (the state above is the app's answer).
    await expect.poll(() => blockCalls.length).toBeGreaterThan(0);
    const [call] = blockCalls;
    expect(call).toMatchObject({ method: "GET", origin: "null", authorization: expect.stringMatching(/^Bearer eyJ/) });
    const claims = JSON.parse(Buffer.from(call.authorization!.split(".")[1], "base64url").toString());
    expect(claims).toMatchObject({ dest: `https://${SHOP}`, iss: `https://${SHOP}/admin`, aud: stack.env.SHOPIFY_API_KEY });
  });

  it("Resync queues the customer's sync: APSIS One gets the profile and the block shows it synced", async () => {
    await block().getByRole("button", { name: "Resync" }).click();
    await ui.shows(block().getByText(/^Resync queued/));
    await expect.poll(() => blockCalls.filter((call) => call.method === "POST")).toEqual([expect.objectContaining({ origin: "null", authorization: expect.stringMatching(/^Bearer eyJ/) })]);

    const synced = () => {
      const data = profile()?.sections[DEMO_APSIS.swedenSection];
      return {
        firstName: data?.attributes["com.apsis1.attributes.firstname"] ?? null,
        email: data?.attributes["com.apsis1.attributes.email"] ?? null,
        optIns: (data?.consents ?? []).filter((c) => c.type === "opt-in").map((c) => c.topic),
      };
    };
    await expect
      .poll(synced, { timeout: 60_000, interval: 250 })
      .toEqual({ firstName: customer.firstName, email: customer.email!.address, optIns: [expect.stringContaining(".topics.newsletter-")] });

    // The block looks again a few seconds after Resync; a reload shows the same, from the app.
    await expect
      .poll(
        async () => {
          if (await block().getByText("Synced: profile created").count()) return true;
          await page.reload();
          await block().getByRole("heading", { name: "APSIS One sync" }).waitFor({ state: "visible", timeout: 20_000 });
          return (await block().getByText("Synced: profile created").count()) > 0;
        },
        { timeout: 40_000, interval: 1_000 },
      )
      .toBe(true);
    await ui.shows(block().getByText("Section Sweden"));
    await ui.shows(block().getByText(`Email (${customer.email!.address}): Newsletter`));
    await ui.shows(block().getByText("Opted in"));
    await page.screenshot({ path: `${SCREENSHOTS}/customer-block-synced.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("the APSIS sandbox's inspection page shows the profile's attributes and consent", async () => {
    const inspection = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    try {
      await inspection.goto(`${stack.apsis.url}${INSPECTION_PATH}`);
      await inspection.getByRole("searchbox").fill(customer.email!.address);
      await inspection.getByRole("button", { name: "Search" }).click();
      const article = inspection.getByRole("article", { name: `Profile ${customer.id}` });
      await article.waitFor({ state: "visible", timeout: 10_000 });
      const attributes = article.getByRole("table", { name: /Sweden.*attributes/ });
      await expect.poll(() => attributes.getByRole("row", { name: /First name/ }).innerText()).toContain(customer.firstName!);
      await expect.poll(() => attributes.getByRole("row", { name: /^Email/ }).innerText()).toContain(customer.email!.address);
      const consents = await article.getByRole("table", { name: /Sweden.*consents/ }).innerText();
      expect(consents).toMatch(/Newsletter[^\n]*\topt-in\t/);
      await inspection.screenshot({ path: `${SCREENSHOTS}/apsis-inspection.png`, fullPage: true });
    } finally {
      await inspection.close();
    }
  });
});
