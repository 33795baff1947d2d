import { reconcileAdestraAutoSendSchedulers } from "../destinations/adestra/auto-send-schedule.server";
import { getQueue } from "../queues/enqueue.server";
import { JOBS, type JobName } from "../queues/registry";

/**
 * Recurring work, as BullMQ job schedulers with stable ids (the id is the job name), upserted by every
 * worker at boot: upserting is idempotent, so N workers keep exactly one schedule each.
 * A renamed or removed scheduler must be removed explicitly here (removeJobScheduler), or it keeps firing.
 * Each destination's own schedules (Adestra's daily Auto Send per shop) are reconciled from its folder.
 */
const SCHEDULES: { name: JobName; pattern: string }[] = [
  { name: "maintenance.prune-webhook-receipts", pattern: "17 3 * * *" },
];

export async function upsertSchedulers() {
  for (const { name, pattern } of SCHEDULES) {
    await getQueue(JOBS[name].queue).upsertJobScheduler(name, { pattern, tz: "UTC" }, { name, data: {} });
  }
  await reconcileAdestraAutoSendSchedulers();
}
