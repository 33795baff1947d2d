/**
 * No re-subscription by sync (issue 13 item 2) and the consent history (item 4), end to end: the Shopify and
 * APSIS One sandboxes over HTTP, the real worker. A person's opt-out in APSIS One (made through APSIS's API,
 * as its unsubscribe link or a form does) newer than Shopify's SUBSCRIBED is never overwritten by a Full Sync
 * written one by one, a Full Sync through the bulk import, or a real-time write; an opt-out older than
 * Shopify's consent is. Every decision is in the customer's consent history, with its source and reason, and
 * only in the shop's own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApsisClient } from "../../../app/destinations/apsis/client/client";
import { DEMO_APSIS } from "../../../sandbox/apsis/server";
import type { SandboxCustomer } from "../../../sandbox/shopify/customer";
import type { WebhookDelivery } from "../../../sandbox/shopify/webhooks/payloads";
import { configureDemo, connectDemo, DEMO, demoDefinitions, enableRealtime, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";
import { waitFor } from "../../support/wait-for";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-consent-guard.myshopify.com", customers: 3, seed: 131, ianaTimezone: "Europe/Stockholm" };
const OTHER: Store = { domain: "apsis-consent-guard-other.myshopify.com", customers: 2, seed: 132, ianaTimezone: "UTC" };
const EMAIL = "com.apsis1.channels.email" as const;

process.env.REALTIME_COALESCE_MS = "50";
process.env.APSIS_IMPORT_POLL_MS = "20";

let stack: Stack;
let shop: ShopContext;
let other: ShopContext;
let topic: (name: string) => string;
let apsis: ApsisClient;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE, OTHER] });
  shop = await setUpShop(stack, STORE);
  other = await setUpShop(stack, OTHER);
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
  const names = await demoDefinitions(stack, shop);
  topic = (name) => names.topic("Sweden", name);
  apsis = new ApsisClient({ baseUrl: stack.apsis.url, clientId: DEMO_APSIS.clientId, clientSecret: DEMO_APSIS.clientSecret, sleep: async () => {} });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const shopify = () => stack.shopify.store(STORE.domain);
const gid = (c: SandboxCustomer) => `gid://shopify/Customer/${c.id}`;
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

/** A Swedish customer (Section Sweden), SUBSCRIBED in Shopify at `consentAt`. */
function swede(first: string, consentAt: string): SandboxCustomer {
  return shopify().createCustomer({
    firstName: first,
    lastName: "Holm",
    email: { address: `${first.toLowerCase()}.holm@example.com`, marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: consentAt },
    address: { firstName: first, lastName: "Holm", company: null, address1: "Kungsgatan 2", address2: null, city: "Malmö", province: null, provinceCode: null, country: "Sweden", countryCode: "SE", zip: "21149", phone: null },
    tags: [],
  });
}

/** The person's own consent action in APSIS One (an unsubscribe link, a form), now. */
async function inApsis(c: SandboxCustomer, name: string, type: "opt-in" | "opt-out") {
  const profile = { keyspace: DEMO.shopifyKeyspace, profileKey: String(c.id), section: DEMO.swedenSection };
  if (!stack.demo.profile(profile.keyspace, profile.profileKey)) await apsis.profiles.create(profile);
  await apsis.consents.write({ ...profile, channel: EMAIL, topic: topic(name), type, reason: "Unsubscribed from a newsletter", source: "APSIS One unsubscribe page" });
  // APSIS's modified_at is at this instant; Shopify's next consent must be strictly later to count as newer.
  await new Promise((resolve) => setTimeout(resolve, 5));
}

function consentInApsis(c: SandboxCustomer, name: string) {
  return stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))?.sections[DEMO.swedenSection]?.consents.find((x) => x.topic === topic(name))?.type;
}

async function fullSync() {
  const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
  const run = await waitForRun(stack, runId);
  expect(run.status, run.errorMessage ?? "").toBe("succeeded");
  return run;
}

async function deliver(delivery: WebhookDelivery) {
  expect(await stack.shopify.webhooks.sendMany([delivery])).toEqual([200]);
  const receipt = await waitFor(
    async () => {
      const row = await stack.app.db.getDb().webhookReceipt.findFirst({ where: { eventId: delivery.eventId } });
      return row && ["processed", "ignored", "failed"].includes(row.status) ? row : undefined;
    },
    { what: `the receipt of ${delivery.topic}` },
  );
  expect(receipt, receipt.detail ?? "").toMatchObject({ status: "processed" });
}

async function historyOf(c: SandboxCustomer, shopId = shop.id) {
  const { listConsentHistory } = await import("../../../app/models/consent-history.server");
  const { rows } = await listConsentHistory({ shopId, customerId: gid(c), take: 100 });
  return rows.reverse().map((r) => ({ topic: r.topic === topic("Newsletter") ? "Newsletter" : "Offers", type: r.type, outcome: r.outcome, source: r.source, reason: r.reason, shopifyState: r.shopifyState }));
}

describe("a stale Shopify SUBSCRIBED never overwrites a newer APSIS One opt-out", () => {
  let vera: SandboxCustomer;

  it("Full Sync, written one by one: the newer opt-out is left alone and counted, the other topic opted in", async () => {
    vera = swede("Vera", minutesAgo(60));
    await inApsis(vera, "Newsletter", "opt-out");
    const run = await fullSync();
    expect(run.leftAlone).toBe(1);
    expect(consentInApsis(vera, "Newsletter")).toBe("opt-out");
    expect(consentInApsis(vera, "Offers")).toBe("opt-in");
    expect(await historyOf(vera)).toEqual([
      { topic: "Newsletter", type: "opt_in", outcome: "left_alone", source: "full_sync", shopifyState: "SUBSCRIBED", reason: expect.stringMatching(/^left alone: APSIS One's opt-out at \S+ is newer than Shopify's consent at \S+$/) },
      { topic: "Offers", type: "opt_in", outcome: "written", source: "full_sync", shopifyState: "SUBSCRIBED", reason: "Shopify email marketing state is SUBSCRIBED" },
    ]);
    // Asked again, still left alone: nothing else written.
    const again = await fullSync();
    expect(again.leftAlone).toBe(1);
    expect(consentInApsis(vera, "Newsletter")).toBe("opt-out");
  });

  it("real time: an opt-out made in APSIS after Shopify's consent stays; one older than Shopify's consent is replaced", async () => {
    await enableRealtime(shop);
    shopify().updateCustomer(vera.id, { email: { address: "vera.holm@example.com", marketingState: "UNSUBSCRIBED", marketingOptInLevel: null, marketingUpdatedAt: new Date().toISOString() } });
    await deliver(stack.shopify.webhooks.build.customersUpdate(STORE.domain, vera.id));
    expect(consentInApsis(vera, "Offers")).toBe("opt-out");
    // The merchant re-subscribes Vera in Shopify; before the webhook is handled she opts in and out again in APSIS.
    await new Promise((resolve) => setTimeout(resolve, 5));
    shopify().updateCustomer(vera.id, { email: { address: "vera.holm@example.com", marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: new Date().toISOString() } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await inApsis(vera, "Offers", "opt-in");
    await inApsis(vera, "Offers", "opt-out");
    await deliver(stack.shopify.webhooks.build.customersUpdate(STORE.domain, vera.id));
    // Newsletter's opt-out (from the first test) is older than Shopify's new consent: replaced. Offers' is newer: kept.
    expect(consentInApsis(vera, "Newsletter")).toBe("opt-in");
    expect(consentInApsis(vera, "Offers")).toBe("opt-out");
    const realtime = (await historyOf(vera)).filter((e) => e.source === "webhook");
    expect(realtime).toEqual([
      { topic: "Offers", type: "opt_out", outcome: "written", source: "webhook", shopifyState: "UNSUBSCRIBED", reason: "Shopify email marketing state is UNSUBSCRIBED" },
      { topic: "Newsletter", type: "opt_in", outcome: "written", source: "webhook", shopifyState: "SUBSCRIBED", reason: "Shopify email marketing state is SUBSCRIBED" },
      { topic: "Offers", type: "opt_in", outcome: "left_alone", source: "webhook", shopifyState: "SUBSCRIBED", reason: expect.stringMatching(/is newer than Shopify's consent/) },
    ]);
  });

  it("Full Sync through the bulk import: APSIS keeps a person's opt-out, and an opt-in over the app's own opt-out goes through the guard", async () => {
    process.env.APSIS_IMPORT_THRESHOLD = "1";
    stack.app.env.resetEnvCache();
    try {
      const ines = swede("Ines", minutesAgo(60));
      await inApsis(ines, "Newsletter", "opt-out");
      const run = await fullSync();
      const imports = stack.demo.imports();
      expect(imports.length).toBeGreaterThan(0);
      // Ines was imported (her profile is new to the app): APSIS kept her opt-out (resubscribe_if_opted_out false).
      expect(consentInApsis(ines, "Newsletter")).toBe("opt-out");
      expect(consentInApsis(ines, "Offers")).toBe("opt-in");
      // Vera's Offers opt-in is over an opt-out the link records: written one by one, through the guard: still left alone.
      expect(consentInApsis(vera, "Offers")).toBe("opt-out");
      expect(run.leftAlone).toBe(1);
      expect((await historyOf(ines)).map((e) => e.source)).toEqual(["import", "import"]);
    } finally {
      delete process.env.APSIS_IMPORT_THRESHOLD;
      stack.app.env.resetEnvCache();
    }
  });

  it("another shop's consent history never shows the customer's", async () => {
    const customers = await stack.app.db.getDb().consentEvent.count({ where: { shopId: shop.id } });
    expect(customers).toBeGreaterThan(0);
    expect(await historyOf(swede("Olle", minutesAgo(1)), other.id)).toEqual([]);
    const { listConsentHistory } = await import("../../../app/models/consent-history.server");
    const someone = await stack.app.db.getDb().consentEvent.findFirstOrThrow({ where: { shopId: shop.id } });
    expect((await listConsentHistory({ shopId: other.id, customerId: someone.customerId })).rows).toEqual([]);
  });
});
