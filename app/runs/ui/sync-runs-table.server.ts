import type { SyncRunSummary } from "../../models/sync-run.server";
import type { SyncRunRow } from "./sync-runs-table";
import { toRunView } from "./run-view.server";

/** Runs as <SyncRunsTable> shows them: times formatted on the server in the shop's IANA timezone. */
export function toSyncRunRows(runs: SyncRunSummary[], timeZone: string): SyncRunRow[] {
  return runs.map((run) => ({ ...toRunView(run, timeZone), destination: run.destination, kind: run.kind }));
}
