import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { JOBS, QUEUE_NAMES, type JobName, type JobPayload, type QueueName } from "./registry";

export type JobContext = { job: Job; log: (message: string) => void };
export type JobHandler<N extends JobName> = (payload: JobPayload<N>, ctx: JobContext) => Promise<unknown>;
export type JobHandlers = { [N in JobName]: JobHandler<N> };

/** Dispatch by job name; a payload that fails its schema is unrecoverable (retrying cannot fix it). */
export function dispatcher(handlers: JobHandlers) {
  return async (job: Job) => {
    const name = job.name as JobName;
    const definition = JOBS[name];
    if (!definition) throw new UnrecoverableError(`unknown job "${job.name}"`);
    const parsed = definition.schema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`invalid payload for ${name}: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
    }
    const handler = handlers[name] as JobHandler<typeof name>;
    return handler(parsed.data as never, { job, log: (m) => void job.log(m) });
  };
}

export type StartWorkersOptions = {
  connection: Redis;
  prefix: string;
  handlers: JobHandlers;
  concurrency: Partial<Record<QueueName, number>>;
  onFailed?: (job: Job | undefined, error: Error) => void;
};

/** One BullMQ Worker per queue, all dispatching through the same typed registry. */
export function startWorkers({ connection, prefix, handlers, concurrency, onFailed }: StartWorkersOptions) {
  const process = dispatcher(handlers);
  const workers = QUEUE_NAMES.map((queue) => {
    const worker = new Worker(queue, process, { connection, prefix, concurrency: concurrency[queue] ?? 1 });
    if (onFailed) worker.on("failed", onFailed);
    return worker;
  });
  return {
    workers,
    /** Stops taking jobs and waits for the running ones to finish. */
    close: () => Promise.all(workers.map((w) => w.close())).then(() => undefined),
  };
}
