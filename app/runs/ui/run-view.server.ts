import type { SyncRunSummary } from "../../models/sync-run.server";
import { formatDateTime } from "../../utils/format-date";
import { runProgress } from "../run-status.server";
import { importedCounts, parseImportState } from "../import-state";
import { RUN_PHASES, type RunPhase, type RunView } from "./run-view";

const FAILURES_SHOWN = 5;

type RunSource = Omit<SyncRunSummary, "destination" | "kind" | "errorCode" | "phase" | "importState"> & {
  phase?: string | null;
  importState?: string | null;
  failures?: { customerId: string; email: string | null; reason: string }[];
};

/** Before this much of a phase has passed, its pace says too little for an ETA. */
const ETA_AFTER_MS = 5_000;

/** Seconds left at the pace so far: done of all since `since` (null when too early or nothing done yet). */
function eta(done: number, all: number, since: Date | null, now: Date): number | null {
  if (!since || done <= 0) return null;
  const elapsed = now.getTime() - since.getTime();
  if (elapsed < ETA_AFTER_MS) return null;
  return Math.max(0, Math.round(((all - done) * elapsed) / done / 1000));
}

/** A run (a status answer's, or a row of the runs table) as the page shows it, times in the store's timezone. */
export function toRunView(run: RunSource, timeZone: string, now = new Date()): RunView {
  const phase = RUN_PHASES.includes(run.phase as RunPhase) ? (run.phase as RunPhase) : null;
  const state = parseImportState(run.importState);
  const counts = state && importedCounts(state);
  const imports = state && counts ? { files: state.parts.length, filesDone: state.parts.filter((p) => p.done).length, profiles: counts.rows, confirmed: counts.confirmed } : null;
  // Reading the store (or writing profile by profile): its pace over the store; importing: the destination's over the files.
  const running = run.status === "running";
  const etaSeconds = !running || phase === "preparing"
    ? null
    : imports && (phase === "importing" || phase === "confirming")
      ? eta(imports.confirmed, imports.profiles, new Date(state!.startedAt), now)
      : run.total
        ? eta(run.seen, run.total, run.startedAt, now)
        : null;
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    total: run.total,
    seen: run.seen,
    matched: run.matched,
    created: run.created,
    updated: run.updated,
    unchanged: run.unchanged,
    skipped: run.skipped,
    failed: run.failed,
    suppressed: run.suppressed,
    unsuppressed: run.unsuppressed,
    leftAlone: run.leftAlone,
    progress: runProgress(run),
    errorMessage: run.errorMessage,
    queuedAt: formatDateTime(run.queuedAt, timeZone),
    startedAt: formatDateTime(run.startedAt, timeZone),
    finishedAt: formatDateTime(run.finishedAt, timeZone),
    failures: (run.failures ?? []).slice(0, FAILURES_SHOWN).map(({ customerId, email, reason }) => ({ customerId, email, reason })),
    phase,
    imports,
    etaSeconds,
  };
}
