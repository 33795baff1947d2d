import { Queue, type JobsOptions } from "bullmq";
import { parseEnv } from "../env.server";
import type { JobDefinition, JobPayload, QueueName } from "./registry";
import { getRedis } from "../redis.server";

declare global {
  // eslint-disable-next-line no-var
  var __queues: Map<QueueName, Queue> | undefined;
}

export function getQueue(name: QueueName): Queue {
  globalThis.__queues ??= new Map();
  let queue = globalThis.__queues.get(name);
  if (!queue) {
    queue = new Queue(name, { connection: getRedis(), prefix: parseEnv().REDIS_PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS });
    globalThis.__queues.set(name, queue);
  }
  return queue;
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 2_000 },
  // Completed jobs stay a day so an id derived from a webhook event id keeps deduplicating redeliveries.
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Per-customer real-time jobs are deduplicated by id, not by their record, and their failure reasons may quote
 * what the destination refused: nothing of them is kept once done, and a failure only for a day (the reason is
 * on the receipts). Webhook deliveries keep the default day unless their definition says otherwise.
 */
const PER_CUSTOMER_RETENTION: JobsOptions = { removeOnComplete: true, removeOnFail: { age: 24 * 3600 } };

function retentionOf<J extends JobDefinition>(job: J, data: JobPayload<J>): JobsOptions {
  if (job.retention) return job.retention(data);
  if (job.queue === "realtime") return PER_CUSTOMER_RETENTION;
  return {};
}

/** A redaction keeps trying for about a day and a half while its destination is down (backoff 2 s, doubling). */
const REDACTION_ATTEMPTS = 16;

export type EnqueueOptions = {
  /** A stable id: adding a job whose id exists is a no-op. Never contains ":". */
  jobId?: string;
  /** BullMQ deduplication: ignored while a job with this id is still incomplete. */
  dedupeId?: string;
  /**
   * With dedupeId: an add while the job is already running is not dropped but starts one more run after it
   * (BullMQ's keepLastIfActive), so jobs with the same id never run in parallel and none is lost.
   */
  rerunIfActive?: boolean;
  delay?: number;
  priority?: number;
};

export async function enqueue<J extends JobDefinition>(job: J, payload: JobPayload<J>, options: EnqueueOptions = {}) {
  const data = job.schema.parse(payload) as JobPayload<J>;
  if (options.jobId?.includes(":")) throw new Error(`job id must not contain ":" (${options.jobId})`);
  return getQueue(job.queue).add(job.name, data, {
    jobId: options.jobId,
    deduplication: options.dedupeId ? { id: options.dedupeId, keepLastIfActive: options.rerunIfActive } : undefined,
    delay: options.delay,
    priority: options.priority,
    ...retentionOf(job, data),
    ...(job.redaction ? { attempts: REDACTION_ATTEMPTS } : {}),
  });
}

export async function closeQueues() {
  for (const queue of globalThis.__queues?.values() ?? []) await queue.close();
  globalThis.__queues = undefined;
}
