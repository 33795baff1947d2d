/**
 * Redis losing its data while accepted webhooks wait (issue 10, finding 3). Deliveries are answered 200 while
 * no worker runs, so their jobs wait in Redis; then every key of this file's Redis prefix is deleted (what a
 * FLUSHALL does to this app, without touching other test files sharing the Redis). A real worker PROCESS
 * (workers/index.ts) started afterwards re-creates its schedulers; the reconciliation pass they fire finds
 * the changes in Shopify and writes each to APSIS One once, with the right consent, finishing the orphaned
 * receipts, and counts them as caught. A redelivery of a delivery whose job was lost is enqueued again, not
 * dropped as a duplicate. The worker re-creates lost schedulers while it runs.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { customerGid, type SandboxCustomer } from "../../../sandbox/shopify/customer";
import {
  DEMO,
  demoDefinitions,
  expectedFullSync,
  expectedSection,
  type ExpectedProfile,
  expectProfileInApsis,
  setUpRealtimeShop,
  type Stack,
  startStack,
  type Store,
} from "./stack";
import { waitFor } from "../../support/wait-for";
import { startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-reconcile.myshopify.com", customers: 200, seed: 71, ianaTimezone: "Europe/Stockholm" };
const CHANGES = 10;

process.env.REALTIME_COALESCE_MS = "50";
// Longer than the test: the one pass is the one the worker's schedule fires when it is (re)created.
process.env.RECONCILE_INTERVAL_SECONDS = "3600";

let stack: Stack;
let shop: ShopContext;
let child: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE], worker: false });
  stack.app.env.resetEnvCache();
  shop = await setUpRealtimeShop(stack, STORE);
}, 60_000);

afterAll(async () => {
  if (child?.running()) await child.kill();
  await stack?.close();
});

const app = {
  reconcile: () => import("../../../app/destinations/apsis/reconcile.server"),
  state: async () => (await import("../../../app/models/apsis-reconciliation.server")).getReconcileState({ shopId: shop.id }),
};

/** Every key under this file's prefix: the queues, the schedulers, the pending lists, the dedupe keys. */
async function loseRedisData() {
  const redis = stack.app.redis.getRedis();
  const keys = await redis.keys(`${stack.app.env.parseEnv().REDIS_PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  expect(await redis.keys(`${stack.app.env.parseEnv().REDIS_PREFIX}:*`)).toEqual([]);
  return keys.length;
}

const typeOf = (state: string | undefined) => (state === "SUBSCRIBED" ? "opt-in" : state === "UNSUBSCRIBED" ? "opt-out" : null);

/** What APSIS must hold for the customer as Shopify has it now. */
function expectedNow(id: number): ExpectedProfile {
  const customer: SandboxCustomer = stack.shopify.store(STORE.domain).getCustomer(id)!;
  return {
    customer,
    gid: customerGid(id),
    profileKey: String(id),
    section: expectedSection(customer)!,
    email: customer.email ? typeOf(customer.email.marketingState) : null,
    sms: customer.phone ? typeOf(customer.phone.marketingState) : null,
  };
}

async function receiptsOf(eventIds: string[]) {
  return stack.app.db.getDb().webhookReceipt.findMany({ where: { eventId: { in: eventIds } } });
}

describe("Redis loses accepted webhooks", () => {
  it("reconciliation writes every change to APSIS One once, with the right consent, and counts them caught", async () => {
    const db = stack.app.db.getDb();
    const store = stack.shopify.store(STORE.domain);
    const reconcile = await app.reconcile();
    // The first pass only sets the watermark (history is a Full Sync's).
    expect(await reconcile.reconcileShop({ shop: STORE.domain })).toMatchObject({ first: true });
    const watermark = (await app.state())!.reconciledThrough!;

    const profiles = expectedFullSync(STORE).profiles;
    // One customer already in APSIS (synced through a webhook while a worker ran), deleted while none runs.
    const deleted = profiles[CHANGES].customer.id;
    child = await startWorkerProcess();
    expect(await stack.shopify.webhooks.send(stack.shopify.webhooks.build.customersUpdate(STORE.domain, deleted))).toEqual([200]);
    await waitFor(() => stack.demo.profile(DEMO.shopifyKeyspace, String(deleted)), { what: "the customer to be in APSIS One" });
    await child.kill("SIGTERM");

    // Ten changes accepted while no worker runs: names, and consent both ways.
    const ids = profiles.slice(0, CHANGES).map((p) => p.customer.id);
    const deliveries = ids.map((id, i) => {
      const current = store.getCustomer(id)!;
      const email = current.email && i < 3 ? { ...current.email, marketingState: current.email.marketingState === "SUBSCRIBED" ? ("UNSUBSCRIBED" as const) : ("SUBSCRIBED" as const) } : current.email;
      store.updateCustomer(id, { firstName: `Reconciled${i}`, email });
      return i < 3 ? stack.shopify.webhooks.build.customersEmailMarketingConsentUpdate(STORE.domain, id) : stack.shopify.webhooks.build.customersUpdate(STORE.domain, id);
    });
    const deleteDelivery = stack.shopify.webhooks.build.customersDelete(STORE.domain, deleted);
    store.deleteCustomer(deleted);
    const all = [...deliveries, deleteDelivery];
    expect(await stack.shopify.webhooks.sendMany(all)).toEqual(Array(CHANGES + 1).fill(200));
    expect((await receiptsOf(all.map((d) => d.eventId))).map((r) => r.status)).toEqual(Array(CHANGES + 1).fill("queued"));

    expect(await loseRedisData()).toBeGreaterThan(0);
    // Shopify's redelivery alone is not what saves them here: none is sent.
    const lostAt = Date.now();
    child = await startWorkerProcess();

    const done = await waitFor(
      async () => {
        const rows = await receiptsOf(all.map((d) => d.eventId));
        return rows.every((r) => r.status === "processed") ? rows : undefined;
      },
      { timeoutMs: 50_000, what: () => `every lost delivery to be finished by reconciliation:\n${child?.output()}` },
    );
    const recoveredMs = Date.now() - lostAt;
    expect(done).toHaveLength(CHANGES + 1);

    // Every change is in APSIS One, each customer's profile once, with the consent Shopify has now.
    const names = await demoDefinitions(stack, shop);
    for (const id of ids) expectProfileInApsis(stack, names, STORE, expectedNow(id));
    expect(stack.demo.profile(DEMO.shopifyKeyspace, String(deleted))).toBeUndefined();
    const keys = stack.demo.profiles().map((p) => p.profileKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(ids.map(String).sort());
    // No consent written twice, no opt-in without SUBSCRIBED.
    const events = await db.consentEvent.findMany({ where: { shopId: shop.id, customerId: { in: ids.map(customerGid) } } });
    const perTopic = new Map<string, number>();
    for (const e of events) perTopic.set(`${e.customerId} ${e.channel} ${e.topic}`, (perTopic.get(`${e.customerId} ${e.channel} ${e.topic}`) ?? 0) + 1);
    expect(Math.max(...perTopic.values())).toBe(1);
    for (const e of events.filter((e) => e.type === "opt_in")) expect(e.channel === "sms" ? expectedNow(Number(e.customerId.split("/").pop())).sms : expectedNow(Number(e.customerId.split("/").pop())).email).toBe("opt-in");

    // The pass counted what it caught: the ten changes it read from Shopify and the deletion it found by its receipt.
    const state = (await app.state())!;
    expect(state).toMatchObject({ lastReconcileExamined: CHANGES + 1, lastReconcileCaught: CHANGES + 1 });
    expect(state.reconciledThrough!.getTime()).toBeGreaterThan(watermark.getTime());
    // The Activity page says so.
    const { getRealtimeHealth } = await import("../../../app/destinations/apsis/realtime-health.server");
    const { toRealtimeHealthView } = await import("../../../app/destinations/apsis/ui/realtime-health-card.server");
    const view = toRealtimeHealthView(await getRealtimeHealth({ shop: STORE.domain }), STORE.ianaTimezone);
    expect(view.reconciliation?.text).toMatch(/: 11 changed customers checked; 11 changes no webhook delivered were synced\.$/);

    // A pass now finds the same changes (in its overlap) written: nothing caught twice, nothing queued.
    const again = await reconcile.reconcileShop({ shop: STORE.domain });
    expect(again).toMatchObject({ examined: CHANGES, caught: 0, inFlight: 0, complete: true });
    console.info(`[reconcile] accepted ${CHANGES + 1}, delivered ${done.length}, duplicates ${keys.length - new Set(keys).size}, recovered in ${recoveredMs} ms (worker start included)`);
  }, 120_000);

  it("a redelivery of a delivery whose job Redis lost is enqueued again, not dropped as a duplicate", async () => {
    await child!.kill("SIGTERM");
    const store = stack.shopify.store(STORE.domain);
    const id = expectedFullSync(STORE).profiles[0].customer.id;
    store.updateCustomer(id, { firstName: "Redelivered" });
    const delivery = stack.shopify.webhooks.build.customersUpdate(STORE.domain, id);
    expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
    const { getQueue } = stack.app.queues;
    const { webhookJobId } = await import("../../../app/shopify/webhooks.server");
    const job = () => getQueue("webhooks").getJob(webhookJobId(delivery.eventId));
    expect(await job()).toBeDefined();
    const deliveryJobs = async () => (await getQueue("webhooks").getJobs(["waiting", "delayed", "prioritized"])).filter((j) => j.name === "webhooks.process-delivery");
    // While its job waits, a redelivery is a duplicate: nothing added.
    expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
    expect(await deliveryJobs()).toHaveLength(1);

    await loseRedisData();
    expect(await job()).toBeUndefined();
    expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
    const [receipt] = await receiptsOf([delivery.eventId]);
    expect(receipt.status).toBe("queued");
    expect(await job()).toBeDefined();

    const bootedAt = new Date();
    child = await startWorkerProcess();
    const [finished] = await waitFor(
      async () => {
        const rows = await receiptsOf([delivery.eventId]);
        return rows[0].status === "processed" ? rows : undefined;
      },
      { timeoutMs: 30_000, what: "the redelivered change to be written" },
    );
    expect(finished.detail).toMatch(/profile updated/);
    const names = await demoDefinitions(stack, shop);
    expectProfileInApsis(stack, names, STORE, expectedNow(id));
    // The worker's boot pass saw the change on its way (its delivery job) or written, never missed.
    const state = await waitFor(async () => {
      const s = (await app.state())!;
      return s.lastReconcileAt && s.lastReconcileAt >= bootedAt ? s : undefined;
    }, { what: "the worker's boot pass" });
    expect(state.lastReconcileCaught).toBe(0);
    expect(state.lastReconcileExamined).toBeGreaterThanOrEqual(1);
    await child.kill("SIGTERM");
  }, 90_000);

  it("so is a redelivery of one handed to a customer's sync whose jobs Redis lost; one whose job is there is still a duplicate", async () => {
    const db = stack.app.db.getDb();
    const id = expectedFullSync(STORE).profiles[1].customer.id;
    const delivery = stack.shopify.webhooks.build.customersUpdate(STORE.domain, id);
    expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
    // As the worker leaves it once the delivery job has handed it over: "syncing", the delivery job kept (done).
    const [receipt] = await receiptsOf([delivery.eventId]);
    expect(receipt.customerId).toBe(customerGid(id));
    await db.webhookReceipt.update({ where: { id: receipt.id }, data: { status: "syncing" } });
    expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
    expect((await receiptsOf([delivery.eventId]))[0].status).toBe("syncing");

    await loseRedisData();
    expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
    expect((await receiptsOf([delivery.eventId]))[0].status).toBe("queued");
    const { webhookJobId } = await import("../../../app/shopify/webhooks.server");
    expect(await stack.app.queues.getQueue("webhooks").getJob(webhookJobId(delivery.eventId))).toBeDefined();
    // A finished delivery stays a duplicate whatever Redis lost.
    await db.webhookReceipt.update({ where: { id: receipt.id }, data: { status: "processed" } });
    await loseRedisData();
    expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
    expect((await receiptsOf([delivery.eventId]))[0].status).toBe("processed");
    expect(await stack.app.queues.getQueue("webhooks").getJob(webhookJobId(delivery.eventId))).toBeUndefined();
  });

  it("the worker creates its schedulers again when Redis lost them while it runs", async () => {
    const { keepSchedulers } = await import("../../../app/jobs/schedulers.server");
    const { getQueue } = stack.app.queues;
    const scheduler = (queue: "webhooks", id: string) => getQueue(queue).getJobScheduler(id);
    await loseRedisData();
    const logged: string[] = [];
    const stop = keepSchedulers({ everyMs: 100, log: (message) => logged.push(message) });
    try {
      await waitFor(async () => (await scheduler("webhooks", "apsis.reconcile")) && (await scheduler("webhooks", "maintenance.recover-runs")), {
        what: "the schedulers to be created again",
      });
    } finally {
      stop();
    }
    expect(logged).toEqual(["the job schedulers were missing from Redis (did it lose its data?): created again"]);
    expect((await scheduler("webhooks", "apsis.reconcile"))?.every).toBe(3_600_000);
  });

  it("a change made while the shop was revoked (its webhook ignored) is caught after the re-invite", async () => {
    const store = stack.shopify.store(STORE.domain);
    const reconcile = await app.reconcile();
    if (!(await app.state())?.reconciledThrough) await reconcile.reconcileShop({ shop: STORE.domain });
    if (!child?.running()) child = await startWorkerProcess();
    const id = expectedFullSync(STORE).profiles[CHANGES + 1].customer.id;
    await stack.app.shops.setInvitation({ shop: STORE.domain, invited: false, actor: "cs@example.com", via: "cli" });
    store.updateCustomer(id, { firstName: "WhileRevoked" });
    const delivery = stack.shopify.webhooks.build.customersUpdate(STORE.domain, id);
    expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
    await waitFor(async () => (await receiptsOf([delivery.eventId]))[0]?.status === "ignored", { what: "the delivery to be ignored while revoked" });
    await stack.app.shops.setInvitation({ shop: STORE.domain, invited: true, actor: "cs@example.com", via: "cli" });

    expect(await reconcile.reconcileShop({ shop: STORE.domain })).toMatchObject({ caught: 1 });
    const names = await demoDefinitions(stack, shop);
    // Its profile, then its consent: APSIS holds the customer as Shopify has it now once the sync is done.
    await vi.waitFor(() => expectProfileInApsis(stack, names, STORE, expectedNow(id)), { timeout: 30_000, interval: 50 });
  });
});
