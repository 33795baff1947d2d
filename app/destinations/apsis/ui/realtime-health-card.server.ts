import { DateTime } from "luxon";
import type { RealtimeHealth } from "../realtime-health.server";
import { formatDateTime } from "../../../utils/format-date";
import type { RealtimeHealthView } from "./realtime-health-card";

const n = (value: number) => value.toLocaleString("en-US");

/** A duration as the merchant reads it: "under 1 s", "12 s", "3 min 5 s", "2 h 10 min", "1 d 4 h". */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return "under 1 s";
  const parts = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return parts(Math.floor(seconds / 60), "min", seconds % 60, "s");
  if (seconds < 86_400) return parts(Math.floor(seconds / 3600), "h", Math.floor((seconds % 3600) / 60), "min");
  return parts(Math.floor(seconds / 86_400), "d", Math.floor((seconds % 86_400) / 3600), "h");
}

/** "Up to date" while nothing waits; otherwise how long the oldest waiting change has waited. */
export function describeLag({ currentLagMs, pending }: { currentLagMs: number; pending: number }): string {
  if (pending === 0) return "Up to date";
  return `${formatDuration(currentLagMs)} behind (${n(pending)} ${pending === 1 ? "change" : "changes"} waiting)`;
}

/** The last reconciliation in words: when, what it looked at, and what it caught (changes no webhook brought). */
export function describeReconciliation(last: NonNullable<RealtimeHealth["reconciliation"]>, timeZone: string): string {
  const looked = `${n(last.examined)} changed ${last.examined === 1 ? "customer" : "customers"} checked`;
  const caught = last.caught
    ? `${n(last.caught)} ${last.caught === 1 ? "change no webhook delivered was" : "changes no webhook delivered were"} synced`
    : "every change had arrived by webhook";
  return `Last checked ${formatDateTime(last.at, timeZone) ?? ""}: ${looked}; ${caught}.`;
}

/** Wall-clock hour and minute in the store's timezone (UTC when the zone is unknown, as formatDateTime does). */
function formatTime(iso: string, timeZone: string) {
  const instant = DateTime.fromISO(iso, { zone: "utc" });
  const local = instant.setZone(timeZone);
  return (local.isValid ? local : instant).toFormat("HH:mm");
}

/** getRealtimeHealth's answer as the Activity page shows it: times in the store's timezone, amounts in words. */
export function toRealtimeHealthView(health: RealtimeHealth, timeZone: string): RealtimeHealthView {
  const synced = health.buckets.reduce((sum, bucket) => sum + bucket.synced, 0);
  const failed = health.buckets.reduce((sum, bucket) => sum + bucket.failed, 0);
  const bars = health.buckets.map((bucket, i) => {
    const end = health.buckets[i + 1]?.start;
    const label = `${formatTime(bucket.start, timeZone)}–${end ? formatTime(end, timeZone) : "now"}`;
    return { label, synced: bucket.synced, failed: bucket.failed };
  });
  return {
    realtimeEnabled: health.realtimeEnabled,
    bars,
    since: formatDateTime(health.buckets[0].start, timeZone) ?? "",
    summary: `${n(synced)} synced, ${n(failed)} failed in the last ${health.buckets.length} hours`,
    lag: describeLag(health),
    behind: health.pending > 0,
    recentDelay: health.recentDelayMs === null ? null : formatDuration(health.recentDelayMs),
    latestFailures: health.latestFailures.map((failure) => ({
      id: failure.id,
      at: formatDateTime(failure.receivedAt, timeZone) ?? "",
      topic: failure.topic,
      customer: failure.customerId ? failure.customerId.slice(failure.customerId.lastIndexOf("/") + 1) : null,
      reason: failure.detail ?? "no reason recorded",
    })),
    latestMerges: health.latestMerges.map((merge) => ({
      id: merge.id,
      at: formatDateTime(merge.receivedAt, timeZone) ?? "",
      kept: merge.customerId ? merge.customerId.slice(merge.customerId.lastIndexOf("/") + 1) : "—",
      outcome: merge.detail ?? (merge.status === "processed" ? "done" : `waiting (${merge.status})`),
    })),
    outage: health.outage && {
      since: formatDateTime(health.outage.since, timeZone) ?? "",
      reason: health.outage.reason,
      nextTry: formatTime(health.outage.nextAt, timeZone),
    },
    reconciliation: health.reconciliation && { text: describeReconciliation(health.reconciliation, timeZone), caught: health.reconciliation.caught },
    timeZone,
  };
}
