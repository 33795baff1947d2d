import type { SyncRunSummary } from "../../models/sync-run.server";
import type { SyncRunRow } from "./sync-runs-table";
import { toRunView } from "./run-view.server";

/**
 * Runs as <SyncRunsTable> shows them: times formatted on the server in the shop's IANA timezone, and where
 * each wrote as its destination names it (`targetOf`, from app/destinations/index.server.ts).
 */
type ListedRun = SyncRunSummary & { settings: string };

export function toSyncRunRows(runs: ListedRun[], timeZone: string, targetOf: (run: ListedRun) => string | null): SyncRunRow[] {
  return runs.map((run) => ({ ...toRunView(run, timeZone), destination: run.destination, kind: run.kind, target: targetOf(run) }));
}
