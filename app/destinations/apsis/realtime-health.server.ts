import {
  countRealtimeOutcomesByHour,
  getRealtimeBacklog,
  getRealtimeEnabled,
  HOUR_MS,
  listLatestMerges,
  listLatestRealtimeFailures,
} from "../../models/realtime-health.server";
import { getReconcileState } from "../../models/apsis-reconciliation.server";
import { readOutage } from "../../queues/outage.server";

/**
 * How APSIS One real-time sync is keeping up, for the Activity page: what the webhook receipts of the real-time
 * topics say about the last 24 hours (app/models/realtime-health.server.ts).
 */

export const HEALTH_HOURS = 24;
export const RECENT_DELAY_WINDOW_MS = 15 * 60_000;
export const LATEST_FAILURES_SHOWN = 20;
export const LATEST_MERGES_SHOWN = 10;

export type RealtimeHealth = Awaited<ReturnType<typeof getRealtimeHealth>>;

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
}

/**
 * The hourly buckets end at `now` (the last one is the hour up to now), so "the last 24 hours" means exactly
 * that whenever the page is opened.
 * - currentLagMs: how long the oldest delivery still waiting for its customer's sync has waited (0 when none
 *   waits): what "behind" means to the merchant.
 * - recentDelayMs: the median time from Shopify's delivery to the APSIS write over the last 15 minutes' synced
 *   deliveries (null when none), which includes the deliberate coalescing delay.
 */
export async function getRealtimeHealth({ shop, now = new Date() }: { shop: string; now?: Date }) {
  const from = new Date(now.getTime() - HEALTH_HOURS * HOUR_MS);
  const [outcomes, backlog, failures, merges, { realtimeEnabled, shopId }] = await Promise.all([
    countRealtimeOutcomesByHour({ shop, from, hours: HEALTH_HOURS, recentFrom: new Date(now.getTime() - RECENT_DELAY_WINDOW_MS) }),
    getRealtimeBacklog({ shop }),
    listLatestRealtimeFailures({ shop, take: LATEST_FAILURES_SHOWN }),
    listLatestMerges({ shop, take: LATEST_MERGES_SHOWN }),
    getRealtimeEnabled({ shop }),
  ]);
  const [outage, reconcile] = shopId ? await Promise.all([readOutage({ destination: "apsis", shopId }), getReconcileState({ shopId })]) : [null, null];
  return {
    buckets: outcomes.buckets.map((bucket) => ({ start: bucket.start.toISOString(), synced: bucket.synced, failed: bucket.failed })),
    currentLagMs: backlog.oldestReceivedAt ? Math.max(0, now.getTime() - backlog.oldestReceivedAt.getTime()) : 0,
    recentDelayMs: median(outcomes.recentDelaysMs),
    pending: backlog.pending,
    latestFailures: failures.map((failure) => ({
      id: failure.id,
      topic: failure.topic,
      customerId: failure.customerId,
      receivedAt: failure.receivedAt,
      detail: failure.detail,
    })),
    /** customers/merge deliveries (the kept customer, and what each destination did: the receipt's detail). */
    latestMerges: merges.map((merge) => ({ id: merge.id, customerId: merge.customerId, receivedAt: merge.receivedAt, status: merge.status, detail: merge.detail })),
    realtimeEnabled,
    /** APSIS One not answering: the waiting changes are written when it answers again (app/queues/outage.server.ts). */
    outage: outage && { since: outage.since.toISOString(), reason: outage.reason, nextAt: outage.nextAt.toISOString() },
    /** The last reconciliation pass (reconcile.server.ts): changed customers it looked at, and changes no webhook had brought. */
    reconciliation: reconcile?.lastReconcileAt
      ? { at: reconcile.lastReconcileAt.toISOString(), examined: reconcile.lastReconcileExamined, caught: reconcile.lastReconcileCaught }
      : null,
  };
}
