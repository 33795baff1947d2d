/**
 * Job `webhooks.process-delivery`: one recorded webhook delivery, dispatched by topic. Every outcome lands on
 * the delivery's WebhookReceipt ("processed" / "ignored" / "failed" with the reason):
 *  - compliance topics do their real work (no session needed);
 *  - customers/merge goes to every destination that folds merged customers (`customersMerged`), in this job;
 *  - customer, consent and order topics go to every destination that syncs in real time
 *    (app/destinations/index.server.ts, `customerChanged`): one that takes the change passes its gates
 *    (invitation, connection, real-time on), marks the receipt "syncing" and finishes it after its write;
 *    when none takes it the receipt is "ignored", saying why;
 *  - the job carries the delivery's subject (ids, and an order's purchase data), checked and taken from the
 *    payload by the web request (webhook-topics.server.ts, takeInPayload), never the payload itself. A subject
 *    that does not fit its topic fails the receipt with the reason and the job with an UnrecoverableError (a
 *    retry cannot fix it); a database error is retried by BullMQ, and the receipt fails on the last attempt.
 */
import { UnrecoverableError } from "bullmq";
import type { z } from "zod";
import { parseEnv } from "../env.server";
import { markBulkOperationFinished } from "../shopify/bulk-notifications.server";
import {
  finishWebhookReceipt,
  getWebhookReceipt,
  type FinalReceiptStatus,
} from "../models/webhook-receipt.server";
import { DESTINATIONS } from "../destinations/index.server";
import { getShop, whyNotInvited } from "../models/shop.server";
import { getShopifyAdmin } from "../shopify/admin.server";
import { readCustomer } from "../shopify/customers";
import type { CustomerChange } from "../destinations/destination";
import { reportCustomerData, redactCustomer, redactShop, ShopMismatchError } from "../services/compliance.server";
import { getRedis } from "../redis.server";
import type { WebhookJob } from "../queues/registry";
import type { JobContext } from "../queues/registry";
import {
  BulkOperationSubjectSchema,
  CustomerMergeSubjectSchema,
  CustomerRedactSubjectSchema,
  CustomerSubjectSchema,
  DataRequestSubjectSchema,
  describeIssues,
  MERGE_COMPLETED,
  OrderSubjectSchema,
  ShopRedactSubjectSchema,
  toWebhookTopic,
  type JobTopic,
  type WebhookTopic,
} from "../shopify/webhook-topics";

type Delivery = { shop: string; receiptId: string; topic: WebhookTopic };

type Outcome = {
  /** "syncing": handed to the customer's real-time sync, which finishes the receipt. */
  status: FinalReceiptStatus | "syncing";
  detail: string;
  /** The work already finished the receipt in its own transaction. */
  receiptFinished?: boolean;
  /** Returned as the job's result (kept by BullMQ for a day): counts and ids only, no personal data. */
  result?: unknown;
};

type TopicHandler<S extends z.ZodType> = {
  schema: S;
  // Method syntax on purpose: the map below holds handlers of different subject types.
  run(subject: z.infer<S>, delivery: Delivery): Promise<Outcome>;
};

const topicHandler = <S extends z.ZodType>(schema: S, run: TopicHandler<S>["run"]): TopicHandler<S> => ({ schema, run });

/**
 * A customer's change, to every destination that syncs in real time. The receipt is handed over ("syncing")
 * when one takes it; otherwise it is "ignored", with each destination's reason. Only one destination syncs in
 * real time today; a second one would need a receipt status per destination (decision 019).
 */
async function syncInRealTime(d: Delivery, change: Omit<CustomerChange, "shop" | "receiptId">): Promise<Outcome> {
  const answers = await Promise.all(
    DESTINATIONS.flatMap((destination) => (destination.customerChanged ? [destination.customerChanged({ ...change, shop: d.shop, receiptId: d.receiptId })] : [])),
  );
  if (answers.some((answer) => answer.queued)) return { status: "syncing", detail: `${change.customerId}: queued for real-time sync`, receiptFinished: true };
  const reasons = answers.flatMap((answer) => (answer.queued ? [] : [answer.reason]));
  return { status: "ignored", detail: `ignored: ${change.customerId} not synced: ${reasons.join("; ") || "no destination syncs in real time"}` };
}

/** orders/create: the order goes with the change (a destination may record it as a purchase event). */
async function purchase(order: z.infer<typeof OrderSubjectSchema>, d: Delivery): Promise<Outcome> {
  const { orderId, customerId } = order;
  if (!customerId) return { status: "ignored", detail: `order ${orderId} has no customer: no profile to add a purchase event to` };
  return syncInRealTime(d, { customerId, order });
}

/**
 * customers/merge: each destination folds what it holds of the merged-away customer into the kept one
 * (Destination.customersMerged), in this job, and the receipt says what each did. The payload names no shop, so
 * both customers are first checked against this shop's Shopify: a merge of another shop's customers (or its
 * body replayed here under this shop's header) finds the kept customer missing, or the merged-away one still
 * there, and changes nothing. A failed or unfinished merge changed nothing in Shopify either.
 */
async function merge(s: z.infer<typeof CustomerMergeSubjectSchema>, d: Delivery): Promise<Outcome> {
  const what = `${s.mergedCustomerId} merged into ${s.customerId}`;
  if (s.status !== MERGE_COMPLETED) return { status: "ignored", detail: `ignored: ${what}: the merge ${s.status} in Shopify, nothing changed` };
  const shopRow = await getShop({ shop: d.shop });
  const notInvited = whyNotInvited(shopRow);
  if (notInvited || !shopRow) return { status: "ignored", detail: `ignored: ${what}: ${notInvited}` };
  const { graphql } = await getShopifyAdmin({ shop: d.shop });
  const [kept, mergedAway] = await Promise.all([readCustomer({ graphql, id: s.customerId }), readCustomer({ graphql, id: s.mergedCustomerId })]);
  if (!kept) return { status: "ignored", detail: `ignored: ${what}: ${s.customerId} is not a customer of this shop` };
  if (mergedAway) return { status: "ignored", detail: `ignored: ${what}: ${s.mergedCustomerId} is still a customer of this shop` };
  const notes: string[] = [];
  for (const destination of DESTINATIONS) {
    const note = await destination.customersMerged?.({ shop: d.shop, shopId: shopRow.id, keptCustomerId: s.customerId, mergedCustomerId: s.mergedCustomerId });
    if (note) notes.push(note);
  }
  return { status: "processed", detail: `${what}: ${notes.join("; ") || "no destination holds either customer"}`, result: { kept: s.customerId, merged: s.mergedCustomerId } };
}

const customerChange = topicHandler(CustomerSubjectSchema, (s, d) => syncInRealTime(d, { customerId: s.customerId }));

const TOPIC_HANDLERS: { [T in JobTopic]: TopicHandler<z.ZodType> } = {
  "customers/create": customerChange,
  "customers/update": customerChange,
  "customers/delete": customerChange,
  "customers/merge": topicHandler(CustomerMergeSubjectSchema, merge),
  "customers_email_marketing_consent/update": customerChange,
  "customers_marketing_consent/update": customerChange,
  "orders/create": topicHandler(OrderSubjectSchema, purchase),
  "bulk_operations/finish": topicHandler(BulkOperationSubjectSchema, async (s) => {
    // Wakes the job waiting on this operation (waitForBulkOperation); it reads the outcome from Shopify itself.
    await markBulkOperationFinished({ redis: getRedis(), prefix: parseEnv().REDIS_PREFIX, id: s.bulkOperationId, status: s.status });
    const errorCode = s.errorCode ? `, error ${s.errorCode}` : "";
    return {
      status: "processed",
      detail: `bulk operation ${s.bulkOperationId} finished (${s.status}${errorCode}); waiters notified`,
      result: { bulkOperation: s.bulkOperationId, status: s.status, errorCode: s.errorCode },
    };
  }),
  // Compliance subjects keep Shopify's field names (ids only), so compliance.server.ts takes them as payloads.
  "customers/data_request": topicHandler(DataRequestSubjectSchema, async (p, d) => {
    const result = await reportCustomerData({ shop: d.shop, receiptId: d.receiptId, payload: p });
    return { status: "processed", detail: "data request report stored", receiptFinished: true, result };
  }),
  "customers/redact": topicHandler(CustomerRedactSubjectSchema, async (p, d) => {
    // Queues each destination's redaction (retried while it is down) before the receipt is finished.
    const result = await redactCustomer({ shop: d.shop, receiptId: d.receiptId, payload: p });
    return { status: "processed", detail: "customer redacted", receiptFinished: true, result };
  }),
  "shop/redact": topicHandler(ShopRedactSubjectSchema, async (p, d) => {
    const result = await redactShop({ shop: d.shop, receiptId: d.receiptId, payload: p });
    return { status: "processed", detail: "shop redacted", receiptFinished: true, result };
  }),
};

async function fail(receiptId: string, detail: string): Promise<never> {
  await finishWebhookReceipt({ receiptId, status: "failed", detail });
  throw new UnrecoverableError(detail);
}

export async function processWebhookDelivery(job: WebhookJob, ctx: JobContext) {
  const { receiptId, shop } = job;
  const receipt = await getWebhookReceipt({ receiptId });
  if (receipt && ["syncing", "processed", "ignored", "failed"].includes(receipt.status)) {
    return { skipped: `receipt already ${receipt.status}` };
  }

  const topic = toWebhookTopic(job.topic);
  const handler = topic && topic in TOPIC_HANDLERS ? TOPIC_HANDLERS[topic as keyof typeof TOPIC_HANDLERS] : undefined;
  if (!topic || !handler) return fail(receiptId, `topic ${job.topic} is not processed by the worker`);

  const parsed = handler.schema.safeParse(job.subject);
  if (!parsed.success) return fail(receiptId, `malformed ${topic} job: ${describeIssues(parsed.error)}`);

  let outcome: Outcome;
  try {
    outcome = await handler.run(parsed.data, { shop, receiptId, topic });
  } catch (error) {
    if (error instanceof ShopMismatchError) return fail(receiptId, error.message);
    // Transient (database, network): BullMQ retries with backoff; the last attempt leaves the reason behind.
    const attempts = ctx.job.opts.attempts ?? 1;
    if (ctx.job.attemptsMade + 1 >= attempts) {
      await finishWebhookReceipt({ receiptId, status: "failed", detail: `failed after ${attempts} attempt(s): ${(error as Error).message}` });
    }
    throw error;
  }
  if (!outcome.receiptFinished && outcome.status !== "syncing") await finishWebhookReceipt({ receiptId, status: outcome.status, detail: outcome.detail });
  ctx.log(`${topic} for ${shop}: ${outcome.status}: ${outcome.detail}`);
  return { topic, status: outcome.status, detail: outcome.detail, result: outcome.result ?? null };
}
