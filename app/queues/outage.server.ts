import { DelayedError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { parseEnv } from "../env.server";
import { getRedis, redisKey } from "../redis.server";

/**
 * A destination that does not answer for one shop (5xx, no answer, a long rate limit) is an outage, and an
 * outage is waited out, not failed: the jobs that need it go back to BullMQ's delayed set WITHOUT spending an
 * attempt and try again with a growing pause (env OUTAGE_FIRST_PAUSE_MS, 15 s, doubling up to
 * OUTAGE_MAX_PAUSE_MS, 5 min), for up to OUTAGE_BUDGET_HOURS (72) from the outage's start. Runs resume
 * from their checkpoint; a real-time job reads the customer fresh when it finally runs
 * (docs/decisions/021-outages-are-waited-out.md).
 *
 * One record per destination and shop in Redis (`since`, `reason`, `nextAt`), shared by every worker:
 *  - the first job that finds the destination down starts the record; every later failure moves `nextAt`;
 *  - while `nextAt` is ahead, a job of that shop and destination waits for it without calling (one probe per
 *    pause, not one call per waiting customer);
 *  - the first job that succeeds ends the record.
 * Redis losing the record only restarts the outage's clock. The Activity page reads it (readOutage).
 */

/** The pauses and budget, from the environment. */
function outagePolicy() {
  const env = parseEnv();
  const firstPauseMs = env.OUTAGE_FIRST_PAUSE_MS;
  const maxPauseMs = Math.max(firstPauseMs, env.OUTAGE_MAX_PAUSE_MS);
  return {
    firstPauseMs,
    maxPauseMs,
    budgetMs: env.OUTAGE_BUDGET_HOURS * 3600_000,
    /** Jobs woken for the same probe spread over this window, so the destination is not hit all at once. */
    spreadMs: Math.min(10_000, firstPauseMs),
    /** How long the other jobs wait while one probes the destination after a pause. */
    probeWindowMs: Math.min(30_000, maxPauseMs),
  };
}

/** "72 hours", as the messages of jobs that gave up say it. */
export const outageBudgetInWords = () => `${parseEnv().OUTAGE_BUDGET_HOURS} hours`;

export type OutageScope = { destination: string; shopId: string };
export type Outage = { since: Date; reason: string; nextAt: Date; failures: number };

const outageKey = ({ destination, shopId }: OutageScope) => redisKey("outage", destination, shopId);

/**
 * Records a failure of the destination: the outage starts now if none was recorded. A failure of the job
 * probing after a pause (or the first one) starts the next, longer pause; jobs already in flight failing
 * during a pause leave it as it is. Atomic, so two workers failing at once agree on one outage.
 */
const RECORD_FAILURE = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call("HMGET", KEYS[1], "since", "nextAt", "probing")
local nextAt = tonumber(state[2])
if state[1] and nextAt and nextAt > now and state[3] ~= "1" then
  return { tonumber(state[1]), nextAt, now }
end
redis.call("HSETNX", KEYS[1], "since", tostring(now))
local failures = redis.call("HINCRBY", KEYS[1], "failures", 1)
local pause = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ (failures - 1))
redis.call("HSET", KEYS[1], "reason", ARGV[1], "nextAt", tostring(now + pause), "probing", "0")
redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[4]))
return { tonumber(redis.call("HGET", KEYS[1], "since")), now + pause, now }
`;

function parseOutage(hash: Record<string, string>): Outage | null {
  const since = Number(hash.since);
  const nextAt = Number(hash.nextAt);
  if (!Number.isFinite(since) || !Number.isFinite(nextAt) || !hash.reason) return null;
  return { since: new Date(since), reason: hash.reason, nextAt: new Date(nextAt), failures: Number(hash.failures) || 1 };
}

export async function readOutage(scope: OutageScope, redis: Redis = getRedis()): Promise<Outage | null> {
  return parseOutage(await redis.hgetall(outageKey(scope)));
}

/** The destination answered: the outage (if any) is over. */
export async function endOutage(scope: OutageScope, redis: Redis = getRedis()) {
  await redis.del(outageKey(scope));
}

/** The job is waiting out an outage: it was moved to the delayed set and must not be failed or retried. */
export class WaitingOutOutage extends DelayedError {}

/** Moves the running job to the delayed set until `at` (a little spread); throws so BullMQ spends no attempt. */
async function delayJob(job: Job, at: number): Promise<never> {
  if (!job.token) throw new Error(`job ${job.id} has no lock token: it cannot be delayed`);
  await job.moveToDelayed(at + Math.floor(Math.random() * outagePolicy().spreadMs), job.token);
  throw new WaitingOutOutage();
}

/**
 * Claims the next call to the destination: none recorded → 0 (go); the pause is over → -1, this job is the
 * probe (nextAt moves PROBE_WINDOW_MS ahead, so the others keep waiting while it tries); else → nextAt.
 */
const CLAIM_CALL = `
local nextAt = tonumber(redis.call("HGET", KEYS[1], "nextAt"))
if not nextAt then return 0 end
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now < nextAt then return nextAt end
redis.call("HSET", KEYS[1], "nextAt", tostring(now + tonumber(ARGV[1])), "probing", "1")
return -1
`;

/**
 * Before a job calls the destination: while the shop's outage pauses (or another job is probing), the job
 * waits for the next probe (throws WaitingOutOutage) instead of calling. Returns whether an outage is
 * recorded: the job then ends it (endOutage) when the destination answers.
 */
export async function waitForOutagePause(job: Job, scope: OutageScope, redis: Redis = getRedis()): Promise<boolean> {
  const nextAt = Number(await redis.eval(CLAIM_CALL, 1, outageKey(scope), String(outagePolicy().probeWindowMs)));
  if (nextAt > 0) await delayJob(job, nextAt);
  return nextAt < 0;
}

/**
 * The destination failed this job as unavailable: record it, then either delay the job to the next probe
 * (throws WaitingOutOutage after `beforeWait` ran, e.g. to tell the merchant the run is waiting) or, once
 * the outage is older than its budget, return `exhausted` so the caller fails for good, saying so.
 */
export async function waitOutOutage(
  job: Job,
  scope: OutageScope,
  reason: string,
  { beforeWait, redis = getRedis() }: { beforeWait?: (outage: Outage) => Promise<void>; redis?: Redis } = {},
): Promise<{ exhausted: true; outage: Outage }> {
  const policy = outagePolicy();
  const [since, nextAt, now] = (await redis.eval(
    RECORD_FAILURE,
    1,
    outageKey(scope),
    reason,
    String(policy.firstPauseMs),
    String(policy.maxPauseMs),
    String(policy.budgetMs + policy.maxPauseMs * 2),
  )) as [number, number, number];
  const outage = (await readOutage(scope, redis)) ?? { since: new Date(since), reason, nextAt: new Date(nextAt), failures: 1 };
  // The job's own age bounds a job that keeps failing while the destination answers others (each success
  // ends the outage, so its clock alone would restart for ever).
  if (now - since > policy.budgetMs || now - job.timestamp > 2 * policy.budgetMs) return { exhausted: true, outage };
  await beforeWait?.(outage);
  return delayJob(job, nextAt);
}
