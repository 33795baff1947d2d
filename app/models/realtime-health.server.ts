import { getDb } from "../db.server";

/**
 * What the Activity page reads about APSIS One real-time sync: the WebhookReceipts of the topics that start a
 * customer's real-time sync, by outcome. Plain Prisma filters only (no SQL), so the same queries run on SQLite
 * and PostgreSQL, and every receipt query ranges over the (shopDomain, status, receivedAt) index: a busy shop
 * records ~150k of these receipts a day and keeps them for two weeks.
 */

export const REALTIME_TOPICS = [
  "customers/create",
  "customers/update",
  "customers/delete",
  "customers/merge",
  "customers_email_marketing_consent/update",
  "customers_marketing_consent/update",
  "orders/create",
] as const; // each a subscribed topic (checked in shopify/webhook-topics.test.ts)

/**
 * How far before the counted hours a delivery written inside them is looked for. processedAt has no index, so
 * outcomes are found by receivedAt: one that waited longer than this before the first hour is left out (while it
 * waited, it was the oldest "syncing" receipt, which the page shows as the lag).
 */
export const OUTCOME_MAX_WAIT_MS = 24 * 3_600_000;

export const HOUR_MS = 3_600_000;

const realtime = (shop: string) => ({ shopDomain: shop, topic: { in: [...REALTIME_TOPICS] } });
const outcomes = (shop: string) => ({ ...realtime(shop), status: { in: ["processed", "failed"] } });

/** Clocks of the web and worker hosts may differ slightly: a write never counts as earlier than its delivery. */
const delayMs = (receivedAt: Date, processedAt: Date) => Math.max(0, processedAt.getTime() - receivedAt.getTime());

/**
 * Synced ("processed") and failed deliveries per hour of their write, for the `hours` hours from `from`, and the
 * delays (processedAt − receivedAt) of the deliveries synced since `recentFrom` (within the last hour).
 *
 * Fetching a day's ~150k rows to bucket them here takes seconds, and processedAt has no index to count by. So
 * the database counts by hour of arrival, which the index serves, and says when an hour's deliveries were last
 * written: only where that is after the hour (a boundary crossed, or a backlog) are those written later fetched
 * and moved to the hour of their write, as are those that arrived before `from`. The hours are counted one
 * query at a time: 24 queries in parallel through Prisma were slower, not faster (measured on both databases).
 * With 150k deliveries a day this takes ~0.3–0.45 s warm, against 1–2.5 s to fetch the rows.
 */
export async function countRealtimeOutcomesByHour({ shop, from, hours, recentFrom }: {
  shop: string;
  from: Date;
  hours: number;
  recentFrom: Date;
}) {
  const db = getDb();
  const to = new Date(from.getTime() + hours * HOUR_MS);
  const lastHour = new Date(to.getTime() - HOUR_MS);
  if (recentFrom < lastHour || recentFrom > to) throw new RangeError("recentFrom must lie within the last hour");
  const buckets = Array.from({ length: hours }, (_, i) => ({ start: new Date(from.getTime() + i * HOUR_MS), synced: 0, failed: 0 }));
  const bucketOf = (processedAt: Date) => buckets[Math.floor((processedAt.getTime() - from.getTime()) / HOUR_MS)];
  const recentDelaysMs: number[] = [];
  const late = { status: true, receivedAt: true, processedAt: true } as const;
  /** Moves a delivery written after the hour it arrived in (or arrived before `from`) to the hour of its write. */
  const place = (row: { status: string; receivedAt: Date; processedAt: Date | null }, arrivedIn?: { synced: number; failed: number }) => {
    // The queries below only return rows with a processedAt in [from, to).
    const processedAt = row.processedAt!;
    const key = row.status === "failed" ? "failed" : "synced";
    if (arrivedIn) arrivedIn[key]--;
    bucketOf(processedAt)[key]++;
    if (row.status === "processed" && processedAt >= recentFrom) recentDelaysMs.push(delayMs(row.receivedAt, processedAt));
  };

  for (const bucket of buckets) {
    const end = new Date(bucket.start.getTime() + HOUR_MS);
    const arrived = { ...outcomes(shop), receivedAt: { gte: bucket.start, lt: end } };
    const groups = await db.webhookReceipt.groupBy({
      by: ["status"],
      where: { ...arrived, processedAt: { lt: to } },
      _count: { _all: true },
      _max: { processedAt: true },
    });
    for (const group of groups) bucket[group.status === "failed" ? "failed" : "synced"] += group._count._all;
    if (groups.some((group) => group._max.processedAt && group._max.processedAt >= end)) {
      const writtenLater = await db.webhookReceipt.findMany({ where: { ...arrived, processedAt: { gte: end, lt: to } }, select: late });
      for (const row of writtenLater) place(row, bucket);
    }
  }
  const arrivedBefore = await db.webhookReceipt.findMany({
    where: { ...outcomes(shop), receivedAt: { gte: new Date(from.getTime() - OUTCOME_MAX_WAIT_MS), lt: from }, processedAt: { gte: from, lt: to } },
    select: late,
  });
  for (const row of arrivedBefore) place(row);
  const recentInLastHour = await db.webhookReceipt.findMany({
    where: { ...realtime(shop), status: "processed", receivedAt: { gte: lastHour, lt: to }, processedAt: { gte: recentFrom, lt: to } },
    select: { receivedAt: true, processedAt: true },
  });
  for (const row of recentInLastHour) recentDelaysMs.push(delayMs(row.receivedAt, row.processedAt!));
  return { buckets, recentDelaysMs };
}

/** Deliveries waiting for their customer's sync: how many, and when the oldest arrived (null when none). */
export async function getRealtimeBacklog({ shop }: { shop: string }) {
  const db = getDb();
  const where = { ...realtime(shop), status: "syncing" };
  const [pending, oldest] = await Promise.all([
    db.webhookReceipt.count({ where }),
    db.webhookReceipt.findFirst({ where, orderBy: { receivedAt: "asc" }, select: { receivedAt: true } }),
  ]);
  return { pending, oldestReceivedAt: oldest?.receivedAt ?? null };
}

/** The latest failed real-time deliveries, newest first, with the reason (APSIS's answer or the app's). */
export async function listLatestRealtimeFailures({ shop, take }: { shop: string; take: number }) {
  return getDb().webhookReceipt.findMany({
    where: { ...realtime(shop), status: "failed" },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take,
    select: { id: true, topic: true, customerId: true, receivedAt: true, detail: true },
  });
}

/** The latest customers/merge deliveries, newest first, with what was done (or why nothing was). */
export async function listLatestMerges({ shop, take }: { shop: string; take: number }) {
  return getDb().webhookReceipt.findMany({
    where: { shopDomain: shop, topic: "customers/merge" },
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take,
    select: { id: true, customerId: true, receivedAt: true, status: true, detail: true },
  });
}

/** Whether real-time sync is switched on (null when APSIS One is not connected), and the shop's id. */
export async function getRealtimeEnabled({ shop }: { shop: string }) {
  const connection = await getDb().apsisConnection.findFirst({ where: { shop: { domain: shop } }, select: { realtimeEnabled: true, shopId: true } });
  return { realtimeEnabled: connection?.realtimeEnabled ?? null, shopId: connection?.shopId ?? null };
}
