/**
 * APSIS One purchase events of large orders (issue 10, finding 5), end to end: orders/create deliveries over
 * HTTP to the app's webhook route, the real worker posting the events to the APSIS sandbox, which answers 413 to
 * a body over 100,000 bytes. The realtime queue is paused while the orders arrive, so every event is pending when
 * the customer's sync runs: the case where they used to go in one request over the limit.
 * Asserted: every event in APSIS exactly once, in as few requests as the limit allows; a failure of a later
 * request re-sends none of the events already delivered; an event too large alone fails alone, saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookDelivery } from "../../../sandbox/shopify/webhooks/payloads";
import { customerGid } from "../../../sandbox/shopify/customer";
import { DEMO, setUpRealtimeShop, type Stack, startStack, type Store } from "./stack";
import { waitFor } from "../../support/wait-for";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-purchase-events.myshopify.com", customers: 20, seed: 83, ianaTimezone: "Europe/Stockholm" };
const EVENTS_ENDPOINT = "POST /audience/keyspaces/{keyspace}/profiles/{profileKey}/sections/{section}/events";
const LIMIT = 100_000;

process.env.OUTAGE_FIRST_PAUSE_MS = "100";
process.env.OUTAGE_MAX_PAUSE_MS = "300";
process.env.REALTIME_COALESCE_MS = "50";

let stack: Stack;
let shop: ShopContext;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE] });
  stack.app.env.resetEnvCache();
  shop = await setUpRealtimeShop(stack, STORE, { purchaseEvents: true });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const store = () => stack.shopify.store(STORE.domain);
const build = () => stack.shopify.webhooks.build;
const db = () => stack.app.db.getDb();

async function receiptsProcessed(deliveries: WebhookDelivery[]) {
  const eventIds = deliveries.map((d) => d.eventId);
  return waitFor(
    async () => {
      const rows = await db().webhookReceipt.findMany({ where: { eventId: { in: eventIds } } });
      return rows.length === eventIds.length && rows.every((r) => ["processed", "ignored", "failed"].includes(r.status)) ? rows : undefined;
    },
    { what: `receipts of ${eventIds.length} deliveries`, timeoutMs: 45_000 },
  );
}

/** A Swedish customer (Section Sweden) whose profile APSIS already has. */
async function syncedSwede(email: string) {
  const c = store().createCustomer({
    firstName: "Ebba",
    lastName: "Berg",
    email: { address: email, marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: new Date().toISOString() },
    address: { firstName: "Ebba", lastName: "Berg", company: null, address1: "Storgatan 1", address2: null, city: "Uppsala", province: null, provinceCode: null, country: "Sweden", countryCode: "SE", zip: "75310", phone: null },
    tags: [],
  });
  const create = build().customersCreate(STORE.domain, c.id);
  await stack.shopify.webhooks.sendMany([create]);
  await receiptsProcessed([create]);
  expect(stack.demo.profile(DEMO.shopifyKeyspace, String(c.id))).toBeDefined();
  return c;
}

/** orders/create for a new order of `lines` lines whose title and SKU are `chars` copies of `char` (its event's size follows). */
function largeOrder(customerId: number, { lines, chars, char = "x" }: { lines: number; chars: number; char?: string }) {
  const order = store().createOrder(customerId, { totalPriceCents: 10_000 * lines });
  const delivery = build().ordersCreate(STORE.domain, order);
  const [template] = delivery.payload.line_items as Record<string, unknown>[];
  delivery.payload.line_items = Array.from({ length: lines }, (_, i) => ({
    ...template,
    id: 1_000_000 + i,
    title: `${i} ${char.repeat(chars)}`.slice(0, chars),
    variant_title: null,
    sku: `${char.repeat(chars)}`.slice(0, 255),
    price: "100.00",
    quantity: 1,
  }));
  return { order, delivery };
}

/** Delivers the orders while the realtime queue is paused, so the customer's sync finds all their events pending. */
async function deliverOrdersTogether(customerId: number, deliveries: WebhookDelivery[]) {
  const realtime = stack.app.queues.getQueue("realtime");
  await realtime.pause();
  try {
    const statuses = await stack.shopify.webhooks.sendMany(deliveries);
    expect(statuses.every((s) => s === 200), `statuses ${statuses}`).toBe(true);
    await waitFor(async () => (await db().apsisPurchaseEvent.count({ where: { shopId: shop.id, customerId: customerGid(customerId), status: "pending" } })) === deliveries.length, {
      what: `${deliveries.length} pending purchase events`,
    });
  } finally {
    await realtime.resume();
  }
  return receiptsProcessed(deliveries);
}

const eventsInApsis = (customerId: number) => stack.demo.profile(DEMO.shopifyKeyspace, String(customerId))!.sections[DEMO.swedenSection].events;
const eventRequests = () => stack.demo.stats().byEndpoint[EVENTS_ENDPOINT] ?? 0;
const rowsOf = (customerId: number) => db().apsisPurchaseEvent.findMany({ where: { shopId: shop.id, customerId: customerGid(customerId) }, orderBy: { orderedAt: "asc" } });
/** The byte size of the event the app posts for the order (as APSIS counts it, in its request body). */
const eventBytes = (event: { eventTime: string; versionId: string; data: unknown }) =>
  new TextEncoder().encode(JSON.stringify({ event_time: event.eventTime, version_id: event.versionId, data: event.data })).length;

describe("purchase events over APSIS's 100 kB body limit", () => {
  it("several large orders (over 100 kB together, each fitting alone): every event delivered exactly once, in as few requests as fit", async () => {
    const c = await syncedSwede("ebba.orders@example.com");
    // ~40 kB each: two fit in one request, three do not.
    const orders = Array.from({ length: 5 }, () => largeOrder(c.id, { lines: 100, chars: 150 }));
    const before = eventRequests();
    const receipts = await deliverOrdersTogether(c.id, orders.map((o) => o.delivery));
    expect(receipts.map((r) => r.status)).toEqual(Array(5).fill("processed"));

    const events = eventsInApsis(c.id);
    expect(events.map((e) => e.data.order_id).sort()).toEqual(orders.map((o) => String(o.order.id)).sort());
    const sizes = events.map(eventBytes);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(LIMIT);
    for (const size of sizes) expect(size + 12).toBeLessThanOrEqual(LIMIT);
    expect(sizes.slice(0, 3).reduce((a, b) => a + b, 0)).toBeGreaterThan(LIMIT);
    // Two per request (2 + 2 + 1), none refused by APSIS.
    expect(eventRequests() - before).toBe(3);
    expect((await rowsOf(c.id)).map((r) => r.status)).toEqual(Array(5).fill("sent"));
    expect(stack.failedJobs).toEqual([]);
  });

  it("a later request failing: the job runs again and sends only the events not yet delivered", async () => {
    const c = await syncedSwede("ebba.retry@example.com");
    const orders = Array.from({ length: 3 }, () => largeOrder(c.id, { lines: 100, chars: 150 }));
    // The first events request passes; the second fails on every attempt the client makes (1 + 3 retries).
    stack.demo.setFailure({ status: 503, count: 4, endpoint: EVENTS_ENDPOINT, after: 1 });
    const before = eventRequests();
    const receipts = await deliverOrdersTogether(c.id, orders.map((o) => o.delivery));
    expect(receipts.map((r) => r.status)).toEqual(Array(3).fill("processed"));

    const ids = eventsInApsis(c.id).map((e) => e.data.order_id);
    expect(ids.sort()).toEqual(orders.map((o) => String(o.order.id)).sort()); // each exactly once
    // 1 delivered + 4 failed attempts of the second + the second again on the next run.
    expect(eventRequests() - before).toBe(6);
    expect((await rowsOf(c.id)).map((r) => r.status)).toEqual(Array(3).fill("sent"));
  });

  it("an event too large for any request fails alone with the reason; the other orders are delivered", async () => {
    const c = await syncedSwede("ebba.huge@example.com");
    const small = largeOrder(c.id, { lines: 2, chars: 20 });
    // 100 lines of 255 three-byte characters in title and SKU: ~160 kB in one event.
    const huge = largeOrder(c.id, { lines: 100, chars: 255, char: "漢" });
    const other = largeOrder(c.id, { lines: 2, chars: 20 });
    const receipts = await deliverOrdersTogether(c.id, [small.delivery, huge.delivery, other.delivery]);
    expect(receipts.map((r) => r.status)).toEqual(Array(3).fill("processed"));
    expect(receipts[0].detail).toContain("2 purchase event(s) added; 1 purchase event(s) failed: the order's event is");

    expect(eventsInApsis(c.id).map((e) => e.data.order_id).sort()).toEqual([String(small.order.id), String(other.order.id)].sort());
    const rows = await rowsOf(c.id);
    const hugeRow = rows.find((r) => r.orderId.endsWith(`/${huge.order.id}`))!;
    expect(hugeRow).toMatchObject({ status: "failed", detail: expect.stringMatching(/^the order's event is 1\d\d,\d{3} bytes; APSIS One takes at most 100,000 bytes per request$/) });
    expect(rows.filter((r) => r !== hugeRow).map((r) => r.status)).toEqual(["sent", "sent"]);
  });
});
