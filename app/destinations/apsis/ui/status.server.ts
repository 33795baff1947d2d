import type { getFullSyncStatus } from "../full-sync.server";
import { formatDateTime } from "../../../utils/format-date";
import { toRunView } from "../../../runs/ui/run-view.server";
import type { FullSyncStatusView } from "./types";

type Status = Awaited<ReturnType<typeof getFullSyncStatus>>;

/** getFullSyncStatus's answer as the page shows it: dates formatted in the store's timezone. */
export function toFullSyncStatusView(status: Status): FullSyncStatusView {
  const { timeZone } = status;
  return {
    activeRun: status.activeRun && toRunView(status.activeRun, timeZone),
    lastRun: status.lastRun && toRunView(status.lastRun, timeZone),
    lastFullSyncAt: formatDateTime(status.lastFullSyncAt, timeZone),
    setupChangedSinceFullSync: status.setupChangedSinceFullSync,
    timeZone,
  };
}
