import { setTimeout as delay } from "node:timers/promises";
import { acquireRedisLock } from "../shopify/redis-lock.server";
import { findActiveSyncRun, finishSyncRun } from "../models/sync-run.server";
import { enqueue, getQueue } from "../queues/enqueue.server";
import type { RunKind } from "./run-kind";
import { getRedis, redisKey } from "../redis.server";

/**
 * What every "start a run" action shares (Adestra sends, APSIS Full Syncs): one starter per shop at a time,
 * and one live run per shop and kind.
 */

/**
 * Runs `start` under a per-shop Redis lock, so two clicks at once make one run. Waits up to `waitMs` for the
 * lock; past that `onBusy()` is thrown.
 */
export async function withRunStartLock<T>(
  { name, shopId, ttlMs, waitMs, onBusy }: { name: string; shopId: string; ttlMs: number; waitMs: number; onBusy: () => Error },
  start: () => Promise<T>,
): Promise<T> {
  const redis = getRedis();
  const key = redisKey(name, shopId);
  const deadline = Date.now() + waitMs;
  let release = await acquireRedisLock({ redis, key, ttlMs });
  while (!release) {
    if (Date.now() > deadline) throw onBusy();
    await delay(100);
    release = await acquireRedisLock({ redis, key, ttlMs });
  }
  try {
    return await start();
  } finally {
    await release();
  }
}

/**
 * Whether a queued or running run's BullMQ job will still finish it, and if not, what was done:
 * - "alive": the job is waiting, delayed or running;
 * - "requeued": the job is gone (Redis lost it, or it was pruned): it is added again under the same id and
 *   resumes from the run's checkpoint (the run job skips a run that has finished meanwhile);
 * - "lost": the job ended (completed or failed) without finishing the run: the run is marked failed with the
 *   kind's `lostMessage`, so it never shows as running and never blocks the shop's next run.
 */
export async function checkRunJob(run: { id: string }, kind: RunKind): Promise<"alive" | "requeued" | "lost"> {
  const jobId = kind.jobId(run.id);
  const job = await getQueue(kind.job.queue).getJob(jobId);
  const state = job ? await job.getState() : "unknown";
  if (state === "unknown") {
    await enqueue(kind.job, { runId: run.id }, { jobId });
    return "requeued";
  }
  if (state !== "completed" && state !== "failed") return "alive";
  // Conditional on the run still being active: a run its job finished a moment ago stays as it ended.
  await finishSyncRun({ run: { runId: run.id }, status: "failed", errorCode: "lost", errorMessage: kind.lostMessage });
  return "lost";
}

/** The shop's queued or running run of this kind whose job will still finish it (see checkRunJob), or null. */
export async function findLiveSyncRun({ shopId, kind }: { shopId: string; kind: RunKind }) {
  const active = await findActiveSyncRun({ shopId, destination: kind.destination, kind: kind.kind });
  if (!active) return null;
  return (await checkRunJob(active, kind)) === "lost" ? null : active;
}
