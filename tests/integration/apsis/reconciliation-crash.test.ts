/**
 * A reconciliation pass that dies part-way (issue 10, finding 3): Shopify changed 300 customers and sent no
 * webhook for any. The first pass reads one page (250), queues their syncs, checkpoints, and then its next
 * read fails, as a worker killed mid-pass would stop. The watermark stands at the last change it handed over,
 * never past it; the next pass re-reads from there and catches exactly the 50 the first did not reach, so
 * every change is synced once and counted once.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerGid } from "../../../sandbox/shopify/customer";
import { DEMO, demoDefinitions, expectedSection, setUpRealtimeShop, type Stack, startStack, type Store } from "./stack";
import { waitFor } from "../../support/wait-for";
import type { ShopContext } from "../../../app/models/shop.server";
import type { ShopifyGraphql } from "../../../app/shopify/graphql-client";

const STORE: Store = { domain: "apsis-reconcile-crash.myshopify.com", customers: 400, seed: 73, ianaTimezone: "Europe/Stockholm" };
const CHANGED = 300;
const PAGE = 250;

process.env.REALTIME_COALESCE_MS = "50";

let stack: Stack;
let shop: ShopContext;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE] });
  stack.app.env.resetEnvCache();
  shop = await setUpRealtimeShop(stack, STORE);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

/** Shopify's transport, failing from its `n`th request on. */
const failingFrom = (n: number) => (graphql: ShopifyGraphql): ShopifyGraphql => {
  let calls = 0;
  return async (document, options) => {
    if (++calls >= n) throw new Error("the worker died here");
    return graphql(document, options);
  };
};

describe("a reconciliation pass that crashes part-way", () => {
  it("keeps its watermark at what it queued, and the next pass catches the rest, each change once", async () => {
    const { reconcileShop } = await import("../../../app/destinations/apsis/reconcile.server");
    const { getReconcileState } = await import("../../../app/models/apsis-reconciliation.server");
    const state = async () => (await getReconcileState({ shopId: shop.id }))!;
    expect(await reconcileShop({ shop: STORE.domain })).toMatchObject({ first: true });
    // The changes come in a later second than the watermark (Shopify dates them to the second).
    await sleep(1_100);

    const store = stack.shopify.store(STORE.domain);
    const ids = [...store.customers()].slice(0, CHANGED).map((c) => c.id);
    for (const [i, id] of ids.entries()) store.updateCustomer(id, { firstName: `Quiet${i}` });
    // Oldest change first, as the pass reads them: the first page ends at the 250th.
    const byChange = ids.map((id) => store.getCustomer(id)!).sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id - b.id);
    const firstPageEnd = new Date(byChange[PAGE - 1].updatedAt);
    // The pass runs more than a second after the changes (as it nearly always does: its interval is minutes),
    // so a sync it queues ends after the second Shopify dates the change with.
    await sleep(1_100);

    await expect(reconcileShop({ shop: STORE.domain, wrapGraphql: failingFrom(2) })).rejects.toThrow("the worker died here");
    const afterCrash = await state();
    expect(afterCrash).toMatchObject({ lastReconcileExamined: PAGE, lastReconcileCaught: PAGE });
    expect(afterCrash.reconciledThrough).toEqual(firstPageEnd);

    const resumed = await reconcileShop({ shop: STORE.domain });
    // The first page again (in the overlap): queued or written by now, so not caught twice.
    expect(resumed).toMatchObject({ examined: CHANGED, caught: CHANGED - PAGE, complete: true });

    const db = stack.app.db.getDb();
    const states = await waitFor(
      async () => {
        const rows = await db.customerSyncState.findMany({ where: { shopId: shop.id, customerId: { in: ids.map(customerGid) } } });
        return rows.length === CHANGED ? rows : undefined;
      },
      { timeoutMs: 50_000, what: "every changed customer to be synced" },
    );
    expect(states.filter((s) => s.outcome === "failed")).toEqual([]);
    // Every matching customer is in APSIS One once, with the change.
    const names = await demoDefinitions(stack, shop);
    const matching = ids.filter((id) => expectedSection(store.getCustomer(id)!) !== null);
    expect(matching.length).toBeGreaterThan(0);
    for (const id of matching) {
      const profile = stack.demo.profile(DEMO.shopifyKeyspace, String(id))!;
      const [[section, data]] = Object.entries(profile.sections);
      expect(section).toBe(expectedSection(store.getCustomer(id)!));
      expect(data.attributes[names.attribute(section === DEMO.swedenSection ? "Sweden" : "Global", "First name")]).toBe(`Quiet${ids.indexOf(id)}`);
    }
    const keys = stack.demo.profiles().map((p) => p.profileKey);
    expect(keys.sort()).toEqual(matching.map(String).sort());
    expect(stack.failedJobs).toEqual([]);
    console.info(`[reconcile crash] changed ${CHANGED}, caught ${afterCrash.lastReconcileCaught} before the crash + ${CHANGED - PAGE} after, profiles ${keys.length} (duplicates ${keys.length - new Set(keys).size})`);
  }, 120_000);
});
