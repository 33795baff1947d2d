import { z } from "zod";

/**
 * Every job the app runs: its name, the queue it runs on and its payload schema.
 * Producers (web) and consumers (worker) share these definitions; payloads are validated on both sides.
 * Queues: "webhooks" carries short per-delivery work, "realtime" the per-customer APSIS One writes they lead
 * to, "sync" long runs, so a long send or Full Sync never delays webhook processing or another shop's real-time
 * update (docs/decisions/004-queues-and-worker.md, 014-realtime-sync.md).
 */
export const QUEUE_NAMES = ["webhooks", "realtime", "sync"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const WebhookJobSchema = z.object({
  receiptId: z.string().min(1),
  eventId: z.string().min(1),
  shop: z.string().min(1),
  topic: z.string().min(1),
  apiVersion: z.string(),
  triggeredAt: z.string().nullable(),
  payload: z.unknown(),
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

export const JOBS = {
  "webhooks.process-delivery": { queue: "webhooks", schema: WebhookJobSchema },
  "maintenance.prune-webhook-receipts": { queue: "sync", schema: z.object({}).strict() },
  "adestra.send-profiles": { queue: "sync", schema: AdestraSendProfilesJobSchema },
  "adestra.auto-send": { queue: "sync", schema: AdestraAutoSendJobSchema },
  "apsis.full-sync": { queue: "sync", schema: ApsisFullSyncJobSchema },
  "apsis.sync-customer": { queue: "realtime", schema: ApsisSyncCustomerJobSchema },
  "apsis.redact-profile": { queue: "realtime", schema: ApsisRedactProfileJobSchema },
} as const satisfies Record<string, { queue: QueueName; schema: z.ZodType }>;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]["schema"]>;
