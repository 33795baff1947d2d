/**
 * APSIS One down for a long time while real-time changes keep coming (issue 10, finding 2): nothing is lost.
 * The outage is compressed: pauses of 100 ms doubling to 500 ms stand for 15 s doubling to 5 min, so ~6 s of
 * outage here is ~60 pauses-worth, more than a 30-minute outage at the production pauses (≤ 11 probes).
 * Asserted: every change accepted during the outage is written after it, exactly once; no receipt fails;
 * the waiting jobs spend no BullMQ attempt; the outage costs one probe per pause, not one call per change;
 * the Activity page's real-time card says since when APSIS One has not answered; a Full Sync waits too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerGid } from "../../../sandbox/shopify/customer";
import { configureDemo, connectDemo, DEMO, demoDefinitions, expectedFullSync, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";
import { waitFor } from "../../support/wait-for";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-outage.myshopify.com", customers: 200, seed: 61, ianaTimezone: "Europe/Stockholm" };
const CHANGES = 30;
const OUTAGE_MS = 6_000;

process.env.OUTAGE_FIRST_PAUSE_MS = "100";
process.env.OUTAGE_MAX_PAUSE_MS = "500";
process.env.REALTIME_COALESCE_MS = "50";

let stack: Stack;
let shop: ShopContext;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE] });
  stack.app.env.resetEnvCache();
  shop = await setUpShop(stack, STORE);
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
  const { saveApsisRealtimeSettings } = await import("../../../app/models/apsis-realtime-settings.server");
  await saveApsisRealtimeSettings({
    shopId: shop.id,
    settings: { realtimeEnabled: true, purchaseEventsEnabled: false, onCustomerDelete: "delete_profile", purchaseEvents: {} },
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const readOutage = async () => (await import("../../../app/queues/outage.server")).readOutage({ destination: "apsis", shopId: shop.id });
/** The First name APSIS has for the customer (in whichever Section it is). */
async function firstNameInApsis(customerId: number) {
  const names = await demoDefinitions(stack, shop);
  const profile = stack.demo.profile(DEMO.shopifyKeyspace, String(customerId));
  if (!profile) return undefined;
  const [[section, data]] = Object.entries(profile.sections);
  return data.attributes[names.attribute(section === DEMO.swedenSection ? "Sweden" : "Global", "First name")];
}

describe("a long APSIS One outage during real-time sync", () => {
  it("keeps every change waiting and writes each once when APSIS answers again", async () => {
    const db = stack.app.db.getDb();
    // The customers that will change: seeded ones a sync condition matches, APSIS has never seen (creates).
    const ids = expectedFullSync(STORE).profiles.slice(0, CHANGES).map((p) => p.customer.id);
    expect(ids).toHaveLength(CHANGES);

    stack.demo.setFailure({ status: 503, count: 1_000_000_000 });
    const before = stack.demo.stats().requests;
    const outageStart = Date.now();
    const deliveries = ids.map((id, i) => {
      stack.shopify.store(STORE.domain).updateCustomer(id, { firstName: `Changed${i}` });
      return stack.shopify.webhooks.build.customersUpdate(STORE.domain, id);
    });
    const statuses = await stack.shopify.webhooks.sendMany(deliveries);
    expect(statuses.every((s) => s === 200)).toBe(true);

    await waitFor(async () => (await readOutage()) !== null, { what: "the outage to be recorded" });
    // Keep APSIS down for the compressed outage, then check nothing failed meanwhile.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStart))));
    const receipts = await db.webhookReceipt.findMany({ where: { eventId: { in: deliveries.map((d) => d.eventId) } } });
    expect(receipts.map((r) => r.status).sort()).toEqual(Array(CHANGES).fill("syncing"));
    const outage = await readOutage();
    expect(outage).toMatchObject({ reason: expect.stringContaining("503") });
    // One probe per pause (plus the jobs already in flight when it began), not one call per waiting change.
    const callsDuringOutage = stack.demo.stats().requests - before;
    expect(callsDuringOutage).toBeLessThan(CHANGES);

    const { getRealtimeHealth } = await import("../../../app/destinations/apsis/realtime-health.server");
    const { toRealtimeHealthView } = await import("../../../app/destinations/apsis/ui/realtime-health-card.server");
    const view = toRealtimeHealthView(await getRealtimeHealth({ shop: STORE.domain }), STORE.ianaTimezone);
    expect(view.outage?.reason).toContain("503");
    expect(view.lag).toMatch(new RegExp(`\\(${CHANGES} changes waiting\\)`));

    stack.demo.setFailure({ count: 0 });
    const recoveredAt = Date.now();
    const done = await waitFor(
      async () => {
        const rows = await db.webhookReceipt.findMany({ where: { eventId: { in: deliveries.map((d) => d.eventId) } } });
        return rows.every((r) => r.status !== "syncing") ? rows : undefined;
      },
      { timeoutMs: 60_000, what: "every waiting change to be written" },
    );
    const timeToRecoverMs = Date.now() - recoveredAt;
    expect(done.map((r) => r.status)).toEqual(Array(CHANGES).fill("processed"));
    // Every change is in APSIS, each customer's profile once.
    for (const [i, id] of ids.entries()) expect(await firstNameInApsis(id)).toBe(`Changed${i}`);
    const keys = stack.demo.profiles().map((p) => p.profileKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => ids.map(String).includes(k))).toHaveLength(CHANGES);
    expect(await readOutage()).toBeNull();
    expect(stack.failedJobs).toEqual([]);
    const states = await db.customerSyncState.findMany({ where: { shopId: shop.id, customerId: { in: ids.map(customerGid) } } });
    expect(states.map((s) => s.outcome).sort()).toEqual(Array(CHANGES).fill("created"));
    console.info(`[outage] accepted ${CHANGES}, delivered ${done.length}, duplicates ${keys.length - new Set(keys).size}, calls during outage ${callsDuringOutage}, recovered in ${timeToRecoverMs} ms`);
  }, 120_000);

  it("a Full Sync waits, saying so, and finishes from where it stopped", async () => {
    const expected = expectedFullSync(STORE);
    const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
    await waitFor(() => stack.demo.profiles().length >= CHANGES + 10, { what: "some profiles" });
    stack.demo.setFailure({ status: 503, count: 1_000_000_000 });
    const waiting = await waitFor(
      async () => {
        const run = await stack.app.runs.getSyncRunSummary({ runId });
        return run?.status === "queued" && run.errorMessage?.startsWith("Waiting:") ? run : null;
      },
      { timeoutMs: 60_000, what: "the run to wait" },
    );
    expect(waiting.errorMessage).toMatch(/goes on by itself from where it stopped/);
    // Several pauses later it is still waiting (probing between pauses), not failed.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(["queued", "running"]).toContain((await stack.app.runs.getSyncRunSummary({ runId }))?.status);
    stack.demo.setFailure({ count: 0 });
    const run = await waitForRun(stack, runId, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: "succeeded", seen: STORE.customers, matched: expected.matched, failed: 0, errorMessage: null });
    expect(stack.failedJobs).toEqual([]);
  }, 120_000);
});
