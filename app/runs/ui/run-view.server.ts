import type { SyncRunSummary } from "../../models/sync-run.server";
import { formatDateTime } from "../../utils/format-date";
import { runProgress } from "../run-status.server";
import type { RunView } from "./run-view";

const FAILURES_SHOWN = 5;

type RunSource = Omit<SyncRunSummary, "destination" | "kind" | "errorCode"> & {
  failures?: { customerId: string; email: string | null; reason: string }[];
};

/** A run (a status answer's, or a row of the runs table) as the page shows it, times in the store's timezone. */
export function toRunView(run: RunSource, timeZone: string): RunView {
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
    progress: runProgress(run),
    errorMessage: run.errorMessage,
    queuedAt: formatDateTime(run.queuedAt, timeZone),
    startedAt: formatDateTime(run.startedAt, timeZone),
    finishedAt: formatDateTime(run.finishedAt, timeZone),
    failures: (run.failures ?? []).slice(0, FAILURES_SHOWN).map(({ customerId, email, reason }) => ({ customerId, email, reason })),
  };
}
