import { findActiveSyncRun, findLastFinishedSyncRun, listSyncFailures, type SyncRunSummary } from "../models/sync-run.server";

/** A run row as the status readers get it: the summary columns and the run's settings JSON. */
export type RunRow = SyncRunSummary & { settings: string };

/**
 * A run as a destination's status answers it: the counters, the progress (seen / total, 0–1; null while the
 * total is unknown) and the first 20 failures with the destination's answer (`failed` is the exact count),
 * plus what the destination adds from the run's settings (Adestra: the list and the choices).
 */
export type RunStatus<Details> = Omit<SyncRunSummary, "destination" | "kind"> & {
  progress: number | null;
  failures: Awaited<ReturnType<typeof listSyncFailures>>;
} & Details;

const FAILURES_READ = 20;

export const runProgress = (run: { total: number | null; seen: number }) =>
  run.total ? Math.min(1, run.seen / run.total) : run.total === 0 ? 1 : null;

type RunQuery<Details> = { shopId: string; destination: string; kind: "send" | "full_sync"; details?: (run: RunRow) => Details };

async function toRunStatus<Details extends object>(run: RunRow | null, details?: (run: RunRow) => Details): Promise<RunStatus<Details> | null> {
  if (!run) return null;
  const { destination: _destination, kind: _kind, settings: _settings, ...summary } = run;
  return { ...summary, progress: runProgress(run), failures: await listSyncFailures({ runId: run.id, take: FAILURES_READ }), ...(details?.(run) as Details) };
}

/** The shop's queued or running run of a kind and the last finished one, each as `RunStatus`. */
export async function readRunStatus<Details extends object = object>({ details, ...query }: RunQuery<Details>): Promise<{
  activeRun: RunStatus<Details> | null;
  lastRun: RunStatus<Details> | null;
}> {
  const [active, last] = await Promise.all([findActiveSyncRun(query), findLastFinishedSyncRun(query)]);
  const [activeRun, lastRun] = await Promise.all([toRunStatus(active, details), toRunStatus(last, details)]);
  return { activeRun, lastRun };
}

/** The last finished run of a kind started by one of `triggers` (e.g. a tab's own sends), as `RunStatus`. */
export async function readLastRun<Details extends object = object>({ details, triggers, ...query }: RunQuery<Details> & { triggers: string[] }) {
  return toRunStatus(await findLastFinishedSyncRun({ ...query, triggers }), details);
}
