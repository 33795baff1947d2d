/** Job `maintenance.recover-runs` (scheduled every minute): the recovery pass over every destination's runs. */
import { DESTINATIONS } from "../destinations/index.server";
import type { JobContext } from "../queues/registry";
import { recoverRuns } from "../runs/recover-runs.server";

export async function recoverRunsJob(_payload: Record<string, never>, ctx: JobContext) {
  const counts = await recoverRuns(DESTINATIONS.flatMap((destination) => destination.runs));
  if (counts.requeued || counts.lost) ctx.log(`runs whose job was gone: ${counts.requeued} queued again, ${counts.lost} marked failed`);
  return counts;
}
