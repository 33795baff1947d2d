import { formatDateTime } from "../../../utils/format-date";
import { toRunView } from "../../../runs/ui/run-view.server";
import type { getSendStatus } from "../send.server";
import type { SendStatusView } from "./types";

type Status = Awaited<ReturnType<typeof getSendStatus>>;
type Run = NonNullable<Status["activeRun"]>;

const toSendRunView = (run: Run | null, timeZone: string) => (run ? { ...toRunView(run, timeZone), listName: run.listName } : null);

/** getSendStatus's answer as the page shows it: dates formatted in the store's timezone. */
export function toSendStatusView(status: Pick<Status, "activeRun" | "lastRun" | "lastRunByKind" | "lastSendAt" | "lastSendAtByKind">, timeZone: string): SendStatusView {
  return {
    activeRun: toSendRunView(status.activeRun, timeZone),
    lastRun: toSendRunView(status.lastRun, timeZone),
    lastOnDemandRun: toSendRunView(status.lastRunByKind.onDemand, timeZone),
    lastAutoRun: toSendRunView(status.lastRunByKind.auto, timeZone),
    lastSendAt: formatDateTime(status.lastSendAt, timeZone),
    lastOnDemandSendAt: formatDateTime(status.lastSendAtByKind.onDemand, timeZone),
    lastAutoSendAt: formatDateTime(status.lastSendAtByKind.auto, timeZone),
  };
}
