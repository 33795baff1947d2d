import { parseEnv } from "../env.server";
import { getApsisConnectionSummary } from "../models/apsis-connection.server";
import { getShop } from "../models/shop.server";
import { enqueue } from "../queues/enqueue.server";
import { getRedis, redisKey } from "../queues/redis.server";

/**
 * APSIS One real-time sync: how a customer's change (a webhook delivery, or the Resync action of the customer
 * page block) becomes one run of the job `apsis.sync-customer` (app/queues/jobs/apsis-sync-customer.server.ts).
 *
 * Per customer there is at most one job waiting and one running (BullMQ deduplication by shop + customer with
 * keepLastIfActive): changes within REALTIME_COALESCE_MS of the first become one write, and a change that
 * arrives while the customer is being written starts one more run after it. The job reads the customer fresh
 * from Shopify, so whatever order deliveries arrive in, the last run writes Shopify's latest state.
 *
 * The deliveries a run answers wait in a Redis list per customer; the run reads them when it starts and
 * finishes their receipts (with the delay from delivery to write) when it is done.
 */

const customerNumber = (customerId: string) => customerId.slice(customerId.lastIndexOf("/") + 1);

/** The Redis list of receipt ids waiting for this customer's next sync. */
export const pendingReceiptsKey = (shopId: string, customerId: string) => redisKey("apsis-rt-receipts", shopId, customerNumber(customerId));

/** Customers synced in real time, by time (score ms): a Full Sync re-syncs those touched while it ran. */
export const realtimeTouchedKey = (shopId: string) => redisKey("apsis-rt-touched", shopId);

export const syncCustomerDedupeId = (shopId: string, customerId: string) => `apsis-customer-${shopId}-${customerNumber(customerId)}`;

export type CustomerSyncRequest = { queued: true } | { queued: false; reason: string };

/**
 * Queues the customer's sync (coalesced with any already waiting). `receiptId`: the delivery it answers, whose
 * receipt the sync finishes. `requireRealtime`: a webhook only syncs when the merchant switched real-time sync
 * on; the merchant's own Resync works whenever APSIS One is connected with a keyspace.
 */
export async function requestCustomerSync({ shop, customerId, receiptId, requireRealtime = false, delayMs }: {
  shop: string;
  customerId: string;
  receiptId?: string;
  requireRealtime?: boolean;
  /** Defaults to REALTIME_COALESCE_MS. */
  delayMs?: number;
}): Promise<CustomerSyncRequest> {
  const row = await getShop({ shop });
  if (!row || row.invitation !== "invited" || row.uninstalledAt) return { queued: false, reason: "the store is not invited or has uninstalled the app" };
  const connection = await getApsisConnectionSummary({ shopId: row.id });
  if (!connection) return { queued: false, reason: "APSIS One is not connected" };
  if (!connection.keyspaceDiscriminator) return { queued: false, reason: "no APSIS keyspace is chosen" };
  if (requireRealtime && !connection.realtimeEnabled) return { queued: false, reason: "real-time sync is off" };
  if (receiptId) await getRedis().rpush(pendingReceiptsKey(row.id, customerId), receiptId);
  await enqueue(
    "apsis.sync-customer",
    { shop, customerId },
    { dedupeId: syncCustomerDedupeId(row.id, customerId), rerunIfActive: true, delay: delayMs ?? parseEnv().REALTIME_COALESCE_MS },
  );
  return { queued: true };
}
