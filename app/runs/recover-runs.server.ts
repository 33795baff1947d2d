import { listActiveSyncRuns } from "../models/sync-run.server";
import type { RunKind } from "./run-kind";
import { checkRunJob } from "./start-run.server";

export type RecoveryCounts = { alive: number; requeued: number; lost: number };

/**
 * The recovery pass (every minute, app/jobs/recover-runs.server.ts): every shop's queued or running run of each
 * kind is checked against its BullMQ job (checkRunJob). A job Redis lost is queued again and resumes from the
 * run's checkpoint; a run whose job ended without finishing it is marked failed. So no run shows "running"
 * for longer than a minute after its job is gone, and none waits for the merchant's next click to be noticed.
 */
export async function recoverRuns(kinds: readonly RunKind[]): Promise<RecoveryCounts> {
  const counts: RecoveryCounts = { alive: 0, requeued: 0, lost: 0 };
  for (const kind of kinds) {
    for (const run of await listActiveSyncRuns({ destination: kind.destination, kind: kind.kind })) {
      counts[await checkRunJob(run, kind)] += 1;
    }
  }
  return counts;
}
