import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUE_NAMES, type JobEntry, type QueueName } from "./registry";


/** Dispatch by job name; a payload that fails its schema is unrecoverable (retrying cannot fix it). */
export function dispatcher(entries: readonly JobEntry[]) {
  const byName = new Map<string, JobEntry>();
  for (const entry of entries) {
    if (byName.has(entry.job.name)) throw new Error(`job "${entry.job.name}" has two handlers`);
    byName.set(entry.job.name, entry);
  }
  return async (job: Job) => {
    const entry = byName.get(job.name);
    if (!entry) throw new UnrecoverableError(`unknown job "${job.name}"`);
    const parsed = entry.job.schema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`invalid payload for ${job.name}: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
    }
    return entry.run(parsed.data as never, { job, log: (m) => void job.log(m) });
  };
}

export type StartWorkersOptions = {
  connection: Redis;
  prefix: string;
  /** Every job the app runs (app/jobs/handlers.server.ts). */
  handlers: readonly JobEntry[];
  concurrency: Partial<Record<QueueName, number>>;
  onFailed?: (job: Job | undefined, error: Error) => void;
};

/**
 * How many times a job may be found stalled (its worker died holding it) before BullMQ fails it; BullMQ's
 * default is 1, so a second crash during one run abandoned it. Every job here can run again safely (runs
 * resume from their checkpoint, real-time jobs read the customer fresh, deliveries are deduplicated by their
 * receipt), so a job is failed only when it looks like the cause of the crashes (docs/decisions/020-runs-survive-crashes.md).
 */
export const MAX_STALLED_COUNT = 20;

/** One BullMQ Worker per queue, all dispatching through the same job table. */
export function startWorkers({ connection, prefix, handlers, concurrency, onFailed }: StartWorkersOptions) {
  const process = dispatcher(handlers);
  const workers = QUEUE_NAMES.map((queue) => {
    const worker = new Worker(queue, process, { connection, prefix, concurrency: concurrency[queue] ?? 1, maxStalledCount: MAX_STALLED_COUNT });
    if (onFailed) worker.on("failed", onFailed);
    return worker;
  });
  return {
    workers,
    /** Stops taking jobs and waits for the running ones to finish. */
    close: () => Promise.all(workers.map((w) => w.close())).then(() => undefined),
  };
}
