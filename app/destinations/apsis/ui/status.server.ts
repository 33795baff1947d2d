import type { getFullSyncStatus } from "../full-sync.server";
import { formatDateTime } from "../../../utils/format-date";
import type { FullSyncRunView, FullSyncStatusView } from "./types";

type Status = Awaited<ReturnType<typeof getFullSyncStatus>>;
type Run = NonNullable<Status["activeRun"]>;

const FAILURES_SHOWN = 5;

function toRunView(run: Run | null, timeZone: string): FullSyncRunView | null {
  if (!run) return null;
  return {
    id: run.id,
    status: run.status,
    total: run.total,
    seen: run.seen,
    created: run.created,
    updated: run.updated,
    unchanged: run.unchanged,
    skipped: run.skipped,
    failed: run.failed,
    progress: run.progress,
    errorMessage: run.errorMessage,
    finishedAt: formatDateTime(run.finishedAt, timeZone),
    failures: run.failures.slice(0, FAILURES_SHOWN).map((f) => ({ customerId: f.customerId, email: f.email, reason: f.reason })),
  };
}

/** getFullSyncStatus's answer as the page shows it: dates formatted in the store's timezone. */
export function toFullSyncStatusView(status: Status): FullSyncStatusView {
  const { timeZone } = status;
  return {
    activeRun: toRunView(status.activeRun, timeZone),
    lastRun: toRunView(status.lastRun, timeZone),
    lastFullSyncAt: formatDateTime(status.lastFullSyncAt, timeZone),
    timeZone,
  };
}
