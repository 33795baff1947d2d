/**
 * THE run job, written once for every destination: a BullMQ job ({ runId }, "sync" queue) that carries one
 * SyncRun from queued to succeeded, failed or cancelled. A destination gives what is its own (`RunJob`: read
 * its settings and connection, execute the attempt on the batch engine, say how its errors read); this file
 * does what every run does:
 *
 *  - the gate: a finished or missing run does nothing; a shop that is not invited fails the run (final).
 *  - resume: an attempt continues after the run's checkpoint (BullMQ's retry after an error, the stalled-job
 *    recovery after a worker died), with the counters saved at it; the failures of customers after it are
 *    removed (they are tried again). Without a checkpoint the attempt starts from zero.
 *  - progress: the engine's counters and checkpoint saved on the row; a run no longer running (cancelled by a
 *    disconnect) stops the engine at its next save.
 *  - one attempt at a time: each attempt takes the run's lease (RunLease, a number raised as it starts) and writes
 *    to the run only under it. BullMQ can hand a job whose lock it thinks lost to a second worker while the first
 *    still runs; the first attempt's next write then finds a newer lease and it stops, writing nothing more.
 *  - the worker shutting down (SIGTERM/SIGINT, when the process handles them): no new write starts, the writes
 *    in flight land, the checkpoint is saved, and the job goes back to the queue without spending an attempt.
 *  - classify: RunFailed, the destination's own errors, Shopify's refusals are final (UnrecoverableError);
 *    anything else is retried with backoff (the run back to "queued" saying why), and fails with the reason
 *    after the last attempt. What was written stays recorded.
 *  - finish: succeeded with the final counters, and the destination's own record (e.g. "last send") in the
 *    same transaction.
 */
import { parseJsonAs } from "../utils/parse-json";
import { UnrecoverableError, WaitingError } from "bullmq";
import { z } from "zod";
import type { Tx } from "../db.server";
import { zeroRunCounters } from "../models/run-counters";
import { resolveShopContext, ShopNotInvitedError } from "../models/shop.server";
import {
  AttemptSuperseded,
  countSyncFailures,
  finishSyncRun,
  getSyncRunCheckpoint,
  getSyncRunForJob,
  recordSyncFailures,
  requeueSyncRun,
  resumeSyncRunAttempt,
  saveSyncRunProgress,
  startSyncRunAttempt,
  type RunLease,
  type RunWriter,
} from "../models/sync-run.server";
import type { JobContext } from "../queues/registry";
import { endOutage, outageBudgetInWords, readOutage, waitOutOutage } from "../queues/outage.server";
import { ShopifyAuthError, ShopifyGraphqlError, ShopifyMalformedDataError, ShopifySessionNotFoundError } from "../shopify/errors";
import type { BatchEngineResult, CounterSet, EngineOptions, RunCheckpoint } from "./batch-engine";

/** A failure that ends the run now, with a message for the merchant. */
export class RunFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * How a run's error reads: final — retrying the job cannot help (the merchant or the destination must act
 * first); outage — the destination does not answer: the run waits it out (app/queues/outage.server.ts).
 */
export type RunError = { final: boolean; outage?: boolean; code: string; message: string };

export type RunRow = NonNullable<Awaited<ReturnType<typeof getSyncRunForJob>>>;

/** What an attempt hands its engine: where to start, and the ports every run saves its progress through. */
export type RunAttempt<C extends CounterSet> = {
  run: RunRow;
  /** This attempt's hold on the run: every write to the run row goes with it. */
  lease: RunLease;
  log: (message: string) => void;
  /** The checkpoint this attempt continues after (null: from the first customer). */
  resumeFrom: RunCheckpoint<C> | null;
  ports: Pick<EngineOptions<C>, "onProgress" | "onFailures" | "shouldStop" | "resumeFrom" | "recordedFailures">;
};

export type RunJob<C extends CounterSet, Prepared> = {
  /** What the merchant does to start another ("send again", "start the Full Sync again"). */
  startAgain: string;
  zero: () => C;
  /** Before the attempt starts: the run's settings and the destination's connection; throws RunFailed. */
  prepare: (run: RunRow, log: (message: string) => void) => Promise<Prepared>;
  /** The attempt: the destination's own checks, the store's customers after `resumeFrom`, the engine. */
  execute: (prepared: Prepared, attempt: RunAttempt<C>) => Promise<BatchEngineResult<C>>;
  /** The destination's errors as the merchant should read them (null: not the destination's). */
  describeError: (error: unknown, counters: C | undefined) => RunError | null;
  /** Written in the transaction that marks the run succeeded. */
  recordSuccess: (prepared: Prepared, run: RunRow, finishedAt: Date, tx: Tx) => Promise<unknown>;
  /** After the run succeeded (e.g. follow-up jobs). */
  afterSuccess?: (prepared: Prepared, run: RunRow, log: (message: string) => void) => Promise<void>;
  /** The log line of a finished run. */
  summary: (counters: C) => string;
};

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

/** The row's counters from a destination's (the columns it does not use stay 0). */
const toRow = <C extends CounterSet>(counters: C) => ({ ...zeroRunCounters(), ...counters });

/** The run's checkpoint, when it has one in this destination's counters. */
function parseCheckpoint<C extends CounterSet>(json: string | null, zero: () => C): RunCheckpoint<C> | null {
  if (!json) return null;
  const Count = z.number().int().nonnegative();
  const keys = Object.keys(zero());
  const NumericId = z.string().regex(/^\d+$/);
  const schema = z.object({
    afterId: NumericId,
    counters: z.strictObject(Object.fromEntries(keys.map((key) => [key, Count]))),
    // At most the two batches the kernel holds; bounded well above that.
    ahead: z.array(z.object({ id: NumericId, counts: z.strictObject(Object.fromEntries(keys.map((key) => [key, Count.optional()]))) })).max(100_000).optional(),
  });
  return parseJsonAs(schema, json) as RunCheckpoint<C> | null;
}

/** Whether a customer (GID) is still to be done after the checkpoint: after it in id order and not finished ahead of it. */
function isAfter(customerId: string, checkpoint: RunCheckpoint<CounterSet>) {
  const tail = customerId.slice(customerId.lastIndexOf("/") + 1);
  if (!/^\d+$/.test(tail)) return true;
  return BigInt(tail) > BigInt(checkpoint.afterId) && !checkpoint.ahead?.some((a) => a.id === tail);
}

export function runJob<C extends CounterSet, Prepared>(definition: RunJob<C, Prepared>) {
  return async function handle({ runId }: { runId: string }, { job, log }: JobContext) {
    const run = await getSyncRunForJob({ runId });
    if (!run) return { outcome: "skipped", reason: "the run no longer exists" };
    if (run.status !== "queued" && run.status !== "running") return { outcome: "skipped", reason: `the run is already ${run.status}` };

    const scope = { destination: run.destination, shopId: run.shopId };
    let counters: C | undefined;
    // The run by its id until this attempt holds its lease (a failure before that, e.g. in `prepare`).
    let writer: RunWriter = { runId };
    const shutdown = watchShutdown();
    try {
      const result = await attemptRun(definition, { run, log, shutdown, onCounters: (c) => (counters = c), onLease: (lease) => (writer = lease) });
      return { outcome: "succeeded", ...result };
    } catch (error) {
      if (error instanceof RunCancelled) return { outcome: "cancelled" };
      try {
        return await settleFailedAttempt(error);
      } catch (settled) {
        // Superseded while running or while settling: the newer attempt owns the run, nothing more is written.
        if (!(settled instanceof AttemptSuperseded)) throw settled;
        log(`run ${runId}: a newer attempt of this job took the run over (this one's lock was lost); this attempt stopped`);
        return { outcome: "superseded" };
      }
    } finally {
      shutdown.dispose();
    }

    /** The attempt ended in an error: requeued, waiting out an outage, or failed. Every branch throws. */
    async function settleFailedAttempt(error: unknown): Promise<never> {
      if (error instanceof AttemptSuperseded) throw error;
      if (error instanceof WorkerShuttingDown && job.token) {
        await requeueSyncRun({ run: writer, errorMessage: "Paused while a worker restarted; continuing from where it stopped." });
        await job.moveToWait(job.token);
        log(`run ${runId} paused for the worker's shutdown after ${counters?.seen ?? 0} customers`);
        // Tells BullMQ the job was moved on purpose: no attempt is spent.
        throw new WaitingError();
      }
      const failure = classifyRunError(definition, error, counters);
      if (failure.outage) {
        // Waits (throws WaitingOutOutage) until the outage is older than its budget; then fails, saying so.
        const { outage } = await waitOutOutage(job, scope, failure.message, {
          beforeWait: () =>
            requeueSyncRun({
              run: writer,
              errorMessage: `Waiting: ${failure.message} The run goes on by itself from where it stopped as soon as it answers (tried again every few minutes, for up to ${outageBudgetInWords()}).`,
            }),
        });
        const message = `${failure.message} It did not answer for ${outageBudgetInWords()} (since ${outage.since.toISOString().slice(0, 16).replace("T", " ")} UTC); ${definition.startAgain} when it is back.`;
        await finishSyncRun({ run: writer, status: "failed", errorCode: failure.code, errorMessage: message, counters: counters && toRow(counters) });
        log(`run ${runId} failed: ${message}`);
        throw new UnrecoverableError(message);
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (failure.final || lastAttempt) {
        await finishSyncRun({ run: writer, status: "failed", errorCode: failure.code, errorMessage: failure.message, counters: counters && toRow(counters) });
        log(`run ${runId} failed: ${failure.message}`);
        throw failure.final ? new UnrecoverableError(failure.message) : error;
      }
      await requeueSyncRun({ run: writer, errorMessage: `Interrupted (${failure.message}); continuing shortly from where it stopped.` });
      throw error;
    }
  };
}

async function attemptRun<C extends CounterSet, Prepared>(
  definition: RunJob<C, Prepared>,
  { run, log, shutdown, onCounters, onLease }: {
    run: RunRow;
    log: (m: string) => void;
    shutdown: { readonly requested: boolean };
    onCounters: (c: C) => void;
    onLease: (lease: RunLease) => void;
  },
) {
  try {
    await resolveShopContext({ shop: run.shop.domain });
  } catch (error) {
    if (error instanceof ShopNotInvitedError) throw new RunFailed("not_invited", `This store is not invited (or has uninstalled the app): ${error.message}`);
    throw error;
  }
  const prepared = await definition.prepare(run, log);

  const checkpoint = parseCheckpoint(await getSyncRunCheckpoint({ runId: run.id }), definition.zero);
  const lease = checkpoint
    ? await resumeSyncRunAttempt({ runId: run.id, counters: toRow(checkpoint.counters), isAfterCheckpoint: (id) => isAfter(id, checkpoint) })
    : await startSyncRunAttempt({ runId: run.id });
  onLease(lease);
  if (checkpoint) log(`${run.shop.domain}: resuming after customer ${checkpoint.afterId} (${checkpoint.counters.seen} customers done)`);
  onCounters(checkpoint?.counters ?? definition.zero());
  const outageScope = { destination: run.destination, shopId: run.shopId };
  let outageRecorded = (await readOutage(outageScope)) !== null;

  let cancelled = false;
  const result = await definition.execute(prepared, {
    run,
    lease,
    log,
    resumeFrom: checkpoint,
    ports: {
      resumeFrom: checkpoint,
      recordedFailures: checkpoint ? await countSyncFailures({ runId: run.id }) : 0,
      shouldStop: () => cancelled || shutdown.requested,
      onProgress: async ({ counters, checkpoint: point }) => {
        onCounters(counters);
        if (outageRecorded) {
          // The destination answers again: the outage this attempt started in is over.
          await endOutage(outageScope);
          outageRecorded = false;
        }
        const running = await saveSyncRunProgress({ lease, counters: toRow(counters), checkpoint: point ? JSON.stringify(point) : null });
        if (!running) cancelled = true;
      },
      onFailures: (failures) => recordSyncFailures({ lease, failures }),
    },
  });
  onCounters(result.counters);
  if (cancelled) throw new RunCancelled();
  if (result.stoppedBy !== undefined) throw result.stoppedBy;
  if (result.halted) throw new WorkerShuttingDown();

  const finishedAt = new Date();
  await finishSyncRun({
    run: lease,
    status: "succeeded",
    counters: toRow(result.counters),
    finishedAt,
    alsoInTransaction: (tx) => definition.recordSuccess(prepared, run, finishedAt, tx),
  });
  await definition.afterSuccess?.(prepared, run, log);
  log(`${run.shop.domain}: ${definition.summary(result.counters)}`);
  return result.counters;
}

function classifyRunError<C extends CounterSet>(definition: Pick<RunJob<C, never>, "describeError" | "startAgain">, error: unknown, counters: C | undefined): RunError {
  if (error instanceof RunFailed) return { final: true, code: error.code, message: error.message };
  const own = definition.describeError(error, counters);
  if (own) return own;
  if (error instanceof ShopifyAuthError || error instanceof ShopifySessionNotFoundError) {
    return { final: true, code: "shopify_auth", message: `Shopify did not let the app read the store's customers: open the app in Shopify admin again, then ${definition.startAgain}.` };
  }
  if (error instanceof ShopifyMalformedDataError || error instanceof ShopifyGraphqlError) {
    return { final: true, code: "shopify", message: `Reading customers from Shopify failed: ${error.message}` };
  }
  return { final: false, code: "interrupted", message: error instanceof Error ? error.message : String(error) };
}

/** A run's settings that could not be read: the run fails, saying so. */
export const unreadableSettings = (noun: string) => new RunFailed("bad_settings", `The ${noun}'s settings could not be read; start it again.`);
