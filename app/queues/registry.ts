import type { Job, JobsOptions } from "bullmq";
import { z } from "zod";
import { WebhookSubjectSchema } from "../shopify/webhook-topics";

/**
 * What a job is: its name, the queue it runs on and its payload schema, declared once with `defineJob` where
 * the job belongs (the platform's own here; each destination's in its folder, `jobs/definitions.ts`).
 * Producers (web) and consumers (worker) share the definition; payloads are validated on both sides.
 * Queues: "webhooks" carries short per-delivery work, "realtime" the per-customer destination writes they lead
 * to, "sync" long runs, so a long send or Full Sync never delays webhook processing or another shop's real-time
 * update (docs/decisions/004-queues-and-worker.md, 014-realtime-sync.md).
 */
export const QUEUE_NAMES = ["webhooks", "realtime", "sync"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export type JobDefinition<S extends z.ZodType = z.ZodType> = {
  name: string;
  queue: QueueName;
  schema: S;
  /**
   * Carries a redaction to a destination (ids only): retried for about a day and a half while it is down, and
   * kept when the customer's other jobs are purged (services/compliance-redis.server.ts).
   */
  redaction?: boolean;
  /** Retention chosen by the payload (a webhook delivery of a redaction is erased once done). */
  retention?: (payload: z.infer<S>) => JobsOptions;
};

export const defineJob = <S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> => definition;

export type JobPayload<J extends JobDefinition> = z.infer<J["schema"]>;

export type JobContext = { job: Job; log: (message: string) => void };

/** A job definition and the function that runs it: what the worker is given, one per job. */
export type JobEntry = { job: JobDefinition; run: (payload: never, ctx: JobContext) => Promise<unknown> };

/** Pairs a definition with its handler, typed by the definition's schema. */
export const handles = <S extends z.ZodType>(job: JobDefinition<S>, run: (payload: z.infer<S>, ctx: JobContext) => Promise<unknown>): JobEntry => ({ job, run });

/**
 * Job records kept after their work, by what they may hold: a webhook delivery keeps the default day (its id,
 * from the event id, is what makes a redelivery a no-op), but a redaction's own delivery exists to erase the
 * shop or customer it names, and its receipt already dedupes a redelivery.
 */
const ERASE_ON_COMPLETE = new Set(["customers/redact", "shop/redact"]);

/**
 * One webhook delivery to process (app/jobs/process-webhook-delivery.server.ts). `subject` is what the web
 * request took from the verified payload: ids (and an order's purchase data), never the customer's email,
 * phone, name or address (jobs stay in Redis for days; the worker reads the customer fresh from Shopify).
 * Strict, so nothing else can ride along.
 */
export const WEBHOOK_DELIVERY_JOB = defineJob({
  name: "webhooks.process-delivery",
  queue: "webhooks",
  schema: z.strictObject({
    receiptId: z.string().min(1),
    eventId: z.string().min(1),
    shop: z.string().min(1),
    topic: z.string().min(1),
    apiVersion: z.string(),
    triggeredAt: z.string().nullable(),
    subject: WebhookSubjectSchema,
  }),
  retention: ({ topic }) => (ERASE_ON_COMPLETE.has(topic) ? { removeOnComplete: true } : {}),
});
export type WebhookJob = JobPayload<typeof WEBHOOK_DELIVERY_JOB>;

/**
 * Every minute: runs whose job is gone are queued again or marked failed (app/jobs/recover-runs.server.ts). On
 * the webhooks queue, whose short jobs never hold it up for long (the sync queue may be busy with the very runs
 * it checks).
 */
export const RECOVER_RUNS_JOB = defineJob({ name: "maintenance.recover-runs", queue: "webhooks", schema: z.object({}).strict() });

/** Daily: old webhook receipts are pruned (app/jobs/prune-webhook-receipts.server.ts). */
export const PRUNE_RECEIPTS_JOB = defineJob({ name: "maintenance.prune-webhook-receipts", queue: "sync", schema: z.object({}).strict() });
