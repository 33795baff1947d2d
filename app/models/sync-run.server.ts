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

/**
 * One attempt of a run's job. The run's row carries the number of the attempt that owns it (raised when an
 * attempt starts), and every write an attempt makes to the run is made only while the row still carries its
 * number: when BullMQ hands a job whose lock it thinks lost (a worker stalled long enough) to a second worker
 * while the first still runs, the first one's next write finds the newer number and stops it (a fencing token).
 */
export type RunLease = { runId: string; attempt: number };

/** A newer attempt of the run's job owns the run: this attempt must stop and write nothing more. */
export class AttemptSuperseded extends Error {
  constructor(lease: RunLease) {
    super(`run ${lease.runId}: attempt ${lease.attempt} was superseded by a newer attempt of its job`);
  }
}

/** Who writes to a run: an attempt of its job (its lease), or the app outside any attempt (the run's id). */
export type RunWriter = RunLease | { runId: string };

/**
 * A write to a live run's row (queued or running; with `running`, running only). An attempt's write is applied
 * only while the row carries the attempt's number. Returns whether it was applied; throws AttemptSuperseded
 * when a newer attempt owns the run.
 */
async function updateLiveRun(tx: Tx, writer: RunWriter, data: Parameters<Tx["syncRun"]["updateMany"]>[0]["data"], { running = false } = {}) {
  const attempt = "attempt" in writer ? { attempt: writer.attempt } : {};
  const result = await tx.syncRun.updateMany({
    where: { id: writer.runId, ...attempt, status: running ? "running" : { in: [...SYNC_RUN_ACTIVE_STATUSES] } },
    data,
  });
  if (result.count === 1) return true;
  if ("attempt" in writer) await assertLease(tx, writer);
  return false;
}

/** Throws AttemptSuperseded when the run's row carries a newer attempt than the lease's. */
async function assertLease(tx: Tx, lease: RunLease) {
  const row = await tx.syncRun.findUnique({ where: { id: lease.runId }, select: { attempt: true } });
  if (row && row.attempt !== lease.attempt) throw new AttemptSuperseded(lease);
}

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
export async function startSyncRunAttempt({ runId }: { runId: string }): Promise<RunLease> {
  return getDb().$transaction(async (tx) => {
    await tx.syncFailure.deleteMany({ where: { runId } });
    await tx.stagedProfile.deleteMany({ where: { runId } });
    const { attempt } = await tx.syncRun.update({
      where: { id: runId },
      select: { attempt: true },
      data: {
        attempt: { increment: 1 },
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
    return { runId, attempt };
  });
}

export async function setSyncRunTotal({ lease, total }: { lease: RunLease; total: number | null }) {
  await updateLiveRun(getDb(), lease, { total });
}

export async function recordSyncFailures({ lease, failures, tx }: {
  lease: RunLease;
  failures: { customerId: string; email: string | null; reason: string; response: string | null }[];
  /** Inside a caller's transaction (a bulk import's confirmed rows, with their links). */
  tx?: Tx;
}) {
  if (!failures.length) return;
  const write = async (db: Tx) => {
    await assertLease(db, lease);
    await db.syncFailure.createMany({
      data: failures.map((f) => ({
        runId: lease.runId,
        customerId: f.customerId,
        email: f.email,
        reason: f.reason.slice(0, 1000),
        response: f.response?.slice(0, 2000) ?? null,
      })),
    });
  };
  await (tx ? write(tx) : getDb().$transaction(write));
}


/**
 * Ends a run (from queued or running only: a finished run is never finished again). `alsoInTransaction` runs in
 * the same transaction when the run was ended (e.g. "last send" = this finish), so a page never sees the run
 * finished without it. An attempt ends its run with its lease (nothing is ended by a superseded attempt);
 * the app ends one outside any attempt (a disconnect, a job that could not be queued) by its id.
 */
export async function finishSyncRun({ run, status, counters, errorCode, errorMessage, finishedAt = new Date(), alsoInTransaction }: {
  run: RunWriter;
  status: "succeeded" | "failed" | "cancelled";
  counters?: RunCounters;
  errorCode?: string | null;
  errorMessage?: string | null;
  finishedAt?: Date;
  alsoInTransaction?: (tx: Tx) => Promise<unknown>;
}) {
  const { runId } = run;
  return getDb().$transaction(async (tx) => {
    const data = { status, finishedAt, phase: null, errorCode: errorCode ?? null, errorMessage: errorMessage?.slice(0, 2000) ?? null, ...(counters ?? {}) };
    if (!(await updateLiveRun(tx, run, data))) return false;
    // Profiles staged for a bulk import are needed only while the run is live.
    await tx.stagedProfile.deleteMany({ where: { runId } });
    if (alsoInTransaction) await alsoInTransaction(tx);
    return true;
  });
}

/** What the run is doing now (a bulk import's phase; null: none to show). */
export async function setSyncRunPhase({ lease, phase }: { lease: RunLease; phase: string | null }) {
  await updateLiveRun(getDb(), lease, { phase });
}

/** A bulk-importing run's files and imports (JSON), read back by the attempt that resumes it. */
export async function saveSyncRunImportState({ lease, importState, tx }: { lease: RunLease; importState: string; tx?: Tx }) {
  await updateLiveRun(tx ?? getDb(), lease, { importState });
}

/** Between two attempts of a job: back to queued, saying why and that it will be tried again. */
export async function requeueSyncRun({ run, errorMessage }: { run: RunWriter; errorMessage: string }) {
  await updateLiveRun(getDb(), run, { status: "queued", errorMessage: errorMessage.slice(0, 2000) });
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
 * is no longer running (finished or cancelled meanwhile): the caller should stop. Throws AttemptSuperseded when
 * a newer attempt owns the run.
 */
export async function saveSyncRunProgress({ lease, counters, checkpoint }: { lease: RunLease; counters: RunCounters; checkpoint?: string | null }) {
  return updateLiveRun(getDb(), lease, { ...counters, ...(checkpoint ? { checkpoint } : {}) }, { running: true });
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
}): Promise<RunLease> {
  return getDb().$transaction(async (tx) => {
    const failures = await tx.syncFailure.findMany({ where: { runId }, select: { id: true, customerId: true } });
    const stale = failures.filter((f) => isAfterCheckpoint(f.customerId)).map((f) => f.id);
    if (stale.length) await tx.syncFailure.deleteMany({ where: { id: { in: stale } } });
    const { attempt } = await tx.syncRun.update({
      where: { id: runId },
      select: { attempt: true },
      data: { attempt: { increment: 1 }, status: "running", finishedAt: null, errorCode: null, errorMessage: null, ...counters },
    });
    return { runId, attempt };
  });
}

/** How many failures a run has recorded (bounded per run by the caller). */
export async function countSyncFailures({ runId }: { runId: string }) {
  return getDb().syncFailure.count({ where: { runId } });
}
