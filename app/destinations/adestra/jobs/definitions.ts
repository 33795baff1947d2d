import { z } from "zod";
import { defineJob } from "../../../queues/registry";
import type { RunKind } from "../../../runs/run-kind";
import { CustomerGidSchema } from "../../../shopify/webhook-topics";

/** Adestra's jobs (their handlers are beside this file; the destination lists them in ../index.server.ts). */

/** One send: everything it needs is on its SyncRun row (choices, shop). */
export const SEND_PROFILES_JOB = defineJob({ name: "adestra.send-profiles", queue: "sync", schema: z.object({ runId: z.string().min(1) }) });

/** Sends as runs: one live per shop, its job `adestra-send-<run id>`. */
export const SEND_RUN: RunKind = {
  destination: "adestra",
  kind: "send",
  job: SEND_PROFILES_JOB,
  jobId: (runId) => `adestra-send-${runId}`,
  lostMessage: "This send stopped without finishing (the worker lost it). What was sent is kept; send again to finish.",
};

/** Fired daily by the shop's job scheduler; starts a send with the saved Auto Send settings. */
export const AUTO_SEND_JOB = defineJob({ name: "adestra.auto-send", queue: "sync", schema: z.object({ shop: z.string().min(1) }) });

/**
 * customers/redact reaching Adestra: Adestra's ids of the contact on each list the app put it on (its links are
 * gone). Ids only, never the address: a waiting or retried job holds no personal data.
 */
export const REDACT_CONTACT_JOB = defineJob({
  name: "adestra.redact-contact",
  queue: "realtime",
  redaction: true,
  schema: z.object({
    shop: z.string().min(1),
    customerId: CustomerGidSchema,
    contacts: z.array(z.object({ contactId: z.int().positive(), listId: z.int().positive() })).min(1).max(1000),
  }),
});
