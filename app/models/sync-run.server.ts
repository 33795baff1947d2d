import { getDb, type Tx } from "../db.server";
import type { RunCounters } from "./run-counters";

/** The columns the UI shows for a run (never the settings JSON or the checkpoint). */
const runSummary = {
  id: true,
  destination: true,
  kind: true,
  trigger: true,
  status: true,
  total: true,
  seen: true,
  matched: true,
  created: true,
  updated: true,
  unchanged: true,
  skipped: true,
  failed: true,
  suppressed: true,
  unsuppressed: true,
  leftAlone: true,
  errorCode: true,
  errorMessage: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  phase: true,
  importState: true,
} as const;

/** A shop's runs, newest first (by when they were queued). */
export async function listSyncRuns({ shop, take = 50, destination }: {
  shop: string;
  take?: number;
  destination?: string;
}) {
  return getDb().syncRun.findMany({
    where: { shop: { domain: shop }, ...(destination ? { destination } : {}) },
    orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
    take,
    select: { ...runSummary, settings: true },
  });
}

/** A run's summary columns (listSyncRuns adds its settings JSON). */
export type SyncRunSummary = Omit<Awaited<ReturnType<typeof listSyncRuns>>[number], "settings">;

// ---- Write side (sends). A run moves queued → running → succeeded | failed; a retried job goes back to
// queued between attempts and starts its counters again from zero (see startSyncRunAttempt).

export const SYNC_RUN_ACTIVE_STATUSES = ["queued", "running"] as const;

export async function createSyncRun({ shopId, destination, kind, trigger, settings }: {
  shopId: string;
  destination: string;
  kind: "send" | "full_sync" | "realtime";
  trigger: "on_demand" | "auto" | "send_now" | "ops" | "webhook";
  settings: unknown;
}) {
  return getDb().syncRun.create({
    data: { shopId, destination, kind, trigger, status: "queued", settings: JSON.stringify(settings) },
    select: { id: true },
  });
}

/** The shop's queued or running run of a kind, if any (oldest first: the one that holds the slot). */
export async function findActiveSyncRun({ shopId, destination, kind }: { shopId: string; destination: string; kind: "send" | "full_sync" }) {
  return getDb().syncRun.findFirst({
    where: { shopId, destination, kind, status: { in: [...SYNC_RUN_ACTIVE_STATUSES] } },
    orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
    select: { ...runSummary, settings: true },
  });
}

/** Every shop's queued or running runs of a kind (ids), for the recovery pass; oldest first, at most `take`. */
export async function listActiveSyncRuns({ destination, kind, take = 1_000 }: { destination: string; kind: "send" | "full_sync"; take?: number }) {
  return getDb().syncRun.findMany({
    where: { destination, kind, status: { in: [...SYNC_RUN_ACTIVE_STATUSES] } },
    orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
    take,
    select: { id: true },
  });
}

/** A run with what its job needs (settings, shop). */
export async function getSyncRunForJob({ runId }: { runId: string }) {
  return getDb().syncRun.findUnique({
    where: { id: runId },
    select: {
      id: true,
      status: true,
      destination: true,
      trigger: true,
      settings: true,
      shopId: true,
      queuedAt: true,
      importState: true,
      shop: { select: { domain: true, ianaTimezone: true } },
    },
  });
}

/**
 * A job attempt starts: running, counters at zero, the previous attempt's failures removed. Counters are
 * per attempt, so a retried job never counts a customer twice (what the earlier attempt wrote is found in
 * ProfileLink and counted as unchanged).
 */
export async function startSyncRunAttempt({ runId }: { runId: string }) {
  await getDb().$transaction(async (tx) => {
    await tx.syncFailure.deleteMany({ where: { runId } });
    await tx.stagedProfile.deleteMany({ where: { runId } });
    await tx.syncRun.update({
      where: { id: runId },
      data: {
        status: "running",
        phase: null,
        importState: null,
        startedAt: new Date(),
        finishedAt: null,
        total: null,
        seen: 0,
        matched: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        failed: 0,
        suppressed: 0,
        unsuppressed: 0,
        errorCode: null,
        errorMessage: null,
      },
    });
  });
}

export async function setSyncRunTotal({ runId, total }: { runId: string; total: number | null }) {
  await getDb().syncRun.update({ where: { id: runId }, data: { total } });
}

export async function updateSyncRunProgress({ runId, counters }: { runId: string; counters: RunCounters }) {
  // Only while running: a late flush never overwrites a finished run.
  await getDb().syncRun.updateMany({ where: { id: runId, status: "running" }, data: counters });
}

export async function recordSyncFailures({ runId, failures, tx }: {
  runId: string;
  failures: { customerId: string; email: string | null; reason: string; response: string | null }[];
  /** Inside a caller's transaction (a bulk import's confirmed rows, with their links). */
  tx?: Tx;
}) {
  if (!failures.length) return;
  await (tx ?? getDb()).syncFailure.createMany({
    data: failures.map((f) => ({
      runId,
      customerId: f.customerId,
      email: f.email,
      reason: f.reason.slice(0, 1000),
      response: f.response?.slice(0, 2000) ?? null,
    })),
  });
}

/**
 * Ends a run (from queued or running only: a finished run is never finished again). `alsoInTransaction` runs in
 * the same transaction when the run was ended (e.g. "last send" = this finish), so a page never sees the run
 * finished without it.
 */
export async function finishSyncRun({ runId, status, counters, errorCode, errorMessage, finishedAt = new Date(), alsoInTransaction }: {
  runId: string;
  status: "succeeded" | "failed" | "cancelled";
  counters?: RunCounters;
  errorCode?: string | null;
  errorMessage?: string | null;
  finishedAt?: Date;
  alsoInTransaction?: (tx: Tx) => Promise<unknown>;
}) {
  return getDb().$transaction(async (tx) => {
    const result = await tx.syncRun.updateMany({
      where: { id: runId, status: { in: [...SYNC_RUN_ACTIVE_STATUSES] } },
      data: { status, finishedAt, phase: null, errorCode: errorCode ?? null, errorMessage: errorMessage?.slice(0, 2000) ?? null, ...(counters ?? {}) },
    });
    if (result.count !== 1) return false;
    // Profiles staged for a bulk import are needed only while the run is live.
    await tx.stagedProfile.deleteMany({ where: { runId } });
    if (alsoInTransaction) await alsoInTransaction(tx);
    return true;
  });
}

/** What the run is doing now (a bulk import's phase; null: none to show). */
export async function setSyncRunPhase({ runId, phase }: { runId: string; phase: string | null }) {
  await getDb().syncRun.updateMany({ where: { id: runId }, data: { phase } });
}

/** A bulk-importing run's files and imports (JSON), read back by the attempt that resumes it. */
export async function saveSyncRunImportState({ runId, importState }: { runId: string; importState: string }) {
  await getDb().syncRun.updateMany({ where: { id: runId }, data: { importState } });
}

/** Between two attempts of a job: back to queued, saying why and that it will be tried again. */
export async function requeueSyncRun({ runId, errorMessage }: { runId: string; errorMessage: string }) {
  await getDb().syncRun.updateMany({
    where: { id: runId, status: { in: [...SYNC_RUN_ACTIVE_STATUSES] } },
    data: { status: "queued", errorMessage: errorMessage.slice(0, 2000) },
  });
}

/** The latest finished run of a kind (succeeded, failed or cancelled; or only those of `statuses`). */
export async function findLastFinishedSyncRun({ shopId, destination, kind, triggers, statuses = ["succeeded", "failed", "cancelled"] }: {
  shopId: string;
  destination: string;
  kind: "send" | "full_sync";
  /** Only runs started so (e.g. Auto Send's: "auto", "send_now"). */
  triggers?: string[];
  statuses?: ("succeeded" | "failed" | "cancelled")[];
}) {
  return getDb().syncRun.findFirst({
    where: { shopId, destination, kind, status: { in: statuses }, ...(triggers ? { trigger: { in: triggers } } : {}) },
    orderBy: [{ finishedAt: "desc" }, { queuedAt: "desc" }],
    select: { ...runSummary, settings: true },
  });
}

export async function getSyncRunSummary({ runId }: { runId: string }) {
  return getDb().syncRun.findUnique({ where: { id: runId }, select: { ...runSummary, settings: true } });
}

/** The first `take` failures of a run, oldest first. */
export async function listSyncFailures({ runId, take = 20 }: { runId: string; take?: number }) {
  return getDb().syncFailure.findMany({
    where: { runId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take,
    select: { customerId: true, email: true, reason: true, response: true },
  });
}

// ---- Resumable runs (APSIS Full Sync). The checkpoint (JSON, the caller's format) is saved together with
// the counters as they stood at it, so an attempt that resumes from it continues both where they were.

/** The run's checkpoint JSON, or null when it has none. */
export async function getSyncRunCheckpoint({ runId }: { runId: string }) {
  const row = await getDb().syncRun.findUnique({ where: { id: runId }, select: { checkpoint: true } });
  return row?.checkpoint ?? null;
}

/**
 * Progress of a running run: its live counters and, when given, a new checkpoint. Returns false when the run
 * is no longer running (finished or cancelled meanwhile): the caller should stop.
 */
export async function saveSyncRunProgress({ runId, counters, checkpoint }: { runId: string; counters: RunCounters; checkpoint?: string | null }) {
  const result = await getDb().syncRun.updateMany({
    where: { id: runId, status: "running" },
    data: { ...counters, ...(checkpoint ? { checkpoint } : {}) },
  });
  return result.count === 1;
}

/**
 * A job attempt that continues from the run's checkpoint: running again with the counters saved with the
 * checkpoint; failures recorded for customers after it are removed (those customers are tried again).
 */
export async function resumeSyncRunAttempt({ runId, counters, isAfterCheckpoint }: {
  runId: string;
  counters: RunCounters;
  /** Whether a failure's customer lies after the checkpoint. */
  isAfterCheckpoint: (customerId: string) => boolean;
}) {
  await getDb().$transaction(async (tx) => {
    const failures = await tx.syncFailure.findMany({ where: { runId }, select: { id: true, customerId: true } });
    const stale = failures.filter((f) => isAfterCheckpoint(f.customerId)).map((f) => f.id);
    if (stale.length) await tx.syncFailure.deleteMany({ where: { id: { in: stale } } });
    await tx.syncRun.update({
      where: { id: runId },
      data: { status: "running", finishedAt: null, errorCode: null, errorMessage: null, ...counters },
    });
  });
}

/** How many failures a run has recorded (bounded per run by the caller). */
export async function countSyncFailures({ runId }: { runId: string }) {
  return getDb().syncFailure.count({ where: { runId } });
}
