import { DateTime } from "luxon";
import { formatDateTime } from "../../../utils/format-date";
import type { SendRunView, SendStatusView } from "./types";

/** The parts of a SyncRun (with its first failures) the Data Sync page shows. */
type RunLike = {
  id: string;
  trigger: string;
  status: string;
  total: number | null;
  seen: number;
  matched: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  suppressed?: number;
  errorMessage: string | null;
  queuedAt: Date | string | null;
  startedAt: Date | string | null;
  finishedAt: Date | string | null;
  settings?: string | null;
  listName?: string | null;
  failures?: { email: string | null; reason: string }[];
};

type StatusLike = {
  activeRun: RunLike | null;
  lastRun: RunLike | null;
  lastSendAt: Date | string | null;
  lastSendAtByKind?: { onDemand: Date | string | null; auto: Date | string | null };
};

const FAILURES_SHOWN = 5;

function listNameOf(run: RunLike): string | null {
  if (run.listName) return run.listName;
  try {
    const settings = run.settings ? (JSON.parse(run.settings) as { listName?: unknown }) : null;
    return typeof settings?.listName === "string" ? settings.listName : null;
  } catch {
    return null;
  }
}

export function toSendRunView(run: RunLike | null, timeZone: string): SendRunView | null {
  if (!run) return null;
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
    suppressed: run.suppressed ?? 0,
    errorMessage: run.errorMessage,
    failures: (run.failures ?? []).slice(0, FAILURES_SHOWN).map((f) => ({ email: f.email, reason: f.reason })),
    listName: listNameOf(run),
    queuedAt: formatDateTime(run.queuedAt, timeZone),
    startedAt: formatDateTime(run.startedAt, timeZone),
    finishedAt: formatDateTime(run.finishedAt, timeZone),
  };
}

/** getSendStatus's answer as the page shows it: dates formatted in the store's timezone. */
export function toSendStatusView(status: StatusLike, timeZone: string): SendStatusView {
  return {
    activeRun: toSendRunView(status.activeRun, timeZone),
    lastRun: toSendRunView(status.lastRun, timeZone),
    lastSendAt: formatDateTime(status.lastSendAt, timeZone),
    lastOnDemandSendAt: formatDateTime(status.lastSendAtByKind?.onDemand, timeZone),
    lastAutoSendAt: formatDateTime(status.lastSendAtByKind?.auto, timeZone),
  };
}

/** Today as a calendar day in the store's timezone (YYYY-MM-DD), for the date picker's quick ranges. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const local = DateTime.fromJSDate(now).setZone(timeZone);
  return (local.isValid ? local : DateTime.fromJSDate(now).setZone("utc")).toISODate()!;
}
