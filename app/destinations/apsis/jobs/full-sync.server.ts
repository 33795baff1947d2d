/**
 * Job `apsis.full-sync` ({ runId }, "sync" queue): one APSIS One Full Sync, everything read from its SyncRun
 * (keyspace, conditions and mappings as saved when it was started). Used by the Full Sync button and
 * `npm run ops -- full-sync <shop>`.
 *
 * The store is read in ascending id order (page by page, or a bulk export above APSIS_BULK_EXPORT_THRESHOLD),
 * and each customer goes through sync/apsis/full-sync-engine.ts: conditions → mapped attributes → consent →
 * skip when unchanged → attributes (v1 PATCH by version id, which creates a missing profile), then consents →
 * ProfileLink + ConsentEvents. Requests go through the client's Redis limiter (100/s per account, 10/s per
 * profile, shared by every worker); a 429 is waited out (Retry-After) without failing anyone.
 *
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
import { UnrecoverableError, WaitingError } from "bullmq";
import type { z } from "zod";
import {
  ApsisApiError,
  ApsisAuthError,
  ApsisMalformedResponseError,
  ApsisRateLimitError,
  ApsisUnavailableError,
} from "../client/errors";
import {
  ShopifyAuthError,
  ShopifyGraphqlError,
  ShopifyMalformedDataError,
  ShopifySessionNotFoundError,
} from "../../../shopify/errors";
import { recordApsisFullSyncAt } from "../../../models/apsis-connection.server";
import { assertShopInvited, ShopNotInvitedError } from "../../../models/shop.server";
import {
  countSyncFailures,
  finishSyncRun,
  getSyncRunCheckpoint,
  getSyncRunForJob,
  recordSyncFailures,
  requeueSyncRun,
  resumeSyncRunAttempt,
  saveSyncRunProgress,
  setSyncRunTotal,
  startSyncRunAttempt,
  type SyncRunCounters,
} from "../../../models/sync-run.server";
import { describeApsisError, openApsisConnection, RECONNECT_MESSAGE } from "../account.server";
import { ApsisMappingOutdatedError, classifyWriteError, profilePorts, sectionPlans } from "../profile-writer.server";
import { realtimeTouchedKey, requestCustomerSync } from "../realtime.server";
import { parseEnv } from "../../../env.server";
import { readStoreCustomers } from "../../../shopify/store-customers.server";
import { getShopifyAdmin } from "../../../shopify/admin.server";
import {
  type FullSyncCounters,
  runFullSync,
} from "../rules/full-sync-engine";
import { profileKeyOf } from "../rules/profile";
import { parseFullSyncCheckpoint, parseFullSyncRunSettings } from "../rules/run-settings";
import { getRedis } from "../../../redis.server";
import type { ApsisFullSyncJobSchema } from "../../../queues/registry";
import type { JobContext } from "../../../queues/worker.server";

/** A failure that ends the run now, with a message for the merchant. */
class RunFailed extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The run was cancelled (disconnected) while it ran. */
class RunCancelled extends Error {}

/** The worker process is shutting down: the run was checkpointed and must continue elsewhere. */
class WorkerShuttingDown extends Error {}

const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * Whether the process was asked to stop while the job runs. Only listens when the process already handles
 * the signal (the worker entry does); otherwise adding a listener would stop the signal from ending it.
 */
function watchShutdown() {
  const state = { requested: false };
  const onSignal = () => {
    state.requested = true;
  };
  const watched = SHUTDOWN_SIGNALS.filter((signal) => process.listenerCount(signal) > 0);
  for (const signal of watched) process.on(signal, onSignal);
  return {
    get requested() {
      return state.requested;
    },
    dispose() {
      for (const signal of watched) process.off(signal, onSignal);
    },
  };
}

export async function apsisFullSyncJob({ runId }: z.infer<typeof ApsisFullSyncJobSchema>, { job, log }: JobContext) {
  const run = await getSyncRunForJob({ runId });
  if (!run) return { outcome: "skipped", reason: "the run no longer exists" };
  if (run.status !== "queued" && run.status !== "running") return { outcome: "skipped", reason: `the run is already ${run.status}` };

  let counters: FullSyncCounters | undefined;
  const shutdown = watchShutdown();
  try {
    const result = await fullSync({ run, log, onCounters: (c) => (counters = c), shutdown });
    return { outcome: "succeeded", ...result };
  } catch (error) {
    if (error instanceof RunCancelled) return { outcome: "cancelled" };
    if (error instanceof WorkerShuttingDown && job.token) {
      await requeueSyncRun({ runId, errorMessage: "Paused while a worker restarted; continuing from where it stopped." });
      await job.moveToWait(job.token);
      log(`run ${runId} paused for the worker's shutdown after ${counters?.seen ?? 0} customers`);
      // Tells BullMQ the job was moved on purpose: no attempt is spent.
      throw new WaitingError();
    }
    const failure = classifyRunError(error, counters);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (failure.final || lastAttempt) {
      await finishSyncRun({ runId, status: "failed", errorCode: failure.code, errorMessage: failure.message, counters: counters && toRow(counters) });
      log(`run ${runId} failed: ${failure.message}`);
      throw failure.final ? new UnrecoverableError(failure.message) : error;
    }
    await requeueSyncRun({ runId, errorMessage: `Interrupted (${failure.message}); continuing shortly from where it stopped.` });
    throw error;
  } finally {
    shutdown.dispose();
  }
}

type RunRow = NonNullable<Awaited<ReturnType<typeof getSyncRunForJob>>>;

async function fullSync({ run, log, onCounters, shutdown }: {
  run: RunRow;
  log: (m: string) => void;
  onCounters: (c: FullSyncCounters) => void;
  shutdown: { readonly requested: boolean };
}) {
  const shop = run.shop.domain;
  try {
    await assertShopInvited({ shop });
  } catch (error) {
    if (error instanceof ShopNotInvitedError) throw new RunFailed("not_invited", `This store is not invited (or has uninstalled the app): ${error.message}`);
    throw error;
  }
  const settings = parseFullSyncRunSettings(run.settings);
  if (!settings) throw new RunFailed("bad_settings", "The Full Sync's settings could not be read; start it again.");
  const opened = await openApsisConnection({ shopId: run.shopId });
  if (!opened) throw new RunFailed("not_connected", "APSIS One is not connected any more: connect it and start the Full Sync again.");
  const { connection, client } = opened;
  if (connection.keyspaceDiscriminator !== settings.keyspace) {
    throw new RunFailed("keyspace_changed", "The APSIS keyspace was changed after this Full Sync was started; start it again.");
  }

  const checkpoint = parseFullSyncCheckpoint(await getSyncRunCheckpoint({ runId: run.id }));
  if (checkpoint) {
    const after = BigInt(checkpoint.afterId);
    await resumeSyncRunAttempt({ runId: run.id, counters: toRow(checkpoint.counters), isAfterCheckpoint: (id) => idAfter(id, after) });
    log(`${shop}: resuming after customer ${checkpoint.afterId} (${checkpoint.counters.seen} customers done)`);
  } else {
    await startSyncRunAttempt({ runId: run.id });
  }
  onCounters(checkpoint?.counters ?? { seen: 0, matched: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 });

  let sections;
  try {
    sections = await sectionPlans({ client, sections: settings.conditions.map((c) => c.section), attributes: settings.attributes, consents: settings.consents });
  } catch (error) {
    if (error instanceof ApsisMappingOutdatedError) throw new RunFailed(error.code, `${error.message} Then start the Full Sync again.`);
    throw error;
  }

  const { graphql } = await getShopifyAdmin({ shop });
  const { total, method, customers } = await readStoreCustomers({ graphql, afterId: checkpoint?.afterId, log, threshold: parseEnv().APSIS_BULK_EXPORT_THRESHOLD });
  await setSyncRunTotal({ runId: run.id, total });
  log(`${shop}: ${total} customers, read ${method === "bulk" ? "by bulk export" : "page by page"}${checkpoint ? ` after ${checkpoint.afterId}` : ""}`);

  const { keyspace } = settings;
  let cancelled = false;
  const result = await runFullSync({
    customers,
    conditions: settings.conditions,
    sections,
    keyspace,
    context: { timeZone: run.shop.ianaTimezone },
    resumeFrom: checkpoint,
    recordedFailures: checkpoint ? await countSyncFailures({ runId: run.id }) : 0,
    ...profilePorts({ shopId: run.shopId, client, keyspace, sections, source: "full_sync" }),
    classifyError: classifyWriteError,
    shouldStop: () => cancelled || shutdown.requested,
    onProgress: async ({ counters, checkpoint: point }) => {
      onCounters(counters);
      const running = await saveSyncRunProgress({ runId: run.id, counters: toRow(counters), checkpoint: point ? JSON.stringify(point) : null });
      if (!running) cancelled = true;
    },
    onFailures: (failures) => recordSyncFailures({ runId: run.id, failures }),
  });
  onCounters(result.counters);
  if (cancelled) throw new RunCancelled();
  if (result.stoppedBy !== undefined) throw result.stoppedBy;
  if (result.halted) throw new WorkerShuttingDown();

  const finishedAt = new Date();
  await finishSyncRun({
    runId: run.id,
    status: "succeeded",
    counters: toRow(result.counters),
    finishedAt,
    alsoInTransaction: (tx) => recordApsisFullSyncAt({ shopId: run.shopId, at: finishedAt }, tx),
  });
  await resyncTouchedDuringRun({ shop, shopId: run.shopId, since: run.queuedAt, log });
  const c = result.counters;
  log(`${shop}: created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, skipped by conditions ${c.skipped}, failed ${c.failed}`);
  return c;
}

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

const toRow = (c: FullSyncCounters): SyncRunCounters => ({ ...c, suppressed: 0 });

/** Whether a customer (GID) lies after the checkpoint in id order. */
const idAfter = (customerId: string, after: bigint) => {
  try {
    return BigInt(profileKeyOf(customerId)) > after;
  } catch {
    return true;
  }
};

const WRITTEN_SO_FAR = (c: FullSyncCounters | undefined) =>
  c ? ` ${c.created + c.updated} profile(s) were written before it stopped; they stay recorded, and the next Full Sync skips them if unchanged.` : "";

/** final: retrying the job cannot help (the merchant or APSIS must act first). */
function classifyRunError(error: unknown, counters: FullSyncCounters | undefined): { final: boolean; code: string; message: string } {
  if (error instanceof RunFailed) return { final: true, code: error.code, message: error.message };
  if (error instanceof ApsisAuthError) return { final: true, code: "apsis_auth", message: RECONNECT_MESSAGE };
  if (error instanceof ApsisUnavailableError || error instanceof ApsisRateLimitError) {
    return { final: false, code: error.status ? `apsis_http_${error.status}` : "apsis_unavailable", message: `${describeApsisError(error)}${WRITTEN_SO_FAR(counters)}` };
  }
  if (error instanceof ApsisMalformedResponseError) return { final: true, code: "apsis_malformed", message: `${describeApsisError(error)}${WRITTEN_SO_FAR(counters)}` };
  if (error instanceof ApsisApiError) {
    return { final: true, code: error.status ? `apsis_http_${error.status}` : "apsis", message: `${describeApsisError(error)}${WRITTEN_SO_FAR(counters)}` };
  }
  if (error instanceof ShopifyAuthError || error instanceof ShopifySessionNotFoundError) {
    return { final: true, code: "shopify_auth", message: "Shopify did not let the app read the store's customers: open the app in Shopify admin again, then start the Full Sync again." };
  }
  if (error instanceof ShopifyMalformedDataError || error instanceof ShopifyGraphqlError) {
    return { final: true, code: "shopify", message: `Reading customers from Shopify failed: ${error.message}` };
  }
  return { final: false, code: "interrupted", message: error instanceof Error ? error.message : String(error) };
}
