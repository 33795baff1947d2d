import { getApsisConnectionSummary } from "../../models/apsis-connection.server";
import type { ShopContext } from "../../models/shop.server";
import { createSyncRun, findLastFinishedSyncRun } from "../../models/sync-run.server";
import { enqueue } from "../../queues/enqueue.server";
import { FULL_SYNC_JOB, FULL_SYNC_RUN } from "./jobs/definitions";
import { type FullSyncRunSettings, parseFullSyncRunSettings } from "./rules/run-settings";
import { setupChanged } from "./rules/setup-changed";
import { loadApsisMappings } from "./mapping.server";
import { findLiveSyncRun, withRunStartLock } from "../../runs/start-run.server";
import { readRunStatus } from "../../runs/run-status.server";
import { UserFacingError } from "../../utils/user-facing-error";

/**
 * APSIS One page → Full Sync: start one (one per shop at a time) and read its progress. The work is the job
 * `apsis.full-sync` (app/destinations/apsis/jobs/full-sync.server.ts); its run's counters are what the page shows.
 */

export type FullSyncTrigger = "on_demand" | "ops";

/** The Full Sync cannot start; the message says what the merchant must do first. Nothing was started. */
const rejected = (formError: string) => new UserFacingError({ formError });

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
    const active = await findLiveSyncRun({ shopId: shop.id, kind: FULL_SYNC_RUN });
    if (active) return { runId: active.id, alreadyRunning: true };

    const connection = await getApsisConnectionSummary({ shopId: shop.id });
    if (!connection) throw rejected("Connect APSIS One first.");
    if (!connection.keyspaceDiscriminator) throw rejected("Choose the keyspace the profiles are created in first.");
    const settings = await savedSetup({ shopId: shop.id, keyspace: connection.keyspaceDiscriminator });
    if (!settings.conditions.length) {
      throw rejected("Set up sync conditions first: they choose the Section each customer goes to, and without them no customer is synced.");
    }
    const run = await createSyncRun({ shopId: shop.id, destination: "apsis", kind: "full_sync", trigger, settings });
    await enqueue(FULL_SYNC_JOB, { runId: run.id }, { jobId: FULL_SYNC_RUN.jobId(run.id) });
    return { runId: run.id, alreadyRunning: false };
  });
}

/** The keyspace, conditions and mappings as saved now, in the shape a Full Sync run keeps them. */
async function savedSetup({ shopId, keyspace }: { shopId: string; keyspace: string }): Promise<FullSyncRunSettings> {
  const { conditions, attributes, consents } = await loadApsisMappings({ shopId });
  return { keyspace, conditions, attributes, consents };
}

/**
 * The running (or queued) Full Sync, the last finished one, when a Full Sync last succeeded (show it in
 * `timeZone`), and whether the set-up was changed since that Full Sync ran (the page then asks for another).
 */
export async function getFullSyncStatus({ shop }: { shop: ShopContext }) {
  const [runs, connection, lastSucceeded] = await Promise.all([
    readRunStatus({ shopId: shop.id, destination: "apsis", kind: "full_sync" }),
    getApsisConnectionSummary({ shopId: shop.id }),
    findLastFinishedSyncRun({ shopId: shop.id, destination: "apsis", kind: "full_sync", statuses: ["succeeded"] }),
  ]);
  const ranWith = lastSucceeded && parseFullSyncRunSettings(lastSucceeded.settings);
  const keyspace = connection?.keyspaceDiscriminator;
  return {
    ...runs,
    lastFullSyncAt: connection?.lastFullSyncAt ?? null,
    setupChangedSinceFullSync: Boolean(ranWith && keyspace && setupChanged(ranWith, await savedSetup({ shopId: shop.id, keyspace }))),
    timeZone: shop.ianaTimezone,
  };
}
