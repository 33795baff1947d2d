import { setTimeout as delay } from "node:timers/promises";
import { acquireRedisLock } from "../shopify/redis-lock.server";
import { findActiveSyncRun, finishSyncRun } from "../models/sync-run.server";
import { getQueue } from "../queues/enqueue.server";
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
 * The shop's queued or running run of this kind, if its BullMQ job is still alive. A run whose job is gone
 * (Redis lost it, or the job ended without finishing the run) would block the shop forever: it is marked
 * failed with `lostMessage` instead, and null is returned.
 */
export async function findLiveSyncRun({ shopId, destination, kind, jobId, lostMessage }: {
  shopId: string;
  destination: string;
  kind: "send" | "full_sync";
  jobId: (runId: string) => string;
  lostMessage: string;
}) {
  const active = await findActiveSyncRun({ shopId, destination, kind });
  if (!active) return null;
  const job = await getQueue("sync").getJob(jobId(active.id));
  const state = job ? await job.getState() : "missing";
  if (state !== "completed" && state !== "failed" && state !== "unknown" && state !== "missing") return active;
  await finishSyncRun({ runId: active.id, status: "failed", errorCode: "lost", errorMessage: lostMessage });
  return null;
}
