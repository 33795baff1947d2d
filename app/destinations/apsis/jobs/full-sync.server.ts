/**
 * Job `apsis.full-sync` ({ runId }, "sync" queue): one APSIS One Full Sync, everything read from its SyncRun
 * (keyspace, conditions and mappings as saved when it was started). Used by the Full Sync button and
 * `npm run ops -- full-sync <shop>`.
 *
 * The store is read in ascending id order (page by page, or a bulk export above APSIS_BULK_EXPORT_THRESHOLD),
 * and each customer goes through rules/profile-engine.ts: conditions → mapped attributes → consent →
 * skip when unchanged → attributes (v1 PATCH by version id, which creates a missing profile), then consents →
 * ProfileLink + ConsentEvents. Requests go through the client's Redis limiter (100/s per account, 10/s per
 * profile, shared by every worker); a 429 is waited out (Retry-After) without failing anyone.
 *
 * It runs on the run kernel (app/runs/run-job.server.ts); this file is what is APSIS One's.
 * Resumable: the run's checkpoint (last customer id finished in id order, with the counters at that point) is
 * saved with the progress. Another attempt of the same run — BullMQ's retry after an error, or the stalled-job
 * recovery after a worker died — continues after the checkpoint, reading only the rest of the store.
 *
 * Outcomes, all on the SyncRun row (the page reads it):
 *  - succeeded: counters final, ApsisConnection.lastFullSyncAt = finish time.
 *  - failed, not retried (UnrecoverableError): the shop is not invited, APSIS is not connected any more or its
 *    keyspace changed, a mapped attribute or Section is gone from APSIS, APSIS rejected the credentials
 *    ("reconnect"), Shopify refused the app's token.
 *  - APSIS unavailable (5xx after the client's retries), rate limited for too long, or anything else
 *    transient: the run goes back to "queued" saying why and the job is retried with backoff, resuming from
 *    the checkpoint; after the last attempt the run fails with the reason. What was written stays recorded.
 *  - cancelled (disconnect while running): the job stops at its next progress save.
 *  - the worker process is shutting down (SIGTERM/SIGINT, when the process handles them, as workers/index.ts
 *    does): no new write starts, the writes in flight land, the checkpoint is saved, and the job goes back to
 *    the queue without spending an attempt, so another worker continues it at once (the shutdown is not held
 *    up by a long sync).
 * Nothing is counted as synced (no ProfileLink) that APSIS did not accept.
 */
import {
  ApsisApiError,
  ApsisAuthError,
  ApsisMalformedResponseError,
  ApsisRateLimitError,
  ApsisUnavailableError,
} from "../client/errors";
import { recordApsisFullSyncAt } from "../../../models/apsis-connection.server";
import { setSyncRunPhase, setSyncRunTotal } from "../../../models/sync-run.server";
import { countStagedProfiles } from "../../../models/staged-profile.server";
import { importStagedProfiles, stageForImport } from "../imports.server";
import { describeApsisError, openApsisConnection, RECONNECT_MESSAGE, unavailableStatus } from "../account.server";
import { ApsisMappingOutdatedError, classifyWriteError, profilePorts, sectionPlans } from "../profile-writer.server";
import { realtimeTouchedKey, requestCustomerSync } from "../realtime.server";
import { parseEnv } from "../../../env.server";
import { loadApsisMappings } from "../mapping.server";
import { readStoreCustomers } from "../../../shopify/store-customers.server";
import { getShopifyAdmin } from "../../../shopify/admin.server";
import { type FullSyncCounters, syncProfiles, zeroFullSyncCounters } from "../rules/profile-engine";
import { parseFullSyncRunSettings } from "../rules/run-settings";
import { getRedis } from "../../../redis.server";
import { RunFailed, runJob, unreadableSettings } from "../../../runs/run-job.server";

const WRITTEN_SO_FAR = (c: FullSyncCounters | undefined) =>
  c ? ` ${c.created + c.updated} profile(s) were written before it stopped; they stay recorded, and the next Full Sync skips them if unchanged.` : "";

export const apsisFullSyncJob = runJob({
  startAgain: "start the Full Sync again",
  zero: zeroFullSyncCounters,
  async prepare(run) {
    const settings = parseFullSyncRunSettings(run.settings);
    if (!settings) throw unreadableSettings("Full Sync");
    const opened = await openApsisConnection({ shopId: run.shopId });
    if (!opened) throw new RunFailed("not_connected", "APSIS One is not connected any more: connect it and start the Full Sync again.");
    if (opened.connection.keyspaceDiscriminator !== settings.keyspace) {
      throw new RunFailed("keyspace_changed", "The APSIS keyspace was changed after this Full Sync was started; start it again.");
    }
    return { settings, client: opened.client };
  },
  async execute({ settings, client }, { run, lease, log, resumeFrom, ports }) {
    const shop = run.shop.domain;
    let sections;
    try {
      // The refusals as they are now (the mapping itself is the run's, as it was when the Full Sync started).
      const { refusals } = await loadApsisMappings({ shopId: run.shopId });
      sections = await sectionPlans({ client, sections: settings.conditions.map((c) => c.section), attributes: settings.attributes, consents: settings.consents, refusals });
    } catch (error) {
      if (error instanceof ApsisMappingOutdatedError) throw new RunFailed(error.code, `${error.message} Then start the Full Sync again.`);
      throw error;
    }
    const env = parseEnv();
    const { keyspace } = settings;
    const imports = (counters: FullSyncCounters, checkpoint: typeof resumeFrom, saved: string | null) =>
      importStagedProfiles({
        ...ports,
        lease,
        shopId: run.shopId,
        client,
        keyspace,
        sections,
        counters,
        checkpoint,
        saved,
        log: (message) => log(`${shop}: ${message}`),
        tuning: { pollMs: env.APSIS_IMPORT_POLL_MS, rowsPerFile: env.APSIS_IMPORT_ROWS_PER_FILE },
      });
    // The store was read and staged: the attempt continues the imports where they stand.
    if (run.importState) return imports(resumeFrom?.counters ?? zeroFullSyncCounters(), resumeFrom, run.importState);

    const { graphql } = await getShopifyAdmin({ shop });
    const { total, method, customers } = await readStoreCustomers({ graphql, afterId: resumeFrom?.afterId, log, threshold: env.APSIS_BULK_EXPORT_THRESHOLD });
    await setSyncRunTotal({ lease, total });
    // By the store's size (decision 031); a run that already staged profiles keeps importing whatever the count.
    const importing = total >= env.APSIS_IMPORT_THRESHOLD || (await countStagedProfiles({ runId: run.id })).size > 0;
    log(`${shop}: ${total} customers, read ${method === "bulk" ? "by bulk export" : "page by page"}${resumeFrom ? ` after ${resumeFrom.afterId}` : ""}, written ${importing ? "by APSIS One's bulk import" : "profile by profile"}`);
    if (importing) await setSyncRunPhase({ lease, phase: "export" });
    const result = await syncProfiles({
      ...ports,
      customers,
      conditions: settings.conditions,
      sections,
      keyspace,
      context: { timeZone: run.shop.ianaTimezone },
      ...profilePorts({ shopId: run.shopId, client, keyspace, sections, source: "full_sync" }),
      classifyError: classifyWriteError,
      stage: importing ? stageForImport(run.id) : undefined,
    });
    if (!importing || result.stoppedBy !== undefined || result.halted) return result;
    // Saved before the files are planned: a resumed attempt starts from these counters.
    await ports.onProgress({ counters: result.counters, checkpoint: result.checkpoint });
    return imports(result.counters, result.checkpoint, null);
  },
  describeError(error, counters) {
    if (error instanceof ApsisAuthError) return { final: true, code: "apsis_auth", message: RECONNECT_MESSAGE };
    if (error instanceof ApsisUnavailableError || error instanceof ApsisRateLimitError) {
      const status = error instanceof ApsisRateLimitError ? "it keeps answering HTTP 429, slow down" : unavailableStatus(error);
      return { final: false, outage: true, code: error.status ? `apsis_http_${error.status}` : "apsis_unavailable", message: `APSIS One is not answering (${status}).` };
    }
    if (error instanceof ApsisMalformedResponseError) return { final: true, code: "apsis_malformed", message: `${describeApsisError(error)}${WRITTEN_SO_FAR(counters)}` };
    if (error instanceof ApsisApiError) {
      return { final: true, code: error.status ? `apsis_http_${error.status}` : "apsis", message: `${describeApsisError(error)}${WRITTEN_SO_FAR(counters)}` };
    }
    return null;
  },
  recordSuccess: (_prepared, run, at, tx) => recordApsisFullSyncAt({ shopId: run.shopId, at }, tx),
  afterSuccess: (_prepared, run, log) => resyncTouchedDuringRun({ shop: run.shop.domain, shopId: run.shopId, since: run.queuedAt, log }),
  summary: (c) => `created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, skipped by conditions ${c.skipped}, failed ${c.failed}`,
});

/** How long real-time syncs are remembered for the Full Syncs that overlap them. */
const TOUCHED_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Customers synced in real time while this run went through the store may have been written again by the run
 * from its older export (the engine skips a link written from a newer state, but not one written after the
 * run read it). Each is queued for one more real-time sync, which reads Shopify's latest state: updates that
 * arrive during a Full Sync are never lost.
 */
async function resyncTouchedDuringRun({ shop, shopId, since, log }: { shop: string; shopId: string; since: Date; log: (m: string) => void }) {
  const redis = getRedis();
  const key = realtimeTouchedKey(shopId);
  await redis.zremrangebyscore(key, "-inf", Date.now() - TOUCHED_RETENTION_MS);
  const touched = await redis.zrangebyscore(key, since.getTime(), "+inf");
  for (const customerId of touched) await requestCustomerSync({ shop, customerId, delayMs: 0 });
  if (touched.length) log(`${shop}: ${touched.length} customer(s) synced in real time during the Full Sync queued to be synced again`);
}
