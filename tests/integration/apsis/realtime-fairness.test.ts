/**
 * Fairness of real-time sync across shops: a shop flooding the real-time queue does not hold up another shop's
 * update, and a Full Sync never does (it runs on its own queue). Ordering is asserted, not timings.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import { configureDemo, connectDemo, DEMO, setUpShop, type Stack, startStack, type Store } from "./stack";
import { waitFor } from "../../support/wait-for";

const BUSY: Store = { domain: "apsis-busy.myshopify.com", customers: 400, seed: 51, ianaTimezone: "Europe/Stockholm" };
const QUIET: Store = { domain: "apsis-quiet.myshopify.com", customers: 20, seed: 52, ianaTimezone: "Europe/Stockholm" };

let stack: Stack;
let busyShopId: string;

// A short coalescing window, so the quiet shop's update is due soon: the test is about queue order.
process.env.REALTIME_COALESCE_MS = "100";

beforeAll(async () => {
  stack = await startStack({ stores: [BUSY, QUIET] });
  const { saveApsisRealtimeSettings } = await import("../../../app/models/apsis-realtime-settings.server");
  for (const store of [BUSY, QUIET]) {
    const shop = await setUpShop(stack, store);
    const { id } = shop;
    if (store === BUSY) busyShopId = id;
    await connectDemo(stack, shop);
    await configureDemo(stack, shop);
    await saveApsisRealtimeSettings({
      shopId: id,
      settings: { realtimeEnabled: true, purchaseEventsEnabled: false, onCustomerDelete: "delete_profile", purchaseEvents: {} },
    });
  }
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

it("a quiet shop's update is synced ahead of a busy shop's backlog", async () => {
  const { requestCustomerSync } = await import("../../../app/destinations/apsis/realtime.server");
  const db = stack.app.db.getDb();
  // Paused while both shops' work is queued, so the order the worker takes it in is the queue's alone.
  const queue = stack.app.queues.getQueue("realtime");
  await queue.pause();
  // The busy shop asks for every one of its customers at once (a bulk edit).
  const busy = Array.from({ length: BUSY.customers }, (_, i) => `gid://shopify/Customer/${seedCustomer(BUSY.seed, i).id}`);
  for (const customerId of busy) expect(await requestCustomerSync({ shop: BUSY.domain, customerId, delayMs: 0 })).toEqual({ queued: true });
  // Then one update in the quiet shop, through its webhook.
  const quiet = stack.shopify.store(QUIET.domain).createCustomer({ firstName: "Quiet", tags: ["vip"] });
  const delivery = stack.shopify.webhooks.build.customersCreate(QUIET.domain, quiet.id);
  expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
  await waitFor(async () => (await db.webhookReceipt.findUnique({ where: { eventId: delivery.eventId } }))?.status === "syncing", { what: "the quiet shop's update to be queued" });
  await waitFor(async () => (await queue.getDelayedCount()) === 0, { what: "the coalescing delay to pass" });
  await queue.resume();

  await waitFor(async () => (await db.webhookReceipt.findUnique({ where: { eventId: delivery.eventId } }))?.status === "processed", { what: "the quiet shop's update" });
  // It went ahead of the backlog queued before it: only the busy shop's first few had been taken.
  expect(await db.customerSyncState.count({ where: { shopId: busyShopId } })).toBeLessThan(20);
  expect(stack.demo.profile(DEMO.shopifyKeyspace, String(quiet.id))).toBeDefined();
  // The backlog is worked off in the end.
  await waitFor(async () => (await db.customerSyncState.count({ where: { shopId: busyShopId } })) === BUSY.customers, { timeoutMs: 120_000, what: "the busy shop's backlog" });
}, 180_000);
