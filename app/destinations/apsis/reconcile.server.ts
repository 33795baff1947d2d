/**
 * APSIS One reconciliation: webhooks are not the only path. Every RECONCILE_INTERVAL_SECONDS each shop with
 * real-time sync gets one pass that reads the customers Shopify changed since its watermark (ids and times,
 * oldest first) and hands every change no sync covered to the real-time path (requestCustomerSync: the same
 * coalescing, gates and consent rules as a webhook). Whatever lost the change — Shopify never sent the webhook,
 * Redis lost the job, a worker dropped it — it is written within one interval, and counted: "caught" is the
 * webhook-gap detector the Activity page shows.
 *
 * Per customer (rules/reconcile.ts): written (a profile link holds this Shopify updatedAt or a later one),
 * delivered (a webhook triggered after the change has finished, or a sync ended after it), in flight (a
 * delivery or sync job for the customer is in Redis) — or missed: queued now, with the customer's deliveries
 * whose jobs are gone, so their receipts finish too. A sweep then finds pending deliveries whose jobs are gone
 * for customers the read did not return (a deletion, an older change).
 *
 * Watermark (ApsisConnection.reconciledThrough): each read starts OVERLAP_MS before it (Shopify's search index
 * trails its writes by seconds; clocks differ a little), and it moves only after a page's hand-overs are queued
 * (in Redis), so a pass that crashes is simply repeated from the last checkpoint. A complete pass moves it to
 * the pass's start. The first pass of a shop (no watermark) only sets it: history is a Full Sync's work.
 * docs/decisions/026-reconciliation.md.
 */
import { parseEnv } from "../../env.server";
import { getApsisConnectionSummary } from "../../models/apsis-connection.server";
import {
  forgetIdleReconcileWatermarks,
  getReconcileState,
  listReconciledShops,
  listSyncRecordsOfCustomers,
  recordReconcileProgress,
} from "../../models/apsis-reconciliation.server";
import { getShop, whyNotInvited } from "../../models/shop.server";
import { filterPendingReceipts, listPendingCustomerReceipts, listReceiptsOfCustomers } from "../../models/webhook-receipt.server";
import { enqueue, getQueue } from "../../queues/enqueue.server";
import { type JobContext, type JobPayload, WEBHOOK_DELIVERY_JOB } from "../../queues/registry";
import { getShopifyAdmin } from "../../shopify/admin.server";
import { type ChangedCustomer, readChangedCustomerPages } from "../../shopify/changed-customers";
import { ShopifyAuthError, ShopifySessionNotFoundError } from "../../shopify/errors";
import type { ShopifyGraphql } from "../../shopify/graphql-client";
import { webhookJobId } from "../../shopify/webhooks.server";
import { RECONCILE_JOB, RECONCILE_SHOP_JOB, SYNC_CUSTOMER_JOB } from "./jobs/definitions";
import { requestCustomerSync, syncCustomerDedupeId } from "./realtime.server";
import { advanceWatermark, type ChangeVerdict, type CustomerRecord, judgeChange, lostReceipts, type ReceiptRecord } from "./rules/reconcile";

/** Read before the watermark again: Shopify's search index lag and clock differences stay well inside it. */
export const OVERLAP_MS = 2 * 60_000;
/**
 * One cursor chain (Shopify ends cursor paging at 25,000); the next read starts at the last page's second, so
 * a read makes progress unless more than this many customers changed within one second.
 */
const CUSTOMERS_PER_READ = 20_000;
/** A pass stops after this many reads (100,000 changes) and queues the next at once. */
const READS_PER_PASS = 5;
/**
 * A "received" delivery younger than this may still be being enqueued by its web request (bounded by its
 * 2.5 s enqueue timeout), and a "syncing" one may be a moment from its sync's enqueue: both count as alive.
 * A "queued" one is in the queue for certain (it is marked after the enqueue), so its job decides.
 */
const RECEIPT_GRACE_MS = 10_000;
/** Pending deliveries a pass's sweep looks at, oldest first. */
const SWEPT_RECEIPTS = 500;

const reconcileShopDedupeId = (shopId: string) => `apsis-reconcile-${shopId}`;

/** Worker boot (and whenever Redis lost its schedulers): the one schedule that fans out a pass per shop. */
export async function upsertApsisReconcileScheduler() {
  const every = parseEnv().RECONCILE_INTERVAL_SECONDS * 1000;
  await getQueue(RECONCILE_JOB.queue).upsertJobScheduler(RECONCILE_JOB.name, { every }, { name: RECONCILE_JOB.name, data: {} });
  return { every };
}

/** Job `apsis.reconcile`: one pass queued per shop (none twice: a pass still waiting or running is left alone). */
export async function reconcileAllShopsJob(_payload: JobPayload<typeof RECONCILE_JOB>, { log }: JobContext) {
  const forgotten = await forgetIdleReconcileWatermarks();
  const shops = await listReconciledShops();
  for (const { shopId, shop } of shops) await enqueue(RECONCILE_SHOP_JOB, { shop }, { dedupeId: reconcileShopDedupeId(shopId) });
  if (forgotten) log(`${forgotten} shop(s) with real-time sync off: reconciliation starts afresh when it is on again`);
  return { shops: shops.length };
}

/** Job `apsis.reconcile-shop`. */
export async function reconcileShopJob({ shop }: JobPayload<typeof RECONCILE_SHOP_JOB>, { log }: JobContext) {
  const result = await reconcileShop({ shop });
  if ("caught" in result && result.caught) log(`${shop}: ${result.caught} change(s) no webhook delivered queued for sync (${result.examined} examined)`);
  return result;
}

export type ReconcileResult =
  | { skipped: string }
  | { first: true; through: string }
  | { examined: number; caught: number; inFlight: number; through: string; complete: boolean };

export async function reconcileShop({ shop, now = new Date(), wrapGraphql = (graphql) => graphql }: {
  shop: string;
  now?: Date;
  /** Tests: Shopify's transport wrapped (one that fails part-way stands for a crash mid-pass). */
  wrapGraphql?: (graphql: ShopifyGraphql) => ShopifyGraphql;
}): Promise<ReconcileResult> {
  const row = await getShop({ shop });
  const notInvited = whyNotInvited(row);
  if (notInvited || !row) return { skipped: notInvited ?? "" };
  const connection = await getApsisConnectionSummary({ shopId: row.id });
  if (!connection?.keyspaceDiscriminator || !connection.realtimeEnabled) return { skipped: "real-time sync to APSIS One is off" };
  const shopId = row.id;
  const state = await getReconcileState({ shopId });
  if (!state?.reconciledThrough) {
    await recordReconcileProgress({ shopId, through: now, at: now, examined: 0, caught: 0 });
    return { first: true, through: now.toISOString() };
  }

  let graphql: ShopifyGraphql;
  try {
    graphql = wrapGraphql((await getShopifyAdmin({ shop })).graphql);
  } catch (error) {
    // No usable session: the merchant opens the app again; the watermark waits, so nothing is skipped.
    if (error instanceof ShopifySessionNotFoundError || error instanceof ShopifyAuthError) return { skipped: `Shopify access: ${error.message}` };
    throw error;
  }
  const pass = new Pass(shop, shopId, now, row.invitedAt);
  let through = state.reconciledThrough;
  let since = new Date(through.getTime() - OVERLAP_MS);
  let complete = false;
  for (let reads = 0; reads < READS_PER_PASS && !complete; reads++) {
    let last: ChangedCustomer | undefined;
    let more = false;
    for await (const page of readChangedCustomerPages({ graphql, since, maxCustomers: CUSTOMERS_PER_READ })) {
      await pass.handOver(page.customers, since);
      through = advanceWatermark(through, page.customers.map((c) => c.updatedAt));
      await pass.checkpoint(through);
      last = page.customers.at(-1) ?? last;
      more = page.more;
    }
    complete = !more || !last;
    if (last) since = last.updatedAt;
  }
  await pass.sweepLostDeliveries();
  if (complete) through = advanceWatermark(through, [now]);
  await pass.checkpoint(through);
  // More changed than one pass reads (a bulk edit): the next pass runs right after this one.
  if (!complete) await enqueue(RECONCILE_SHOP_JOB, { shop }, { dedupeId: reconcileShopDedupeId(shopId), rerunIfActive: true });
  return { examined: pass.examined, caught: pass.caught, inFlight: pass.inFlight, through: through.toISOString(), complete };
}

type Receipt = Awaited<ReturnType<typeof listReceiptsOfCustomers>>[number];

/** One pass's hand-overs and counts. */
class Pass {
  examined = 0;
  caught = 0;
  inFlight = 0;
  /** Customer changes already judged (a new read starts at the last second of the one before). */
  private judged = new Set<string>();
  private examinedCustomers = new Set<string>();

  constructor(
    private readonly shop: string,
    private readonly shopId: string,
    private readonly startedAt: Date,
    /** The shop's latest invitation (judgeChange: what was ignored before it is still to catch). */
    private readonly invitedAt: Date | null,
  ) {}

  checkpoint(through: Date) {
    return recordReconcileProgress({ shopId: this.shopId, through, at: this.startedAt, examined: this.examined, caught: this.caught });
  }

  /** Judges a page of changed customers; queues the sync of every one no sync covered. */
  async handOver(changed: ChangedCustomer[], since: Date) {
    const fresh = changed.filter((c) => !this.judged.has(`${c.id} ${c.updatedAt.getTime()}`));
    if (!fresh.length) return;
    for (const c of fresh) {
      this.judged.add(`${c.id} ${c.updatedAt.getTime()}`);
      this.examinedCustomers.add(c.id);
    }
    this.examined += fresh.length;
    const first = await this.readRecords(fresh.map((c) => c.id), since);
    const suspects: { change: ChangedCustomer; syncQueued: boolean; receipts: (Receipt & ReceiptRecord)[] }[] = [];
    for (const change of fresh) {
      // The database answers for nearly every customer; Redis is asked only about the rest.
      if (["written", "delivered"].includes(judgeChange(change.updatedAt, first(change.id, false)))) continue;
      const syncQueued = await this.isSyncQueued(change.id);
      const receipts = await this.withLiveness(first(change.id, syncQueued).receipts, syncQueued);
      const verdict: ChangeVerdict = judgeChange(change.updatedAt, { ...first(change.id, syncQueued), receipts });
      if (verdict === "in_flight") this.inFlight += 1;
      if (verdict === "missed") suspects.push({ change, syncQueued, receipts });
    }
    if (!suspects.length) return;
    // Read again after Redis: a sync that finished between the first read and Redis's answer has its record now.
    const again = await this.readRecords(suspects.map((s) => s.change.id), since);
    for (const { change, syncQueued, receipts } of suspects) {
      const record = again(change.id, syncQueued);
      // A delivery that came after Redis was asked still has its work ahead.
      const alive = (r: Receipt) => receipts.find((seen) => seen.id === r.id)?.alive ?? true;
      const now = record.receipts.map((r) => ({ ...r, alive: alive(r) }));
      const verdict: ChangeVerdict = judgeChange(change.updatedAt, { ...record, receipts: now });
      if (verdict === "in_flight") this.inFlight += 1;
      if (verdict !== "missed") continue;
      await this.queueSync(change.id, lostReceipts(now));
      this.caught += 1;
    }
  }

  /** The customers' sync records and receipts, as one read of the database finds them. */
  private async readRecords(ids: string[], since: Date) {
    const [records, receipts] = await Promise.all([
      listSyncRecordsOfCustomers({ shopId: this.shopId, customerIds: ids }),
      listReceiptsOfCustomers({ shop: this.shop, customerIds: ids, since }),
    ]);
    return (id: string, syncQueued: boolean) => ({
      ...(records.get(id) ?? { writtenThrough: null, lastSync: null }),
      syncQueued,
      invitedAt: this.invitedAt,
      receipts: receipts.filter((r) => r.customerId === id).map((r) => ({ ...r, at: receiptTime(r), alive: false })),
    }) satisfies CustomerRecord;
  }

  /**
   * Pending deliveries whose jobs are gone, for customers the read did not bring (deleted in Shopify, or
   * changed before the window): their syncs are queued so the change and the receipt are finished.
   */
  async sweepLostDeliveries() {
    const pending = await listPendingCustomerReceipts({ shop: this.shop, before: this.startedAt, take: SWEPT_RECEIPTS });
    const byCustomer = new Map<string, Receipt[]>();
    for (const receipt of pending) byCustomer.set(receipt.customerId!, [...(byCustomer.get(receipt.customerId!) ?? []), receipt]);
    for (const [customerId, own] of byCustomer) {
      const gone = lostReceipts(await this.withLiveness(own, await this.isSyncQueued(customerId)));
      if (!gone.length) continue;
      // Read again after Redis: a sync that finished in between has finished its receipts too.
      const pendingNow = await filterPendingReceipts({ receiptIds: gone.map((r) => r.id) });
      const lost = gone.filter((r) => pendingNow.has(r.id));
      if (!lost.length) continue;
      await this.queueSync(customerId, lost);
      // A customer the read judged already counts (or was written): its lost receipts are only finished.
      if (this.examinedCustomers.has(customerId)) continue;
      this.examined += 1;
      this.caught += 1;
    }
  }

  private async isSyncQueued(customerId: string) {
    return (await getQueue(SYNC_CUSTOMER_JOB.queue).getDeduplicationJobId(syncCustomerDedupeId(this.shopId, customerId))) !== null;
  }

  /** Each pending receipt with whether its work is still in Redis (too recent to tell counts as yes). */
  private withLiveness(receipts: Receipt[], syncQueued: boolean) {
    const recent = this.startedAt.getTime() - RECEIPT_GRACE_MS;
    return Promise.all(
      receipts.map(async (r) => {
        const base = { ...r, at: receiptTime(r) };
        if (r.status !== "received" && r.status !== "queued" && r.status !== "syncing") return base;
        if (r.status !== "queued" && r.receivedAt.getTime() > recent) return { ...base, alive: true };
        // "syncing": handed to the customer's sync; "received"/"queued": the delivery job has yet to run.
        const alive = r.status === "syncing" ? syncQueued : (await getQueue(WEBHOOK_DELIVERY_JOB.queue).getJob(webhookJobId(r.eventId))) !== undefined;
        return { ...base, alive };
      }),
    );
  }

  /** The customer's sync through the real-time path, answering each lost delivery (or none). */
  private async queueSync(customerId: string, lost: { id: string }[]) {
    if (!lost.length) {
      await requestCustomerSync({ shop: this.shop, customerId, requireRealtime: true });
      return;
    }
    for (const receipt of lost) await requestCustomerSync({ shop: this.shop, customerId, receiptId: receipt.id, requireRealtime: true });
  }
}

const receiptTime = (r: { triggeredAt: Date | null; receivedAt: Date }) => r.triggeredAt ?? r.receivedAt;
