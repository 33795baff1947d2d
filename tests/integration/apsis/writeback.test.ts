/**
 * Write-back end to end (docs/decisions/033-consent-write-back.md): a Full Sync writes the shop's customers to the
 * APSIS sandbox; a person then opts out (or in) through APSIS's consent API; the real worker's write-back pass
 * reads the profile's consents over HTTP, writes UNSUBSCRIBED to the Shopify sandbox with
 * customerEmail/SmsMarketingConsentUpdate, and the sandbox delivers customers/update and the consent topic to
 * the app's webhook routes, whose real-time sync must then find nothing to write to APSIS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerGid, type SandboxCustomer } from "../../../sandbox/shopify/customer";
import type { ShopContext } from "../../../app/models/shop.server";
import { waitFor } from "../../support/wait-for";
import { connectDemo, DEMO, demoDefinitions, setUpShop, type Stack, startStack, type Store, waitForRun, writeRequests } from "./stack";

const STORE: Store = { domain: "apsis-writeback.myshopify.com", customers: 120, seed: 71, ianaTimezone: "Europe/Stockholm" };
const OTHER: Store = { domain: "apsis-writeback-other.myshopify.com", customers: 60, seed: 72, ianaTimezone: "UTC" };

let stack: Stack;
let shop: ShopContext;
let other: ShopContext;
let names: Awaited<ReturnType<typeof demoDefinitions>>;
let apsisClient: import("../../../app/destinations/apsis/client/client").ApsisClient;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE, OTHER], shopifyScopes: "read_customers,write_customers,read_orders" });
  shop = await setUpShop(stack, STORE);
  other = await setUpShop(stack, OTHER);
  for (const s of [shop, other]) {
    await connectDemo(stack, s);
    await configure(s);
    const { runId } = await stack.app.fullSync.startFullSync({ shop: s, trigger: "on_demand" });
    expect((await waitForRun(stack, runId)).status).toBe("succeeded");
  }
  const { createApsisClient } = await import("../../../app/destinations/apsis/account.server");
  apsisClient = createApsisClient({ region: "eu", clientId: DEMO.clientId, clientSecret: DEMO.clientSecret });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/**
 * Every customer in Sweden to Section Sweden, with attributes that only change when the person does (email, first
 * name): so a real-time sync after a write-back has nothing of its own to write. Email consent on Newsletter,
 * SMS consent on "SMS offers".
 */
async function configure(s: ShopContext) {
  names = await demoDefinitions(stack, s);
  const saved = await stack.app.mapping.saveSyncConditions({ shop: s, conditions: [{ section: DEMO.swedenSection, field: "country", operator: "equals", value: "SE" }] });
  expect(saved.ok).toBe(true);
  const mappings = stack.app.fields.guessMappings(names.section("Sweden").attributes).filter((m) => [names.attribute("Sweden", "Email"), names.attribute("Sweden", "First name")].includes(m.attribute));
  expect(mappings).toHaveLength(2);
  expect((await stack.app.mapping.saveAttributeMappings({ shop: s, section: DEMO.swedenSection, mappings })).ok).toBe(true);
  const consents = await stack.app.mapping.saveConsentMappings({ shop: s, section: DEMO.swedenSection, email: [names.topic("Sweden", "Newsletter")], sms: [names.topic("Sweden", "SMS offers")] });
  expect(consents.ok).toBe(true);
}

/** Saves the Real-time sync card as the page does (real-time on, no purchase events), with write-back on or off. */
async function saveSettings(s: ShopContext, writebackEnabled: boolean) {
  const { saveRealtimeSettings } = await import("../../../app/destinations/apsis/realtime-settings.server");
  return saveRealtimeSettings({ shop: s, realtimeEnabled: "true", purchaseEventsEnabled: "false", onCustomerDelete: "delete_profile", purchaseEvents: {}, writebackEnabled: String(writebackEnabled) });
}

/** A synced Swede of the store whose email (and, when asked, SMS) marketing is SUBSCRIBED. */
function subscribedSwede(store: Store, { sms = false, skip = 0 } = {}): SandboxCustomer {
  const found = [...stack.shopify.store(store.domain).customers()].filter(
    (c) => c.address?.countryCode === "SE" && c.email?.marketingState === "SUBSCRIBED" && (!sms || c.phone?.marketingState === "SUBSCRIBED"),
  );
  expect(found.length, `subscribed Swedes in ${store.domain}`).toBeGreaterThan(skip);
  return found[skip];
}

const newsletter = () => names.topic("Sweden", "Newsletter");
const smsOffers = () => names.topic("Sweden", "SMS offers");

/** The person opts out (or in) of a topic through APSIS, as an unsubscribe link does; answers APSIS's modified_at. */
async function consentInApsis(c: SandboxCustomer, channel: "email" | "sms", topic: string, type: "opt-in" | "opt-out") {
  const channelDiscriminator = channel === "email" ? "com.apsis1.channels.email" : "com.apsis1.channels.sms";
  await apsisClient.consents.write({ keyspace: DEMO.shopifyKeyspace, profileKey: String(c.id), section: DEMO.swedenSection, channel: channelDiscriminator, topic, type, reason: "Unsubscribe link", source: "APSIS One" });
  const held = await apsisClient.consents.list({ keyspace: DEMO.shopifyKeyspace, profileKey: String(c.id), section: DEMO.swedenSection });
  return held.find((h) => h.topic_discriminator === topic && h.channel_discriminator === channelDiscriminator)!.modified_at!;
}

/** Queues the job for the real worker and answers what its handler returned. */
async function onWorker<J extends import("../../../app/queues/registry").JobDefinition>(definition: J, payload: import("../../../app/queues/registry").JobPayload<J>) {
  const job = await stack.app.queues.enqueue(definition, payload);
  return waitFor(
    async () => {
      const now = await stack.app.queues.getQueue(definition.queue).getJob(job!.id!);
      if (await now?.isFailed()) throw new Error(`${definition.name} failed: ${now!.failedReason}`);
      if (!(await now?.isCompleted())) return undefined;
      // Read again: the job read before it completed has no return value yet.
      const done = await stack.app.queues.getQueue(definition.queue).getJob(job!.id!);
      return { value: done!.returnvalue as unknown };
    },
    { what: `${definition.name} to finish` },
  ).then((r) => r.value);
}

/** One write-back pass of the shop on the real worker, and its result. */
async function runPass(s: ShopContext) {
  const { WRITEBACK_SHOP_JOB } = await import("../../../app/destinations/apsis/jobs/definitions");
  return onWorker(WRITEBACK_SHOP_JOB, { shop: s.domain });
}

/** Waits until every webhook receipt of the customer is final (the real-time sync the write-back set off ran). */
async function settledReceipts(s: ShopContext, c: SandboxCustomer, atLeast: number) {
  return waitFor(
    async () => {
      const rows = await stack.app.db.getDb().webhookReceipt.findMany({ where: { shopDomain: s.domain, customerId: customerGid(c.id) } });
      return rows.length >= atLeast && rows.every((r) => ["processed", "ignored", "failed"].includes(r.status)) ? rows : undefined;
    },
    { what: `${atLeast} final receipts for ${c.id}` },
  );
}

const receiptCount = (s: ShopContext, c: SandboxCustomer) => stack.app.db.getDb().webhookReceipt.count({ where: { shopDomain: s.domain, customerId: customerGid(c.id) } });
const writebacksOf = (s: ShopContext, c: SandboxCustomer) => stack.app.db.getDb().consentWriteback.findMany({ where: { shopId: s.id, customerId: customerGid(c.id) } });
const secondOf = (iso: string) => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace(".000Z", "Z");

describe("write-back: opt-outs made in APSIS One become UNSUBSCRIBED in Shopify", () => {
  it("the switch is off by default and is refused for a shop with no consent mapping", async () => {
    const { getApsisRealtimeSettings } = await import("../../../app/models/apsis-realtime-settings.server");
    expect((await getApsisRealtimeSettings({ shopId: shop.id }))?.writebackEnabled).toBe(false);
    await stack.app.db.getDb().consentMapping.deleteMany({ where: { shopId: other.id } });
    const refused = await saveSettings(other, true);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.fieldErrors?.writebackEnabled).toMatch(/map at least one topic/);
    expect((await getApsisRealtimeSettings({ shopId: other.id }))?.writebackEnabled).toBe(false);
    await configure(other);
  });

  it("nothing is written back while the switch is off", async () => {
    const c = subscribedSwede(STORE, { skip: 3 });
    await consentInApsis(c, "email", newsletter(), "opt-out");
    expect(await runPass(shop)).toEqual({ skipped: "write-back is off" });
    expect(stack.shopify.store(STORE.domain).getCustomer(c.id)!.email!.marketingState).toBe("SUBSCRIBED");
    expect(await writebacksOf(shop, c)).toHaveLength(0);
  });

  it("an email opt-out reaches Shopify, dated when it was made, and comes back to APSIS as nothing to write", async () => {
    expect((await saveSettings(shop, true)).ok).toBe(true);
    const c = subscribedSwede(STORE);
    const receiptsBefore = await receiptCount(shop, c);
    const optedOutAt = await consentInApsis(c, "email", newsletter(), "opt-out");
    const writesBefore = writeRequests(stack.demo.stats().byEndpoint);

    const result = await runPass(shop);
    expect(result).toMatchObject({ written: expect.any(Number), refused: 0 });
    const email = stack.shopify.store(STORE.domain).getCustomer(c.id)!.email!;
    expect(email.marketingState).toBe("UNSUBSCRIBED");
    expect(email.marketingUpdatedAt).toBe(secondOf(optedOutAt));
    expect(await writebacksOf(shop, c)).toMatchObject([{ destination: "apsis", channel: "email", topics: newsletter(), outcome: "written", consentAt: new Date(optedOutAt) }]);

    // customers/update and customers_email_marketing_consent/update came from the sandbox; their sync wrote nothing.
    const receipts = await settledReceipts(shop, c, receiptsBefore + 2);
    expect(receipts.filter((r) => r.status === "failed")).toEqual([]);
    expect(writeRequests(stack.demo.stats().byEndpoint) - writesBefore).toBe(0);
    const consents = stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))!.sections[DEMO.swedenSection].consents;
    expect(consents.find((x) => x.topic === newsletter())).toMatchObject({ type: "opt-out", reason: "Unsubscribe link" });

    // The next round finds nothing more to write back: the link holds the opt-out now.
    await stack.app.db.getDb().apsisConnection.update({ where: { shopId: shop.id }, data: { writebackCursor: null } });
    await runPass(shop);
    expect(await writebacksOf(shop, c)).toHaveLength(1);
  });

  it("an opt-out of an SMS topic reaches Shopify's SMS marketing consent", async () => {
    const c = subscribedSwede(STORE, { sms: true, skip: 1 });
    const optedOutAt = await consentInApsis(c, "sms", smsOffers(), "opt-out");
    await stack.app.db.getDb().apsisConnection.update({ where: { shopId: shop.id }, data: { writebackCursor: null } });
    await runPass(shop);
    const customer = stack.shopify.store(STORE.domain).getCustomer(c.id)!;
    expect(customer.phone!.marketingState).toBe("UNSUBSCRIBED");
    expect(customer.phone!.marketingUpdatedAt).toBe(secondOf(optedOutAt));
    expect(customer.email!.marketingState).toBe("SUBSCRIBED");
    expect(await writebacksOf(shop, c)).toMatchObject([{ channel: "sms", topics: smsOffers(), outcome: "written" }]);
  });

  it("an opt-in in APSIS is never written back", async () => {
    const c = [...stack.shopify.store(STORE.domain).customers()].find((x) => x.address?.countryCode === "SE" && x.email?.marketingState === "NOT_SUBSCRIBED")!;
    expect(c).toBeDefined();
    await consentInApsis(c, "email", newsletter(), "opt-in");
    await stack.app.db.getDb().apsisConnection.update({ where: { shopId: shop.id }, data: { writebackCursor: null } });
    await runPass(shop);
    expect(stack.shopify.store(STORE.domain).getCustomer(c.id)!.email!.marketingState).toBe("NOT_SUBSCRIBED");
    expect(await writebacksOf(shop, c)).toHaveLength(0);
  });

  it("another shop's profiles are never touched: its opt-out waits for its own switch", async () => {
    const theirs = subscribedSwede(OTHER);
    await consentInApsis(theirs, "email", newsletter(), "opt-out");
    // The fan-out: only shops with the switch on get a pass, and a pass reads only its own shop's links.
    const { WRITEBACK_JOB } = await import("../../../app/destinations/apsis/jobs/definitions");
    expect(await onWorker(WRITEBACK_JOB, {})).toEqual({ shops: 1 });
    await stack.app.db.getDb().apsisConnection.update({ where: { shopId: shop.id }, data: { writebackCursor: null } });
    await runPass(shop);
    expect(stack.shopify.store(OTHER.domain).getCustomer(theirs.id)!.email!.marketingState).toBe("SUBSCRIBED");
    expect(await stack.app.db.getDb().consentWriteback.count({ where: { shopId: other.id } })).toBe(0);

    expect((await saveSettings(other, true)).ok).toBe(true);
    await runPass(other);
    expect(stack.shopify.store(OTHER.domain).getCustomer(theirs.id)!.email!.marketingState).toBe("UNSUBSCRIBED");
    expect(await stack.app.db.getDb().consentWriteback.findMany({ where: { shopId: other.id } })).toMatchObject([{ customerId: customerGid(theirs.id), outcome: "written" }]);
    expect(stack.failedJobs).toEqual([]);
  });
});
