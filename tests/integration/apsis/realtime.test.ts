/**
 * APSIS One real-time sync end to end: the Shopify sandbox changes a customer and its webhook sender delivers the
 * topic to the app's webhook routes over HTTP (real HMAC); the real worker reads the customer from the sandbox
 * and writes to the APSIS sandbox over HTTP. Every check compares APSIS's final state with Shopify's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookDelivery } from "../../../sandbox/shopify/webhooks/payloads";
import { customerGid, type SandboxCustomer } from "../../../sandbox/shopify/customer";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import {
  configureDemo,
  connectDemo,
  DEMO,
  demoDefinitions,
  expectedSection,
  expectProfileInApsis,
  setUpShop,
  type Stack,
  startStack,
  type Store,
  waitForRun,
  writeRequests,
} from "./stack";
import { waitFor } from "../../support/wait-for";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-realtime.myshopify.com", customers: 200, seed: 47, ianaTimezone: "Europe/Stockholm" };
const OTHER: Store = { domain: "apsis-realtime-off.myshopify.com", customers: 5, seed: 48, ianaTimezone: "UTC" };

let stack: Stack;
let shop: ShopContext;
let shopId: string;
let names: Awaited<ReturnType<typeof demoDefinitions>>;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE, OTHER] });
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
  await setUpShop(stack, OTHER);
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
  names = await demoDefinitions(stack, shop);
  await saveRealtime({ realtimeEnabled: true, onCustomerDelete: "delete_profile" });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

async function saveRealtime(overrides: { realtimeEnabled: boolean; onCustomerDelete: "delete_profile" | "keep_profile"; purchaseEventsEnabled?: boolean }) {
  const { saveApsisRealtimeSettings } = await import("../../../app/models/apsis-realtime-settings.server");
  const ok = await saveApsisRealtimeSettings({
    shopId,
    settings: {
      realtimeEnabled: overrides.realtimeEnabled,
      purchaseEventsEnabled: overrides.purchaseEventsEnabled ?? true,
      onCustomerDelete: overrides.onCustomerDelete,
      purchaseEvents: { [DEMO.swedenSection]: DEMO.purchaseEvent, [DEMO.globalSection]: DEMO.purchaseEvent },
    },
  });
  expect(ok).toBe(true);
}

const store = () => stack.shopify.store(STORE.domain);
const build = () => stack.shopify.webhooks.build;

/** Final receipt of each delivery's event (processed / ignored / failed). */
async function receiptsOf(deliveries: WebhookDelivery[]) {
  const eventIds = [...new Set(deliveries.map((d) => d.eventId))];
  return waitFor(
    async () => {
      const rows = await stack.app.db.getDb().webhookReceipt.findMany({ where: { eventId: { in: eventIds } } });
      return rows.length === eventIds.length && rows.every((r) => ["processed", "ignored", "failed"].includes(r.status)) ? rows : undefined;
    },
    { what: `receipts of ${eventIds.length} deliveries` },
  );
}

/** Sends the deliveries (with options), expects 200 for each, and waits for their receipts. */
async function deliver(deliveries: WebhookDelivery[], options: Parameters<Stack["shopify"]["webhooks"]["sendMany"]>[1] = {}) {
  const statuses = await stack.shopify.webhooks.sendMany(deliveries, options);
  expect(statuses.every((s) => s === 200), `statuses ${statuses}`).toBe(true);
  return receiptsOf(deliveries);
}

/** A new Swedish customer with the given email and SMS states (Section Sweden under configureDemo). */
function newSwede(email: string, emailState: "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED", smsState: "SUBSCRIBED" | "NOT_SUBSCRIBED" = "NOT_SUBSCRIBED") {
  const template = store().getCustomer(firstSeededSwede().id)!;
  return store().createCustomer({
    firstName: "Astrid",
    lastName: "Lind",
    email: { address: email, marketingState: emailState, marketingOptInLevel: emailState === "SUBSCRIBED" ? "SINGLE_OPT_IN" : null, marketingUpdatedAt: new Date().toISOString() },
    phone: { number: `+4670${String(Date.now()).slice(-7)}`, marketingState: smsState, marketingOptInLevel: null, marketingUpdatedAt: new Date().toISOString(), marketingCollectedFrom: "SHOPIFY" },
    address: template.address,
    tags: [],
  });
}

/** The store's i-th seeded customer as it is now. */
const seeded = (i: number) => store().getCustomer(seedCustomer(STORE.seed, i).id);

function firstSeededSwede(): SandboxCustomer {
  for (let i = 0; i < STORE.customers; i++) {
    const c = seeded(i);
    if (c?.address?.countryCode === "SE") return c;
  }
  throw new Error("no Swedish customer in the seed");
}

const expectedOf = (c: SandboxCustomer) => {
  const typeOf = (state: string | undefined) => (state === "SUBSCRIBED" ? "opt-in" : state === "UNSUBSCRIBED" ? "opt-out" : null);
  return {
    customer: c,
    gid: customerGid(c.id),
    profileKey: String(c.id),
    section: expectedSection(c)!,
    email: c.email ? typeOf(c.email.marketingState) : null,
    sms: c.phone ? typeOf(c.phone.marketingState) : null,
  } as const;
};

/** APSIS's profile equals the customer as Shopify has it now (attributes, Section, consent). */
const expectInApsis = (id: number) => expectProfileInApsis(stack, names, STORE, expectedOf(store().getCustomer(id)!));

const consentOf = (id: number, channel: "email" | "sms", topicName: string) =>
  stack.demo
    .profile(DEMO.shopifyKeyspace, String(id))
    ?.sections[DEMO.swedenSection]?.consents.find((c) => c.channel === `com.apsis1.channels.${channel}` && c.topic === names.topic("Sweden", topicName));

describe("real-time sync", () => {
  it("customers/create makes the profile, with Shopify's consent", async () => {
    const c = newSwede("astrid.create@example.com", "SUBSCRIBED", "SUBSCRIBED");
    const [receipt] = await deliver([build().customersCreate(STORE.domain, c.id)]);
    expect(receipt).toMatchObject({ status: "processed", customerId: customerGid(c.id), detail: expect.stringContaining("created") });
    expect(receipt.processedAt!.getTime()).toBeGreaterThanOrEqual(receipt.receivedAt.getTime());
    expectInApsis(c.id);
    expect(consentOf(c.id, "email", "Newsletter")?.type).toBe("opt-in");
    expect(consentOf(c.id, "sms", "SMS offers")?.type).toBe("opt-in");
  });

  it("customers/update writes the change; a duplicate delivery changes nothing", async () => {
    const c = newSwede("astrid.update@example.com", "NOT_SUBSCRIBED");
    await deliver([build().customersCreate(STORE.domain, c.id)]);
    store().updateCustomer(c.id, { firstName: "Greta" });
    const before = writeRequests(stack.demo.stats().byEndpoint);
    const receipts = await deliver([build().customersUpdate(STORE.domain, c.id)], { duplicates: 2 });
    expect(receipts).toHaveLength(1); // three deliveries of one event: one receipt
    expectInApsis(c.id);
    expect(writeRequests(stack.demo.stats().byEndpoint) - before).toBe(1);
    // Not SUBSCRIBED: never opted in.
    expect(consentOf(c.id, "email", "Newsletter")).toBeUndefined();
  });

  it("email consent both ways, and SMS consent, follow Shopify", async () => {
    const c = newSwede("astrid.consent@example.com", "SUBSCRIBED", "NOT_SUBSCRIBED");
    await deliver([build().customersCreate(STORE.domain, c.id)]);
    const email = store().getCustomer(c.id)!.email!;
    store().updateCustomer(c.id, { email: { ...email, marketingState: "UNSUBSCRIBED", marketingUpdatedAt: new Date().toISOString() } });
    await deliver([build().customersEmailMarketingConsentUpdate(STORE.domain, c.id)]);
    expect(consentOf(c.id, "email", "Newsletter")?.type).toBe("opt-out");
    expect(consentOf(c.id, "email", "Offers")?.type).toBe("opt-out");
    store().updateCustomer(c.id, { email: { ...email, marketingState: "SUBSCRIBED", marketingUpdatedAt: new Date().toISOString() } });
    await deliver([build().customersEmailMarketingConsentUpdate(STORE.domain, c.id)]);
    expect(consentOf(c.id, "email", "Newsletter")?.type).toBe("opt-in");
    const phone = store().getCustomer(c.id)!.phone!;
    store().updateCustomer(c.id, { phone: { ...phone, marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: new Date().toISOString() } });
    await deliver([build().customersMarketingConsentUpdate(STORE.domain, c.id)]);
    expect(consentOf(c.id, "sms", "SMS offers")?.type).toBe("opt-in");
    expectInApsis(c.id);
  });

  it("an email change keeps the profile and moves consent: the old address opted out, the new one opted in", async () => {
    const c = newSwede("astrid.old@example.com", "SUBSCRIBED");
    await deliver([build().customersCreate(STORE.domain, c.id)]);
    const email = store().getCustomer(c.id)!.email!;
    store().updateCustomer(c.id, { email: { ...email, address: "astrid.new@example.com" } });
    await deliver([build().customersUpdate(STORE.domain, c.id)]);
    expectInApsis(c.id);
    expect(stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))!.sections[DEMO.swedenSection].attributes[names.attribute("Sweden", "Email")]).toBe("astrid.new@example.com");
    const newsletter = consentOf(c.id, "email", "Newsletter")!;
    expect(newsletter).toMatchObject({ type: "opt-in", reason: expect.stringContaining("carried over from astrid.old@example.com") });
    const events = await stack.app.db.getDb().consentEvent.findMany({ where: { shopId, customerId: customerGid(c.id), source: "email_change" }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => [e.address, e.type, e.topic]).sort()).toEqual(
      [
        ["astrid.old@example.com", "opt_out", names.topic("Sweden", "Newsletter")],
        ["astrid.old@example.com", "opt_out", names.topic("Sweden", "Offers")],
        ["astrid.new@example.com", "opt_in", names.topic("Sweden", "Newsletter")],
        ["astrid.new@example.com", "opt_in", names.topic("Sweden", "Offers")],
      ].sort(),
    );
  });

  it("an email change to an address Shopify does not have as subscribed opts the old one out and the new one nowhere", async () => {
    const c = newSwede("bo.old@example.com", "SUBSCRIBED");
    await deliver([build().customersCreate(STORE.domain, c.id)]);
    store().updateCustomer(c.id, { email: { address: "bo.new@example.com", marketingState: "NOT_SUBSCRIBED", marketingOptInLevel: null, marketingUpdatedAt: new Date().toISOString() } });
    await deliver([build().customersUpdate(STORE.domain, c.id)]);
    expect(consentOf(c.id, "email", "Newsletter")?.type).toBe("opt-out");
    const optIns = await stack.app.db.getDb().consentEvent.count({ where: { shopId, customerId: customerGid(c.id), address: "bo.new@example.com", type: "opt_in" } });
    expect(optIns).toBe(0);
  });

  it("a phone change moves SMS consent the same way", async () => {
    const c = newSwede("astrid.phone@example.com", "NOT_SUBSCRIBED", "SUBSCRIBED");
    await deliver([build().customersCreate(STORE.domain, c.id)]);
    const phone = store().getCustomer(c.id)!.phone!;
    store().updateCustomer(c.id, { phone: { ...phone, number: "+46701234999" } });
    await deliver([build().customersUpdate(STORE.domain, c.id)]);
    expectInApsis(c.id);
    expect(consentOf(c.id, "sms", "SMS offers")).toMatchObject({ type: "opt-in", reason: expect.stringContaining(`carried over from ${phone.number}`) });
    const moved = await stack.app.db.getDb().consentEvent.findMany({ where: { shopId, customerId: customerGid(c.id), source: "email_change", channel: "sms" } });
    expect(moved.map((e) => [e.address, e.type]).sort()).toEqual([["+46701234999", "opt_in"], [phone.number, "opt_out"]].sort());
  });

  it("updates delivered newest first, and a burst of updates, end in Shopify's latest state with one write per burst", async () => {
    const c = newSwede("astrid.burst@example.com", "NOT_SUBSCRIBED");
    await deliver([build().customersCreate(STORE.domain, c.id)]);
    const deliveries: WebhookDelivery[] = [];
    for (const name of ["Ada", "Bea", "Cia", "Dea", "Eva"]) {
      store().updateCustomer(c.id, { firstName: name });
      deliveries.push(build().customersUpdate(STORE.domain, c.id));
    }
    const before = writeRequests(stack.demo.stats().byEndpoint);
    await deliver(deliveries, { order: "reversed", duplicates: 1 });
    expectInApsis(c.id);
    expect(stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))!.sections[DEMO.swedenSection].attributes[names.attribute("Sweden", "First name")]).toBe("Eva");
    expect(writeRequests(stack.demo.stats().byEndpoint) - before).toBe(1);
  });

  it("orders/create adds one purchase event with the order's number, total, currency and lines, also when redelivered", async () => {
    const c = newSwede("astrid.order@example.com", "SUBSCRIBED");
    await deliver([build().customersCreate(STORE.domain, c.id)]);
    const order = store().createOrder(c.id, { totalPriceCents: 12_950 });
    const delivery = build().ordersCreate(STORE.domain, order);
    await deliver([delivery], { duplicates: 1 });
    const events = stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))!.sections[DEMO.swedenSection].events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      discriminator: DEMO.purchaseEvent,
      data: { order_id: String(order.id), order_number: order.name, total_price: 129.5, currency: "SEK", items: [expect.objectContaining({ quantity: 1, price: 129.5 })] },
    });
    // The order also changed the customer (orders count, amount spent): the profile matches Shopify.
    expectInApsis(c.id);
  });

  it("customers/delete deletes the APSIS profile and the app's data for the customer", async () => {
    const c = newSwede("astrid.delete@example.com", "SUBSCRIBED");
    await deliver([build().customersCreate(STORE.domain, c.id)]);
    expect(stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))).toBeDefined();
    const update = build().customersUpdate(STORE.domain, c.id);
    store().deleteCustomer(c.id);
    const [receipt] = await deliver([build().customersDelete(STORE.domain, c.id)]);
    expect(receipt.detail).toContain("APSIS profile deleted");
    expect(stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))).toBeUndefined();
    const db = stack.app.db.getDb();
    expect(await db.profileLink.count({ where: { shopId, customerId: customerGid(c.id) } })).toBe(0);
    expect(await db.consentEvent.count({ where: { shopId, customerId: customerGid(c.id) } })).toBe(0);
    // An update delivered late, after the delete, does not bring the profile back.
    await deliver([update]);
    expect(stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))).toBeUndefined();
  });

  it("keep_profile: a deleted customer's APSIS profile stays", async () => {
    await saveRealtime({ realtimeEnabled: true, onCustomerDelete: "keep_profile" });
    try {
      const c = newSwede("astrid.keep@example.com", "SUBSCRIBED");
      await deliver([build().customersCreate(STORE.domain, c.id)]);
      store().deleteCustomer(c.id);
      const [receipt] = await deliver([build().customersDelete(STORE.domain, c.id)]);
      expect(receipt.detail).toContain("kept");
      expect(stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))).toBeDefined();
      expect(await stack.app.db.getDb().profileLink.count({ where: { shopId, customerId: customerGid(c.id) } })).toBe(0);
    } finally {
      await saveRealtime({ realtimeEnabled: true, onCustomerDelete: "delete_profile" });
    }
  });
});

describe("customers/redact", () => {
  it("deletes the APSIS profile (delete_profile) or clears its mapped attributes (keep_profile), and the app's data", async () => {
    const gone = newSwede("astrid.redact@example.com", "SUBSCRIBED");
    const kept = newSwede("astrid.redact-keep@example.com", "SUBSCRIBED");
    await deliver([build().customersCreate(STORE.domain, gone.id), build().customersCreate(STORE.domain, kept.id)]);
    await deliver([build().customersRedact(STORE.domain, gone.id)]);
    await waitFor(() => stack.demo.profile(DEMO.shopifyKeyspace, String(gone.id)) === undefined, { what: "the redacted profile to be deleted" });
    expect(await stack.app.db.getDb().profileLink.count({ where: { shopId, customerId: customerGid(gone.id) } })).toBe(0);

    await saveRealtime({ realtimeEnabled: true, onCustomerDelete: "keep_profile" });
    try {
      await deliver([build().customersRedact(STORE.domain, kept.id)]);
      const attributes = () => stack.demo.profile(DEMO.shopifyKeyspace, String(kept.id))?.sections[DEMO.swedenSection]?.attributes ?? {};
      await waitFor(() => attributes()[names.attribute("Sweden", "Email")] === undefined, { what: "the kept profile's attributes to be cleared" });
      expect(stack.demo.profile(DEMO.shopifyKeyspace, String(kept.id))).toBeDefined();
      expect(attributes()[names.attribute("Sweden", "First name")]).toBeUndefined();
    } finally {
      await saveRealtime({ realtimeEnabled: true, onCustomerDelete: "delete_profile" });
    }
  });
});

describe("what is not synced", () => {
  it("an invalid HMAC is answered 401 and nothing is recorded", async () => {
    const c = newSwede("astrid.hmac@example.com", "SUBSCRIBED");
    const delivery = build().customersCreate(STORE.domain, c.id);
    expect(await stack.shopify.webhooks.send(delivery, { signature: "wrong" })).toEqual([401]);
    expect(await stack.app.db.getDb().webhookReceipt.count({ where: { eventId: delivery.eventId } })).toBe(0);
    expect(stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))).toBeUndefined();
  });

  it("a malformed payload is recorded as failed with the reason; the worker goes on", async () => {
    const c = newSwede("astrid.malformed@example.com", "SUBSCRIBED");
    const good = build().customersUpdate(STORE.domain, c.id);
    const malformed = { ...good, eventId: `${good.eventId}-bad`, payload: { ...good.payload, id: "not-a-number" } };
    const [receipt] = await deliver([malformed]);
    expect(receipt).toMatchObject({ status: "failed", detail: expect.stringContaining("malformed customers/update payload") });
    await deliver([good]);
    expectInApsis(c.id);
  });

  it("real-time sync off: the delivery is recorded as ignored, saying so, and nothing is written", async () => {
    await saveRealtime({ realtimeEnabled: false, onCustomerDelete: "delete_profile" });
    try {
      const c = newSwede("astrid.off@example.com", "SUBSCRIBED");
      const [receipt] = await deliver([build().customersCreate(STORE.domain, c.id)]);
      expect(receipt).toMatchObject({ status: "ignored", detail: expect.stringContaining("real-time sync is off") });
      expect(stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))).toBeUndefined();
    } finally {
      await saveRealtime({ realtimeEnabled: true, onCustomerDelete: "delete_profile" });
    }
  });

  it("a shop without APSIS One, and an uninvited shop, do nothing", async () => {
    const other = stack.shopify.store(OTHER.domain).createCustomer({ firstName: "Olle" });
    const [receipt] = await deliver([build().customersCreate(OTHER.domain, other.id)]);
    expect(receipt).toMatchObject({ status: "ignored", detail: expect.stringContaining("APSIS One is not connected") });
    await stack.app.shops.setInvitation({ shop: OTHER.domain, invited: false, actor: "cs@example.com", via: "cli" });
    const [uninvited] = await deliver([build().customersUpdate(OTHER.domain, other.id)]);
    expect(uninvited).toMatchObject({ status: "ignored", detail: expect.stringContaining("not invited") });
  });
});

describe("Full Sync and real time together", () => {
  it("updates delivered while a Full Sync runs are all in APSIS at the end", async () => {
    const start = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
    // Customers the Full Sync writes (they match a condition), changed while it runs.
    const changed: number[] = [];
    for (let i = 0, found = 0; found < 10 && i < STORE.customers; i++) {
      const c = seeded(i);
      if (!c || !expectedSection(c)) continue;
      store().updateCustomer(c.id, { lastName: `Changed${found}` });
      changed.push(c.id);
      found += 1;
    }
    await deliver(changed.map((id) => build().customersUpdate(STORE.domain, id)), { order: "shuffled", seed: 5 });
    expect((await waitForRun(stack, start.runId)).status).toBe("succeeded");
    // Re-syncs queued at the end of the run have landed when every changed profile shows the new name.
    await waitFor(
      () =>
        changed.every((id) => {
          const c = store().getCustomer(id)!;
          const section = expectedSection(c)!;
          return stack.demo.profile(DEMO.shopifyKeyspace, String(id))?.sections[section]?.attributes[names.attribute(section === DEMO.swedenSection ? "Sweden" : "Global", "Last name")] === c.lastName;
        }),
      { what: "every change made during the Full Sync to be in APSIS" },
    );
    for (const id of changed) expectProfileInApsis(stack, names, STORE, expectedOf(store().getCustomer(id)!));
  });
});
