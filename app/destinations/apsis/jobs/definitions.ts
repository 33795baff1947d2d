import { z } from "zod";
import { defineJob } from "../../../queues/registry";
import type { RunKind } from "../../../runs/run-kind";
import { CustomerGidSchema } from "../../../shopify/webhook-topics";

/** APSIS One's jobs (their handlers are beside this file; the destination lists them in ../index.server.ts). */

/** One Full Sync: everything it needs is on its SyncRun row (keyspace, conditions, mappings, checkpoint). */
export const FULL_SYNC_JOB = defineJob({ name: "apsis.full-sync", queue: "sync", schema: z.object({ runId: z.string().min(1) }) });

/** Full Syncs as runs: one live per shop, its job `apsis-full-sync-<run id>`. */
export const FULL_SYNC_RUN: RunKind = {
  destination: "apsis",
  kind: "full_sync",
  job: FULL_SYNC_JOB,
  jobId: (runId) => `apsis-full-sync-${runId}`,
  lostMessage: "This Full Sync stopped without finishing (the worker lost it). What was written is kept; start it again to finish.",
};

/**
 * One customer's real-time sync: everything else (the deliveries it answers, pending purchase events) is read
 * when it runs, and the customer is read fresh from Shopify, so a job always writes the latest state.
 */
export const SYNC_CUSTOMER_JOB = defineJob({ name: "apsis.sync-customer", queue: "realtime", schema: z.object({ shop: z.string().min(1), customerId: CustomerGidSchema }) });

/** customers/redact reaching APSIS One: the Sections the app had written the profile to (its links are gone). */
export const REDACT_PROFILE_JOB = defineJob({
  name: "apsis.redact-profile",
  queue: "realtime",
  redaction: true,
  schema: z.object({ shop: z.string().min(1), customerId: CustomerGidSchema, sections: z.array(z.string().min(1)) }),
});

/**
 * Reconciliation (../reconcile.server.ts): every RECONCILE_INTERVAL_SECONDS one job queues a pass per shop with
 * real-time sync; a pass is short (ids and times from Shopify, a few queries), so both run on "webhooks". A
 * pass every few minutes per shop would fill the default day of completed records: only the latest are kept.
 */
const RECONCILE_RETENTION = { removeOnComplete: { count: 1_000 }, removeOnFail: { age: 24 * 3600 } };
export const RECONCILE_JOB = defineJob({ name: "apsis.reconcile", queue: "webhooks", schema: z.object({}).strict(), retention: () => RECONCILE_RETENTION });
export const RECONCILE_SHOP_JOB = defineJob({ name: "apsis.reconcile-shop", queue: "webhooks", schema: z.object({ shop: z.string().min(1) }), retention: () => RECONCILE_RETENTION });

/**
 * Write-back (../writeback.server.ts): every WRITEBACK_INTERVAL_SECONDS one job queues a pass per shop that
 * switched it on; a pass checks a bounded batch of linked profiles, so it is short and runs on "webhooks" too.
 */
export const WRITEBACK_JOB = defineJob({ name: "apsis.writeback", queue: "webhooks", schema: z.object({}).strict(), retention: () => RECONCILE_RETENTION });
export const WRITEBACK_SHOP_JOB = defineJob({ name: "apsis.writeback-shop", queue: "webhooks", schema: z.object({ shop: z.string().min(1) }), retention: () => RECONCILE_RETENTION });
