import type { ShopifyCustomer } from "../shopify/customer";

/**
 * THE loop every run goes through, whatever its destination: customers in (ascending id), a destination's
 * plan and writes in the middle, counters, failures and a checkpoint out. A destination says what to do with
 * a batch of customers (`plan`: count the ones that need no write, return the writes the rest need) and how
 * to do one write (`write`); the engine does the rest, the same way for every destination:
 *
 * - Memory is constant: customers are taken `batchSize` at a time, the next batch read while the current one
 *   is written (two batches in memory at most), with at most `concurrency` writes in flight (the lanes).
 * - A customer is finished when its plan needed no write, or its write ended (done, or failed and recorded).
 *   Its counts are added when it finishes, so the counters never say what did not happen.
 * - A destination call that fails is wrapped by `attempt(what, call)`; the destination's `classifyError` says
 *   "record" (this customer failed with the destination's reason, the run goes on) or "stop" (nothing more can
 *   be written: writes in flight land and are recorded, no new write starts, the result carries the error).
 *   Any other error (the database) stops new writes, lets the others land, saves progress and is rethrown.
 * - Failures are kept up to `maxRecordedFailures` per run; the counts stay exact beyond it.
 * - Progress (the live counters, new failures, and the checkpoint when it moved) is flushed at most every
 *   `progressEveryRecords` writes or `progressEveryMs`, one flush at a time, failures before the checkpoint
 *   that covers them.
 * - Resumable: the checkpoint is the id of the last customer such that it and every customer before it are
 *   finished, with the counters as they stood at that point, and (`ahead`) the customers after it already
 *   finished (the lanes finish out of order) with what each counted. A run resumed from it (`resumeFrom`, the
 *   customers read after `afterId`) continues both exactly: a customer in `ahead` is counted as it was, not
 *   planned or written again. Only customers finished after the last progress flush before a crash (a killed
 *   worker) are read again and found unchanged by the destination's own record of what it wrote. If the source
 *   ever yields ids out of order the checkpoint stops moving.
 * - `shouldStop` (cancelled, worker shutting down) stops like a "stop" verdict without an error; the result
 *   says `halted` when customers remain.
 */

/**
 * How a run treats one customer's failed write: "record" — this customer failed, carry on; "stop" — nothing
 * more can be written (the run's result carries the error).
 */
export type ErrorVerdict = { kind: "record"; reason: string; response: string | null } | { kind: "stop" };

/** Failures kept per run for the merchant to read; the counts stay exact beyond it. */
export const MAX_RECORDED_FAILURES = 1000;

/** What every run's counters have; a destination's counters may have more (app/models/run-counters.ts). */
export type CounterSet = { seen: number; failed: number };

export type RunFailure = { customerId: string; email: string | null; reason: string; response: string | null };

/** A customer finished after the checkpoint's `afterId` (numeric id) with what it counted. */
export type FinishedAhead<C extends CounterSet> = { id: string; counts: Partial<Record<keyof C, number>> };

export type RunCheckpoint<C extends CounterSet> = { afterId: string; counters: C; ahead?: FinishedAhead<C>[] };

/** A destination call that failed, with what was being written (the start of the customer's failure reason). */
export class WriteFailed extends Error {
  constructor(
    readonly what: string,
    readonly failure: unknown,
  ) {
    super(what);
  }
}

/** Runs one destination call; its error becomes a WriteFailed saying `what` failed. */
export async function attempt<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new WriteFailed(what, error);
  }
}

/** One customer in a run: what the destination counts for it, and its failure. */
export type CustomerTally<C extends CounterSet> = {
  readonly customer: ShopifyCustomer;
  count(counter: keyof C): void;
  /** This customer failed (counted, and recorded up to the run's cap). */
  fail(reason: string, response: string | null): void;
};

export type BatchEngineOptions<C extends CounterSet, W> = {
  customers: AsyncIterable<ShopifyCustomer>;
  zero: () => C;
  /** Decides a batch: counts what needs no write, returns the writes the others need. */
  plan: (batch: readonly CustomerTally<C>[]) => Promise<{ tally: CustomerTally<C>; work: W }[]>;
  /** One customer's writes; a destination call's failure is thrown as a WriteFailed (`attempt`). */
  write: (work: W, tally: CustomerTally<C>) => Promise<void>;
  classifyError: (error: unknown) => ErrorVerdict;
  /** Live counters, and the checkpoint when it moved (null: unchanged or not available). */
  onProgress: (progress: { counters: C; checkpoint: RunCheckpoint<C> | null }) => Promise<void>;
  onFailures: (failures: RunFailure[]) => Promise<void>;
  /** Asked before each write: true stops the run like a "stop" verdict does, with no error. */
  shouldStop?: () => boolean;
  /** Resuming: the counters at the checkpoint the customers start after. */
  resumeFrom?: RunCheckpoint<C> | null;
  /** Failures already recorded for this run (resuming), counted against maxRecordedFailures. */
  recordedFailures?: number;
  concurrency: number;
  batchSize: number;
  progressEveryRecords?: number;
  progressEveryMs?: number;
  maxRecordedFailures?: number;
  now?: () => number;
};

export type BatchEngineResult<C extends CounterSet> = {
  counters: C;
  checkpoint: RunCheckpoint<C> | null;
  /** The destination answered something that stops the run (the error). */
  stoppedBy?: unknown;
  /** shouldStop cut the run short: customers remain after the checkpoint. */
  halted?: boolean;
};

/** What a destination's engine takes from its job: the customers, the ports and the tuning (plan and write are its own). */
export type EngineOptions<C extends CounterSet> = Omit<BatchEngineOptions<C, never>, "zero" | "plan" | "write" | "concurrency" | "batchSize"> & {
  concurrency?: number;
  batchSize?: number;
};

type Item<C extends CounterSet> = CustomerTally<C> & { idNum: bigint | null; delta: Partial<Record<keyof C, number>>; finished: boolean };

/** The numeric id of a Shopify GID (null when it has none). */
function idNumberOf(gid: string): bigint | null {
  const tail = gid.slice(gid.lastIndexOf("/") + 1);
  return /^\d+$/.test(tail) ? BigInt(tail) : null;
}

function addTo<C extends CounterSet>(counters: C, delta: Partial<Record<keyof C, number>>) {
  const target = counters as Record<keyof C, number>;
  for (const key of Object.keys(delta) as (keyof C)[]) target[key] += delta[key] ?? 0;
}

export async function runBatches<C extends CounterSet, W>(options: BatchEngineOptions<C, W>): Promise<BatchEngineResult<C>> {
  const {
    customers,
    zero,
    plan,
    write,
    classifyError,
    onProgress,
    onFailures,
    shouldStop = () => false,
    resumeFrom = null,
    concurrency,
    batchSize,
    progressEveryRecords = 100,
    progressEveryMs = 1000,
    maxRecordedFailures = MAX_RECORDED_FAILURES,
    now = Date.now,
  } = options;

  // Live counters (what the page shows) and committed ones (every customer up to the checkpoint, exactly).
  const counters: C = resumeFrom ? { ...resumeFrom.counters } : zero();
  const committed: C = { ...counters };
  let checkpoint: RunCheckpoint<C> | null = resumeFrom && { afterId: resumeFrom.afterId, counters: resumeFrom.counters };
  let checkpointMoved = false;
  /** Customers the resumed attempt finished already (after its checkpoint): counted as they were, not written. */
  const finishedBefore = new Map((resumeFrom?.ahead ?? []).map((a) => [a.id, a.counts]));
  let ordered = true;
  let lastIdNum: bigint | null = resumeFrom ? BigInt(resumeFrom.afterId) : null;

  let recordedFailures = options.recordedFailures ?? 0;
  let pendingFailures: RunFailure[] = [];
  let stop: { error: unknown } | null = null;
  let crash: { error: unknown } | null = null;

  let sinceFlush = 0;
  let lastFlushAt = now();
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    sinceFlush = 0;
    lastFlushAt = now();
    const snapshot = { ...counters };
    const point = checkpointMoved ? pointNow() : null;
    checkpointMoved = false;
    const failures = pendingFailures;
    pendingFailures = [];
    // Failures first, then the checkpoint that covers them: a resume never loses a failure before it.
    flushing = flushing.then(async () => {
      if (failures.length) await onFailures(failures);
      await onProgress({ counters: snapshot, checkpoint: point });
    });
    return flushing;
  };
  const tick = async () => {
    sinceFlush += 1;
    if (sinceFlush >= progressEveryRecords || now() - lastFlushAt >= progressEveryMs) await flush();
  };

  // The customers not yet behind the checkpoint, in stream order.
  let window: Item<C>[] = [];
  /** The checkpoint with the customers finished after it; before any is behind it, "after 0" (every id is > 0). */
  const pointNow = (): RunCheckpoint<C> | null => {
    if (!ordered) return checkpoint && { afterId: checkpoint.afterId, counters: { ...checkpoint.counters } };
    const ahead = window.filter((item) => item.finished && item.idNum !== null).map((item) => ({ id: item.idNum!.toString(), counts: { ...item.delta } }));
    const base = checkpoint ?? (ahead.length ? { afterId: "0", counters: { ...committed } } : null);
    return base && { afterId: base.afterId, counters: { ...base.counters }, ...(ahead.length ? { ahead } : {}) };
  };
  const advance = () => {
    let n = 0;
    while (n < window.length && window[n].finished) {
      addTo(committed, window[n].delta);
      n += 1;
    }
    if (!n) return;
    const last = window[n - 1];
    window = window.slice(n);
    if (ordered && last.idNum !== null) {
      checkpoint = { afterId: last.idNum.toString(), counters: { ...committed } };
      checkpointMoved = true;
    }
  };
  const finish = (item: Item<C>) => {
    item.finished = true;
    addTo(counters, item.delta);
    advance();
    // Finished ahead of the checkpoint: the next flush saves it too.
    if (window.includes(item)) checkpointMoved = true;
  };

  const itemOf = (customer: ShopifyCustomer): Item<C> => {
    const idNum = idNumberOf(customer.id);
    if (idNum === null || (lastIdNum !== null && idNum <= lastIdNum)) ordered = false;
    if (idNum !== null) lastIdNum = idNum;
    const item: Item<C> = {
      customer,
      idNum,
      delta: {},
      finished: false,
      count: (counter) => {
        item.delta[counter] = (item.delta[counter] ?? 0) + 1;
      },
      fail: (reason, response) => {
        item.count("failed");
        if (recordedFailures < maxRecordedFailures) {
          recordedFailures += 1;
          pendingFailures.push({ customerId: customer.id, email: customer.email, reason, response });
        }
      },
    };
    return item;
  };

  const halted = () => stop !== null || shouldStop();

  const writeOne = async (item: Item<C>, work: W) => {
    if (halted()) return;
    try {
      await write(work, item);
    } catch (error) {
      if (!(error instanceof WriteFailed)) throw error;
      const verdict = classifyError(error.failure);
      if (verdict.kind === "stop") {
        stop ??= { error: error.failure };
        // Left unfinished (before the checkpoint); what it did write is counted live.
        addTo(counters, item.delta);
        item.delta = {};
        return;
      }
      item.fail(`${error.what}: ${verdict.reason}`, verdict.response);
    }
    finish(item);
    await tick();
  };

  const writeBatch = async (batch: ShopifyCustomer[]) => {
    const items = batch.map(itemOf);
    window.push(...items);
    for (const item of items) {
      const counts = item.idNum !== null ? finishedBefore.get(item.idNum.toString()) : undefined;
      if (!counts) continue;
      item.delta = { ...counts };
      finish(item);
    }
    const planned = await plan(items.filter((item) => !item.finished));
    const writing = new Set(planned.map((p) => p.tally));
    for (const item of items) if (!writing.has(item) && !item.finished) finish(item);
    let next = 0;
    const lanes = Array.from({ length: Math.min(concurrency, planned.length) }, async () => {
      while (!halted() && !crash && next < planned.length) {
        const { tally, work } = planned[next++];
        try {
          await writeOne(tally as Item<C>, work);
        } catch (error) {
          // Not a destination's answer (e.g. the database): stop starting writes, let the others land, rethrow.
          crash ??= { error };
        }
      }
    });
    await Promise.all(lanes);
    if (crash) {
      await flush();
      throw (crash as { error: unknown }).error;
    }
    if (now() - lastFlushAt >= progressEveryMs || sinceFlush >= progressEveryRecords) await flush();
  };

  const source = customers[Symbol.asyncIterator]();
  let exhausted = false;
  const readBatch = async () => {
    const batch: ShopifyCustomer[] = [];
    while (!exhausted && batch.length < batchSize) {
      const next = await source.next();
      if (next.done) exhausted = true;
      else batch.push(next.value);
    }
    return batch;
  };
  try {
    let reading = readBatch();
    for (;;) {
      const batch = await reading;
      if (!batch.length) break;
      reading = exhausted ? Promise.resolve([]) : readBatch();
      // A failed read-ahead surfaces when awaited, not as an unhandled rejection meanwhile.
      reading.catch(() => {});
      await writeBatch(batch);
      if (halted()) {
        await reading.catch(() => {});
        break;
      }
    }
  } finally {
    // Stopped early: let the source close (e.g. the bulk export download).
    if (!exhausted) await source.return?.();
  }
  await flush();
  const result: BatchEngineResult<C> = { counters, checkpoint: pointNow() };
  if (stop) return { ...result, stoppedBy: (stop as { error: unknown }).error };
  if (shouldStop() && !(exhausted && window.length === 0)) return { ...result, halted: true };
  return result;
}
