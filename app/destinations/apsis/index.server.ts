/** APSIS One as a destination (app/destinations/destination.ts): Full Syncs, real-time sync and purchase events. */
import { recordPendingPurchaseEvent } from "../../models/apsis-purchase-event.server";
import { handles } from "../../queues/registry";
import { getRedis } from "../../redis.server";
import { enqueue } from "../../queues/enqueue.server";
import type { Destination } from "../destination";
import { forgetApsisCredentials } from "./account.server";
import { apsisAgreement } from "./agreement.server";
import { FULL_SYNC_JOB, FULL_SYNC_RUN, RECONCILE_JOB, RECONCILE_SHOP_JOB, REDACT_PROFILE_JOB, SYNC_CUSTOMER_JOB, WRITEBACK_JOB, WRITEBACK_SHOP_JOB } from "./jobs/definitions";
import { apsisFullSyncJob } from "./jobs/full-sync.server";
import { mergeApsisCustomers } from "./merge.server";
import { apsisRedactProfileJob, apsisSyncCustomerJob } from "./jobs/sync-customer.server";
import { pendingReceiptsKey, realtimeTouchedKey, requestCustomerSync } from "./realtime.server";
import { reconcileAllShopsJob, reconcileShopJob, upsertApsisReconcileScheduler } from "./reconcile.server";
import { sectionOfTarget } from "./rules/profile";
import { upsertApsisWritebackScheduler, writebackAllShopsJob, writebackShopJob } from "./writeback.server";

export const apsis: Destination = {
  name: "apsis",
  jobs: [
    handles(FULL_SYNC_JOB, apsisFullSyncJob),
    handles(SYNC_CUSTOMER_JOB, apsisSyncCustomerJob),
    handles(REDACT_PROFILE_JOB, apsisRedactProfileJob),
    handles(RECONCILE_JOB, reconcileAllShopsJob),
    handles(RECONCILE_SHOP_JOB, reconcileShopJob),
    handles(WRITEBACK_JOB, writebackAllShopsJob),
    handles(WRITEBACK_SHOP_JOB, writebackShopJob),
  ],
  runs: [FULL_SYNC_RUN],
  /** Only when the merchant switched real-time sync on; an order is first recorded as a pending purchase event. */
  customerChanged: ({ shop, customerId, receiptId, order }) =>
    requestCustomerSync({
      shop,
      customerId,
      receiptId,
      requireRealtime: true,
      beforeQueue: async ({ shopId, purchaseEventsEnabled }) => {
        if (!order || !purchaseEventsEnabled) return;
        await recordPendingPurchaseEvent({ shopId, orderId: order.orderId, customerId, data: order.summary, orderedAt: new Date(order.orderedAt) });
      },
    }),
  customersMerged: mergeApsisCustomers,
  /** The profile's deletion or anonymisation in every Section the app wrote it to, as the merchant chose. */
  async redactCustomer({ shop, customerId, receiptId, links }) {
    const sections = [...new Set(links.map((l) => sectionOfTarget(l.target)).filter((s): s is string => s !== null))];
    if (sections.length) await enqueue(REDACT_PROFILE_JOB, { shop, customerId, sections }, { jobId: receiptId ? `apsis-redact-${receiptId}` : undefined });
    return { apsisSections: sections.length };
  },
  /** The customer's waiting deliveries list and their place in the real-time "touched" set. */
  async forgetCustomer({ shopId, customerId }) {
    await getRedis().multi().del(pendingReceiptsKey(shopId, customerId)).zrem(realtimeTouchedKey(shopId), customerId).exec();
  },
  forgetShop: forgetApsisCredentials,
  agreement: apsisAgreement,
  /**
   * Real-time sync's reconciliation pass, every RECONCILE_INTERVAL_SECONDS (reconcile.server.ts), and the
   * write-back pass, every WRITEBACK_INTERVAL_SECONDS (writeback.server.ts).
   */
  async reconcileSchedules() {
    return { reconcile: await upsertApsisReconcileScheduler(), writeback: await upsertApsisWritebackScheduler() };
  },
};
