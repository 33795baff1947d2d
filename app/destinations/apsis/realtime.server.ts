import { parseEnv } from "../../env.server";
import { getApsisConnectionSummary } from "../../models/apsis-connection.server";
import { getShop, whyNotInvited } from "../../models/shop.server";
import { markWebhookReceiptSyncing } from "../../models/webhook-receipt.server";
import { enqueue } from "../../queues/enqueue.server";
import { SYNC_CUSTOMER_JOB } from "./jobs/definitions";
import { getRedis, redisKey } from "../../redis.server";

/**
 * APSIS One real-time sync: how a customer's change (a webhook delivery, or the Resync action of the customer
 * page block) becomes one run of the job `apsis.sync-customer` (app/destinations/apsis/jobs/sync-customer.server.ts).
 *
 * Per customer there is at most one job waiting and one running (BullMQ deduplication by shop + customer with
 * keepLastIfActive): changes within REALTIME_COALESCE_MS of the first become one write, and a change that
 * arrives while the customer is being written starts one more run after it. The job reads the customer fresh
 * from Shopify, so whatever order deliveries arrive in, the last run writes Shopify's latest state.
 *
 * The deliveries a run answers wait in a Redis list per customer; the run reads them when it starts and
 * finishes their receipts (with the delay from delivery to write) when it is done.
 *
 * Fairness across shops: every shop's syncs share the "realtime" queue (Full Syncs run on "sync", so they never
 * hold it up). A job's BullMQ priority is the number of syncs its shop requested in the current minute, so a
 * shop flooding the queue (a bulk edit of 50k customers) waits behind every quieter shop instead of delaying
 * them; its own customers still go in order of arrival among themselves.
 */

const customerNumber = (customerId: string) => customerId.slice(customerId.lastIndexOf("/") + 1);

/** The Redis list of receipt ids waiting for this customer's next sync. */
export const pendingReceiptsKey = (shopId: string, customerId: string) => redisKey("apsis-rt-receipts", shopId, customerNumber(customerId));

/** Customers synced in real time, by time (score ms): a Full Sync re-syncs those touched while it ran. */
export const realtimeTouchedKey = (shopId: string) => redisKey("apsis-rt-touched", shopId);

export const syncCustomerDedupeId = (shopId: string, customerId: string) => `apsis-customer-${shopId}-${customerNumber(customerId)}`;

const LOAD_WINDOW_MS = 60_000;
/** BullMQ's lowest priority. */
const MAX_PRIORITY = 2_097_152;

/** This shop's syncs requested in the current minute (1 for the first), shared by every web and worker process. */
async function shopLoad(shopId: string) {
  const key = redisKey("apsis-rt-load", shopId);
  const [, [, count]] = (await getRedis().multi().set(key, 0, "PX", LOAD_WINDOW_MS, "NX").incr(key).exec()) as [unknown, [unknown, number]];
  return count;
}

export type CustomerSyncRequest = { queued: true } | { queued: false; reason: string };

/**
 * Queues the customer's sync (coalesced with any already waiting): the one gate for webhooks and the Resync
 * action. `receiptId`: the delivery it answers — the receipt goes "syncing" (before the job is queued, so the
 * job's finish is never overwritten) and the sync finishes it. `requireRealtime`: a webhook only syncs when the
 * merchant switched real-time sync on; the merchant's own Resync works whenever APSIS One is connected with a
 * keyspace. `beforeQueue` runs once the gate has passed (an order's purchase event is recorded there).
 */
export async function requestCustomerSync({ shop, customerId, receiptId, requireRealtime = false, delayMs, beforeQueue }: {
  shop: string;
  customerId: string;
  receiptId?: string;
  requireRealtime?: boolean;
  /** Defaults to REALTIME_COALESCE_MS. */
  delayMs?: number;
  beforeQueue?: (gate: { shopId: string; purchaseEventsEnabled: boolean }) => Promise<void>;
}): Promise<CustomerSyncRequest> {
  const row = await getShop({ shop });
  const notInvited = whyNotInvited(row);
  if (notInvited || !row) return { queued: false, reason: notInvited ?? "" };
  const connection = await getApsisConnectionSummary({ shopId: row.id });
  if (!connection) return { queued: false, reason: "APSIS One is not connected" };
  if (!connection.keyspaceDiscriminator) return { queued: false, reason: "no APSIS keyspace is chosen" };
  if (requireRealtime && !connection.realtimeEnabled) return { queued: false, reason: "real-time sync is off" };
  if (beforeQueue) await beforeQueue({ shopId: row.id, purchaseEventsEnabled: connection.purchaseEventsEnabled });
  if (receiptId) {
    await markWebhookReceiptSyncing({ receiptId, customerId });
    await getRedis().rpush(pendingReceiptsKey(row.id, customerId), receiptId);
  }
  await enqueue(
    SYNC_CUSTOMER_JOB,
    { shop, customerId },
    {
      dedupeId: syncCustomerDedupeId(row.id, customerId),
      rerunIfActive: true,
      delay: delayMs ?? parseEnv().REALTIME_COALESCE_MS,
      priority: Math.min(await shopLoad(row.id), MAX_PRIORITY),
    },
  );
  return { queued: true };
}
