import type { SyncRunSummary } from "../../models/sync-run.server";
import { formatDateTime } from "../../utils/format-date";
import type { SyncRunRow } from "./sync-runs-table";

/** Runs as <SyncRunsTable> shows them: times formatted on the server in the shop's IANA timezone. */
export function toSyncRunRows(runs: SyncRunSummary[], timeZone: string): SyncRunRow[] {
  return runs.map((run) => ({
    id: run.id,
    destination: run.destination,
    kind: run.kind,
    trigger: run.trigger,
    status: run.status,
    seen: run.seen,
    created: run.created,
    updated: run.updated,
    unchanged: run.unchanged,
    skipped: run.skipped,
    failed: run.failed,
    errorMessage: run.errorMessage,
    queuedAt: formatDateTime(run.queuedAt, timeZone),
    startedAt: formatDateTime(run.startedAt, timeZone),
    finishedAt: formatDateTime(run.finishedAt, timeZone),
  }));
}
