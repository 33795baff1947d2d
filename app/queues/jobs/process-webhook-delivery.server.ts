/**
 * Job `webhooks.process-delivery`: one recorded webhook delivery, dispatched by topic. Every outcome lands on
 * the delivery's WebhookReceipt ("processed" / "ignored" / "failed" with the reason):
 *  - compliance topics do their real work (no session needed);
 *  - customer, consent and order topics pass the invitation gate and stop there: no destination is
 *    connected yet, and the receipt says so;
 *  - a malformed payload fails the receipt with the reason and the job with an UnrecoverableError (a retry
 *    cannot fix it); a database error is retried by BullMQ, and the receipt fails on the last attempt.
 */
import { UnrecoverableError } from "bullmq";
import type { z } from "zod";
import { parseEnv } from "../../env.server";
import { markBulkOperationFinished } from "../../integrations/shopify/bulk-notifications.server";
import { assertShopInvited, getShop, ShopNotInvitedError } from "../../models/shop.server";
import {
  finishWebhookReceipt,
  getWebhookReceipt,
  type FinalReceiptStatus,
} from "../../models/webhook-receipt.server";
import { reportCustomerData, redactCustomer, redactShop, ShopMismatchError } from "../../services/compliance.server";
import { getRedis } from "../redis.server";
import type { WebhookJob } from "../registry";
import type { JobContext } from "../worker.server";
import {
  BulkOperationFinishPayloadSchema,
  customerGid,
  customerGidOf,
  CustomerDeletePayloadSchema,
  CustomerPayloadSchema,
  CustomersDataRequestPayloadSchema,
  CustomersRedactPayloadSchema,
  describeIssues,
  EmailConsentPayloadSchema,
  OrderPayloadSchema,
  ShopRedactPayloadSchema,
  SmsConsentPayloadSchema,
  toWebhookTopic,
  type WebhookTopic,
} from "./webhook-topics.server";

type Delivery = { shop: string; receiptId: string; topic: WebhookTopic };

type Outcome = {
  status: FinalReceiptStatus;
  detail: string;
  /** The work already finished the receipt in its own transaction. */
  receiptFinished?: boolean;
  /** Returned as the job's result (kept by BullMQ for a day): counts and ids only, no personal data. */
  result?: unknown;
};

type TopicHandler<S extends z.ZodType> = {
  schema: S;
  // Method syntax on purpose: the map below holds handlers of different payload types.
  run(payload: z.infer<S>, delivery: Delivery): Promise<Outcome>;
};

const topicHandler = <S extends z.ZodType>(schema: S, run: TopicHandler<S>["run"]): TopicHandler<S> => ({ schema, run });

/** Why a shop's deliveries are not acted on; mirrors assertShopInvited's gate. */
async function notInvitedReason(shop: string) {
  const row = await getShop({ shop });
  if (!row) return "shop unknown to the app (not installed or invited)";
  if (row.uninstalledAt) return "shop has uninstalled the app";
  return `shop not invited (invitation: ${row.invitation})`;
}

/**
 * The real-time destinations (APSIS profile updates, purchase events) are later work. Until then an invited
 * shop's delivery is acknowledged honestly: nothing is synced.
 */
async function gateForDestinations(shop: string, subject: string): Promise<Outcome> {
  try {
    await assertShopInvited({ shop });
  } catch (error) {
    if (error instanceof ShopNotInvitedError) return { status: "ignored", detail: `ignored: ${await notInvitedReason(shop)}` };
    throw error;
  }
  return { status: "processed", detail: `${subject}: no destination connected, nothing synced` };
}

const TOPIC_HANDLERS: { [T in Exclude<WebhookTopic, "app/uninstalled" | "app/scopes_update">]: TopicHandler<z.ZodType> } = {
  "customers/create": topicHandler(CustomerPayloadSchema, (p, d) => gateForDestinations(d.shop, `customer ${customerGidOf(p)}`)),
  "customers/update": topicHandler(CustomerPayloadSchema, (p, d) => gateForDestinations(d.shop, `customer ${customerGidOf(p)}`)),
  "customers/delete": topicHandler(CustomerDeletePayloadSchema, (p, d) => gateForDestinations(d.shop, `deleted customer ${customerGidOf(p)}`)),
  "customers_email_marketing_consent/update": topicHandler(EmailConsentPayloadSchema, (p, d) =>
    gateForDestinations(d.shop, `email consent of customer ${customerGid(p.customer_id)}`),
  ),
  "customers_marketing_consent/update": topicHandler(SmsConsentPayloadSchema, (p, d) =>
    gateForDestinations(d.shop, `SMS consent of customer ${customerGid(p.id)}`),
  ),
  "orders/create": topicHandler(OrderPayloadSchema, (p, d) =>
    gateForDestinations(d.shop, `order ${p.admin_graphql_api_id ?? `gid://shopify/Order/${p.id}`}`),
  ),
  "bulk_operations/finish": topicHandler(BulkOperationFinishPayloadSchema, async (p) => {
    // Wakes the job waiting on this operation (waitForBulkOperation); it reads the outcome from Shopify itself.
    await markBulkOperationFinished({ redis: getRedis(), prefix: parseEnv().REDIS_PREFIX, id: p.admin_graphql_api_id, status: p.status });
    const errorCode = p.error_code ? `, error ${p.error_code}` : "";
    return {
      status: "processed",
      detail: `bulk operation ${p.admin_graphql_api_id} finished (${p.status}${errorCode}); waiters notified`,
      result: { bulkOperation: p.admin_graphql_api_id, status: p.status, errorCode: p.error_code ?? null },
    };
  }),
  "customers/data_request": topicHandler(CustomersDataRequestPayloadSchema, async (p, d) => {
    const result = await reportCustomerData({ shop: d.shop, receiptId: d.receiptId, payload: p });
    return { status: "processed", detail: "data request report stored", receiptFinished: true, result };
  }),
  "customers/redact": topicHandler(CustomersRedactPayloadSchema, async (p, d) => {
    const result = await redactCustomer({ shop: d.shop, receiptId: d.receiptId, payload: p });
    return { status: "processed", detail: "customer redacted", receiptFinished: true, result };
  }),
  "shop/redact": topicHandler(ShopRedactPayloadSchema, async (p, d) => {
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
  if (receipt && ["processed", "ignored", "failed"].includes(receipt.status)) {
    return { skipped: `receipt already ${receipt.status}` };
  }

  const topic = toWebhookTopic(job.topic);
  const handler = topic && topic in TOPIC_HANDLERS ? TOPIC_HANDLERS[topic as keyof typeof TOPIC_HANDLERS] : undefined;
  if (!topic || !handler) return fail(receiptId, `topic ${job.topic} is not processed by the worker`);

  const parsed = handler.schema.safeParse(job.payload);
  if (!parsed.success) return fail(receiptId, `malformed ${topic} payload: ${describeIssues(parsed.error)}`);

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
  if (!outcome.receiptFinished) await finishWebhookReceipt({ receiptId, status: outcome.status, detail: outcome.detail });
  ctx.log(`${topic} for ${shop}: ${outcome.status}: ${outcome.detail}`);
  return { topic, status: outcome.status, detail: outcome.detail, result: outcome.result ?? null };
}
