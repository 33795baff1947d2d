import { DESTINATIONS } from "../destinations/index.server";
import { getQueue } from "../queues/enqueue.server";
import { PRUNE_RECEIPTS_JOB, RECOVER_RUNS_JOB, type JobDefinition } from "../queues/registry";

/**
 * Recurring work, as BullMQ job schedulers with stable ids (the id is the job name), upserted by every
 * worker at boot: upserting is idempotent, so N workers keep exactly one schedule each.
 * A renamed or removed scheduler must be removed explicitly here (removeJobScheduler), or it keeps firing.
 * Each destination's own schedules (Adestra's daily Auto Send per shop) are reconciled by the destination.
 */
const SCHEDULES: { job: JobDefinition; pattern: string }[] = [
  { job: PRUNE_RECEIPTS_JOB, pattern: "17 3 * * *" },
  { job: RECOVER_RUNS_JOB, pattern: "* * * * *" },
];

export async function upsertSchedulers() {
  for (const { job, pattern } of SCHEDULES) {
    await getQueue(job.queue).upsertJobScheduler(job.name, { pattern, tz: "UTC" }, { name: job.name, data: {} });
  }
  for (const destination of DESTINATIONS) await destination.reconcileSchedules?.();
}

/** How often each worker checks that Redis still has the schedulers. */
export const SCHEDULER_CHECK_MS = 60_000;

/**
 * Redis losing its data (a restart without persistence, a failover to an empty replica) takes the schedulers
 * with it, the recovery pass and reconciliation included, and nothing would ever fire again. So each worker
 * checks every SCHEDULER_CHECK_MS that the recovery pass's scheduler exists and, when it is gone, upserts
 * every schedule again (idempotent across workers). Answers a stop function for shutdown.
 */
export function keepSchedulers({ everyMs = SCHEDULER_CHECK_MS, log = console.warn }: { everyMs?: number; log?: (message: string) => void } = {}) {
  let checking = false;
  const timer = setInterval(async () => {
    if (checking) return;
    checking = true;
    try {
      if (await getQueue(RECOVER_RUNS_JOB.queue).getJobScheduler(RECOVER_RUNS_JOB.name)) return;
      await upsertSchedulers();
      log("the job schedulers were missing from Redis (did it lose its data?): created again");
    } catch (error) {
      log(`checking the job schedulers failed: ${(error as Error).message}`);
    } finally {
      checking = false;
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
