import { z } from "zod";
import { WebhookSubjectSchema } from "../shopify/webhook-topics";

/**
 * Every job the app runs: its name, the queue it runs on and its payload schema.
 * Producers (web) and consumers (worker) share these definitions; payloads are validated on both sides.
 * Queues: "webhooks" carries short per-delivery work, "realtime" the per-customer APSIS One writes they lead
 * to, "sync" long runs, so a long send or Full Sync never delays webhook processing or another shop's real-time
 * update (docs/decisions/004-queues-and-worker.md, 014-realtime-sync.md).
 */
export const QUEUE_NAMES = ["webhooks", "realtime", "sync"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/**
 * One webhook delivery to process. `subject` is what the web request took from the verified payload: ids (and
 * an order's purchase data), never the customer's email, phone, name or address (jobs stay in Redis for days;
 * the worker reads the customer fresh from Shopify). Strict, so nothing else can ride along.
 */
export const WebhookJobSchema = z.strictObject({
  receiptId: z.string().min(1),
  eventId: z.string().min(1),
  shop: z.string().min(1),
  topic: z.string().min(1),
  apiVersion: z.string(),
  triggeredAt: z.string().nullable(),
  subject: WebhookSubjectSchema,
});
export type WebhookJob = z.infer<typeof WebhookJobSchema>;

/** One Adestra send: everything it needs is on its SyncRun row (choices, shop). */
export const AdestraSendProfilesJobSchema = z.object({ runId: z.string().min(1) });
/** Fired daily by the shop's job scheduler; starts a send with the saved Auto Send settings. */
export const AdestraAutoSendJobSchema = z.object({ shop: z.string().min(1) });
/** One APSIS One Full Sync: everything it needs is on its SyncRun row (keyspace, conditions, mappings, checkpoint). */
export const ApsisFullSyncJobSchema = z.object({ runId: z.string().min(1) });

/**
 * One customer's APSIS One real-time sync: everything else (the deliveries it answers, pending purchase events)
 * is read when it runs, and the customer is read fresh from Shopify, so a job always writes the latest state.
 */
export const ApsisSyncCustomerJobSchema = z.object({ shop: z.string().min(1), customerId: z.string().regex(/^gid:\/\/shopify\/Customer\/\d+$/) });

/** customers/redact reaching APSIS One: the Sections the app had written the profile to (its links are gone). */
export const ApsisRedactProfileJobSchema = z.object({
  shop: z.string().min(1),
  customerId: z.string().regex(/^gid:\/\/shopify\/Customer\/\d+$/),
  sections: z.array(z.string().min(1)),
});

/**
 * customers/redact reaching Adestra: Adestra's ids of the contact on each list the app put it on (its links are
 * gone). Ids only, never the address: a waiting or retried job holds no personal data.
 */
export const AdestraRedactContactJobSchema = z.object({
  shop: z.string().min(1),
  customerId: z.string().regex(/^gid:\/\/shopify\/Customer\/\d+$/),
  contacts: z.array(z.object({ contactId: z.int().positive(), listId: z.int().positive() })).min(1).max(1000),
});

export const JOBS = {
  "webhooks.process-delivery": { queue: "webhooks", schema: WebhookJobSchema },
  "maintenance.prune-webhook-receipts": { queue: "sync", schema: z.object({}).strict() },
  "adestra.send-profiles": { queue: "sync", schema: AdestraSendProfilesJobSchema },
  "adestra.auto-send": { queue: "sync", schema: AdestraAutoSendJobSchema },
  "apsis.full-sync": { queue: "sync", schema: ApsisFullSyncJobSchema },
  "apsis.sync-customer": { queue: "realtime", schema: ApsisSyncCustomerJobSchema },
  "apsis.redact-profile": { queue: "realtime", schema: ApsisRedactProfileJobSchema },
  "adestra.redact-contact": { queue: "realtime", schema: AdestraRedactContactJobSchema },
} as const satisfies Record<string, { queue: QueueName; schema: z.ZodType }>;

export type JobName = keyof typeof JOBS;

/** The jobs that carry a redaction to a destination: retried for long, and kept when the customer's other jobs are purged. */
export const REDACTION_JOBS: ReadonlySet<string> = new Set(["apsis.redact-profile", "adestra.redact-contact"] satisfies JobName[]);
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]["schema"]>;
