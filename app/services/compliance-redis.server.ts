/**
 * The Redis side of the compliance topics: what a redaction must remove besides database rows. Redis holds job
 * records (data, result, failure reason, logs, the queues' event streams), job schedulers, locks, rate and
 * coalescing keys, and cached APSIS tokens; none may outlive a shop/redact, and nothing about a redacted
 * customer may outlive a customers/redact. Keys are found by what they name (the shop's id or domain) and jobs
 * by what their data names (the shop, its runs, the customer), so a key added later is still found by name.
 */
import type { Job, Queue } from "bullmq";
import { parseEnv } from "../env.server";
import { getQueue } from "../queues/enqueue.server";
import { getRedis } from "../redis.server";
import { QUEUE_NAMES, type QueueName } from "../queues/registry";
import { DESTINATIONS } from "../destinations/index.server";

/** The jobs that carry a redaction to a destination: they must still run when the customer's other jobs go. */
const REDACTION_JOBS: ReadonlySet<string> = new Set(DESTINATIONS.flatMap((d) => d.jobs).flatMap(({ job }) => (job.redaction ? [job.name] : [])));

/** Every state a job record can rest in but "active" (a running job is locked); "waiting" includes paused. */
const RESTING_STATES = ["completed", "failed", "waiting", "delayed", "prioritized", "waiting-children"] as const;
const PAGE = 500;

type JobMatch = (job: Job) => boolean;

/** Removes the queue's resting jobs that match; returns their ids. Collected first: removal shifts the pages. */
async function removeJobs(queue: Queue, states: readonly (typeof RESTING_STATES)[number][], match: JobMatch): Promise<string[]> {
  const ids: string[] = [];
  for (const state of states) {
    for (let start = 0; ; start += PAGE) {
      const page = await queue.getJobs([state], start, start + PAGE - 1, true);
      for (const job of page) if (job?.id && match(job)) ids.push(job.id);
      if (page.length < PAGE) break;
    }
  }
  const removed: string[] = [];
  // remove() answers 0 for a job that became active meanwhile: it finishes and is removed by its retention.
  for (const id of new Set(ids)) if (await queue.remove(id)) removed.push(id);
  return removed;
}

/**
 * Deletes the entries of the queue's event stream about the removed jobs (field jobId) or whose values mention
 * any of the needles (a result or failure reason naming the shop).
 */
async function removeEvents(queueName: QueueName, { jobIds, needles }: { jobIds: Iterable<string>; needles: string[] }): Promise<number> {
  const ids = new Set(jobIds);
  if (!ids.size && !needles.length) return 0;
  const redis = getRedis();
  const key = `${parseEnv().REDIS_PREFIX}:${queueName}:events`;
  const about = (fields: string[]) =>
    fields.some((value, i) => (i % 2 === 1 && fields[i - 1] === "jobId" && ids.has(value)) || needles.some((n) => value.includes(n)));
  let deleted = 0;
  for (let from = "-"; ; ) {
    const entries = await redis.xrange(key, from, "+", "COUNT", 1000);
    const doomed = entries.filter(([, fields]) => about(fields)).map(([id]) => id);
    if (doomed.length) deleted += await redis.xdel(key, ...doomed);
    if (entries.length < 1000) return deleted;
    from = `(${entries[entries.length - 1][0]}`;
  }
}

/**
 * Deletes the keys under the app's prefix that name the shop: a segment equal to its domain (so another shop
 * whose domain merely ends the same is spared), or containing one of the ids (its shop id, its credentials).
 */
async function removeKeysNaming({ domain, ids }: { domain: string; ids: string[] }): Promise<number> {
  const redis = getRedis();
  const domains = new Set([domain, encodeURIComponent(domain)]);
  let deleted = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${parseEnv().REDIS_PREFIX}:*`, "COUNT", 1000);
    cursor = next;
    const doomed = keys.filter((key) => key.split(":").some((part) => domains.has(part)) || ids.some((id) => key.includes(id)));
    if (doomed.length) deleted += await redis.unlink(...doomed);
  } while (cursor !== "0");
  return deleted;
}


/**
 * customers/redact: what each destination keeps under its own keys about the customer (APSIS One's waiting
 * deliveries list and real-time "touched" set), and every resting job record about them (a sync's data, result, failure reason and logs) but the redaction jobs
 * themselves, which carry ids only and must still run; then the event-stream entries of the removed jobs.
 */
export async function purgeCustomerFromRedis({ shop, shopId, customerId }: { shop: string; shopId: string | null; customerId: string }) {
  if (shopId) for (const destination of DESTINATIONS) await destination.forgetCustomer?.({ shopId, customerId });
  const aboutCustomer: JobMatch = (job) => job.data?.shop === shop && job.data?.customerId === customerId && !REDACTION_JOBS.has(job.name);
  let jobs = 0;
  for (const name of QUEUE_NAMES) {
    const removed = await removeJobs(getQueue(name), RESTING_STATES, aboutCustomer);
    jobs += removed.length;
    await removeEvents(name, { jobIds: removed, needles: [] });
  }
  return { jobs };
}

export type ShopRedisFootprint = {
  shopId: string;
  runIds: string[];
};

/**
 * shop/redact: first what each destination keeps under its own names (Adestra's daily Auto Send scheduler and
 * rate bucket, APSIS One's cached token and rate keys), then every job of the shop (by its domain, its runs or
 * a key naming it) in every resting state, the event-stream entries naming the shop or its jobs, and every key
 * naming the shop (locks, coalescing and real-time keys) or its credentials.
 * The shop/redact delivery's own job is running, so it is not touched here: it is removed when it completes
 * (enqueue.server.ts).
 */
export async function purgeShopFromRedis({ shop, footprint }: { shop: string; footprint: ShopRedisFootprint | null }) {
  const shopId = footprint?.shopId;
  const runIds = new Set(footprint?.runIds ?? []);
  const ids = shopId ? [shopId] : [];
  const rateKeys: string[] = [];
  if (shopId) for (const destination of DESTINATIONS) rateKeys.push(...((await destination.forgetShop?.({ shopId })) ?? []));
  const ofShop: JobMatch = (job) =>
    job.data?.shop === shop || runIds.has(job.data?.runId) || ids.some((id) => job.id?.includes(id) || job.repeatJobKey?.includes(id) || job.deduplicationId?.includes(id));
  let jobs = 0;
  let events = 0;
  for (const name of QUEUE_NAMES) {
    const removed = await removeJobs(getQueue(name), RESTING_STATES, ofShop);
    jobs += removed.length;
    // Results and reasons are JSON: the domain is matched as a JSON string, ids anywhere.
    events += await removeEvents(name, { jobIds: removed, needles: [JSON.stringify(shop), ...ids, ...runIds] });
  }
  const keys = await removeKeysNaming({ domain: shop, ids: [...ids, ...rateKeys] });
  return { jobs, events, keys };
}
