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
