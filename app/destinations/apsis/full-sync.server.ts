import { getApsisConnectionSummary } from "../../models/apsis-connection.server";
import type { ShopContext } from "../../models/shop.server";
import {
  createSyncRun,
  findActiveSyncRun,
  findLastFinishedSyncRun,
  listSyncFailures,
  type SyncRunSummary,
} from "../../models/sync-run.server";
import { enqueue } from "../../queues/enqueue.server";
import { FULL_SYNC_JOB } from "./jobs/definitions";
import type { FullSyncRunSettings } from "./rules/run-settings";
import { loadApsisMappings } from "./mapping.server";
import { findLiveSyncRun, withRunStartLock } from "../../runs/start-run.server";
import { UserFacingError } from "../../utils/user-facing-error";

/**
 * APSIS One page → Full Sync: start one (one per shop at a time) and read its progress. The work is the job
 * `apsis.full-sync` (app/destinations/apsis/jobs/full-sync.server.ts); its run's counters are what the page shows.
 */

export type FullSyncTrigger = "on_demand" | "ops";

/** The Full Sync cannot start; the message says what the merchant must do first. Nothing was started. */
const rejected = (formError: string) => new UserFacingError({ formError });

export const fullSyncJobId = (runId: string) => `apsis-full-sync-${runId}`;

const START_LOCK_TTL_MS = 15_000;
const START_LOCK_WAIT_MS = 10_000;

/**
 * Starts a Full Sync of every customer with the saved keyspace, conditions and mappings (snapshotted on the run,
 * so later edits do not change a run under way). If one is already queued or running for the shop, that one is
 * returned with alreadyRunning. Serialised per shop by a Redis lock, so two clicks make one run.
 * Throws UserFacingError when APSIS is not connected, no keyspace is chosen or no sync condition is
 * saved (nothing would be synced).
 */
export async function startFullSync({ shop, trigger }: { shop: ShopContext; trigger: FullSyncTrigger }): Promise<{ runId: string; alreadyRunning: boolean }> {
  return withRunStartLock({
    name: "apsis-start-full-sync",
    shopId: shop.id,
    ttlMs: START_LOCK_TTL_MS,
    waitMs: START_LOCK_WAIT_MS,
    onBusy: () => rejected("A Full Sync is being started for this store; try again in a moment."),
  }, async () => {
    const active = await findLiveSyncRun({
      shopId: shop.id,
      destination: "apsis",
      kind: "full_sync",
      jobId: fullSyncJobId,
      lostMessage: "This Full Sync stopped without finishing (the worker lost it). What was written is kept; start it again to finish.",
    });
    if (active) return { runId: active.id, alreadyRunning: true };

    const connection = await getApsisConnectionSummary({ shopId: shop.id });
    if (!connection) throw rejected("Connect APSIS One first.");
    if (!connection.keyspaceDiscriminator) throw rejected("Choose the keyspace the profiles are created in first.");
    const mappings = await loadApsisMappings({ shopId: shop.id });
    if (!mappings.conditions.length) {
      throw rejected("Set up sync conditions first: they choose the Section each customer goes to, and without them no customer is synced.");
    }
    const settings: FullSyncRunSettings = {
      keyspace: connection.keyspaceDiscriminator,
      conditions: mappings.conditions,
      attributes: mappings.attributes,
      consents: mappings.consents,
    };
    const run = await createSyncRun({ shopId: shop.id, destination: "apsis", kind: "full_sync", trigger, settings });
    await enqueue(FULL_SYNC_JOB, { runId: run.id }, { jobId: fullSyncJobId(run.id) });
    return { runId: run.id, alreadyRunning: false };
  });
}

export type FullSyncRunView = {
  id: string;
  trigger: string;
  status: string;
  /** Customers in the store (null until the job has counted them). */
  total: number | null;
  seen: number;
  matched: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Skipped by the sync conditions (matching no rule). */
  skipped: number;
  failed: number;
  /** seen / total, 0–1 (null while the total is unknown). */
  progress: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The first 20 failures with APSIS's answer; `failed` is the exact count. */
  failures: { customerId: string; email: string | null; reason: string; response: string | null }[];
};

async function toRunView(run: SyncRunSummary): Promise<FullSyncRunView> {
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
    progress: run.total ? Math.min(1, run.seen / run.total) : run.total === 0 ? 1 : null,
    errorCode: run.errorCode,
    errorMessage: run.errorMessage,
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    failures: await listSyncFailures({ runId: run.id, take: 20 }),
  };
}

/** The running (or queued) Full Sync, the last finished one, and when a Full Sync last succeeded (show it in `timeZone`). */
export async function getFullSyncStatus({ shop }: { shop: ShopContext }) {
  const [active, last, connection] = await Promise.all([
    findActiveSyncRun({ shopId: shop.id, destination: "apsis", kind: "full_sync" }),
    findLastFinishedSyncRun({ shopId: shop.id, destination: "apsis", kind: "full_sync" }),
    getApsisConnectionSummary({ shopId: shop.id }),
  ]);
  return {
    activeRun: active ? await toRunView(active) : null,
    lastRun: last ? await toRunView(last) : null,
    lastFullSyncAt: connection?.lastFullSyncAt ?? null,
    timeZone: shop.ianaTimezone,
  };
}
