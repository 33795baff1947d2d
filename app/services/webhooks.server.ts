/**
 * Receiving Shopify webhooks: verify, record (deduplicated on the event id), enqueue, answer 200.
 * Every `app/routes/webhooks.*.tsx` route delegates here. Nothing in here calls Shopify, Adestra or APSIS;
 * the worker does the work (`app/queues/jobs/process-webhook-delivery.server.ts`).
 *
 * Verification uses the Shopify library's own `webhooks.validate` (HMAC of the raw body, required headers),
 * with the same answers as `authenticate.webhook`: 405 for non-POST, 401 for a bad HMAC, 400 for other
 * validation failures. We do NOT call `authenticate.webhook` itself, because after validating it loads the
 * shop's offline session and, with expiring offline tokens (1 h, shopify.server.ts), REFRESHES it against
 * Shopify when it is within 5 minutes of expiry — which is most of the time for a quiet shop. That would:
 *  - call Shopify inside the webhook request, outside the per-shop refresh lock (decision 007), so a webhook
 *    and a worker can spend the same rotating refresh token and brick the shop's token;
 *  - break app/uninstalled: the uninstalled shop's refresh is refused, the library answers 500, and the
 *    sessions are never deleted (Shopify gives up after 8 retries).
 * Webhook processing never needs the session or the admin client it would return.
 */
import { createHash } from "node:crypto";
import { LogSeverity, shopifyApi, WebhookValidationErrorReason, type WebhookFields } from "@shopify/shopify-api";
import { parseEnv } from "../env.server";
import {
  claimWebhookReceipt,
  markWebhookReceiptQueued,
  recordScopesUpdateDelivery,
  recordUninstallDelivery,
  recordUnprocessedDelivery,
  type WebhookDelivery,
} from "../models/webhook-receipt.server";
import { ShopDomainSchema } from "../models/shop.server";
import { enqueue } from "../queues/enqueue.server";
import {
  describeIssues,
  parseJsonExact,
  ScopesUpdatePayloadSchema,
  toWebhookTopic,
  WEBHOOK_TOPICS,
  type WebhookTopic,
} from "../queues/jobs/webhook-topics.server";
// Also installs the runtime adapters the library's validator uses, exactly as for authenticate.*.
import { API_VERSION } from "../shopify.server";

/** Shopify allows 5 s for the whole answer; a Redis that does not answer must not eat all of it. */
const ENQUEUE_TIMEOUT_MS = 2_500;

let validator: ReturnType<typeof shopifyApi> | undefined;

function webhookValidator() {
  if (!validator) {
    const env = parseEnv();
    validator = shopifyApi({
      apiKey: env.SHOPIFY_API_KEY,
      apiSecretKey: env.SHOPIFY_API_SECRET,
      apiVersion: API_VERSION,
      hostName: new URL(env.SHOPIFY_APP_URL).host,
      isEmbeddedApp: true,
      logger: { level: LogSeverity.Error },
      _logDisabledFutureFlags: false,
    });
  }
  return validator;
}

/** Verifies a delivery; throws the Response Shopify should get when it is not genuine or not complete. */
export async function verifyWebhook(request: Request): Promise<{ rawBody: string; fields: WebhookFields }> {
  if (request.method !== "POST") throw new Response(undefined, { status: 405, statusText: "Method not allowed" });
  const rawBody = await request.text();
  const check = await webhookValidator().webhooks.validate({ rawBody, rawRequest: request });
  if (!check.valid) {
    if (check.reason === WebhookValidationErrorReason.InvalidHmac) {
      throw new Response(undefined, { status: 401, statusText: "Unauthorized" });
    }
    throw new Response(undefined, { status: 400, statusText: "Bad Request" });
  }
  return { rawBody, fields: check };
}

/** BullMQ job id of a delivery: stable per event (a redelivery adds nothing), never containing ":". */
export function webhookJobId(eventId: string) {
  return /^[A-Za-z0-9_.-]{1,200}$/.test(eventId)
    ? `webhook-${eventId}`
    : `webhook-sha256-${createHash("sha256").update(eventId).digest("hex")}`;
}

function parseTimestamp(value: string | undefined) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

const ok = () => new Response(undefined, { status: 200 });

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export type ReceiveWebhookOptions = { enqueueTimeoutMs?: number };

/**
 * The whole webhook endpoint. Answers:
 *  - 401 bad HMAC / 400 incomplete headers or a malformed shop domain / 405 not POST: nothing recorded;
 *  - 200 for a new delivery (recorded, enqueued) and for a duplicate (nothing else done);
 *  - 200 for a genuine delivery that cannot be processed (not JSON, topic not subscribed): recorded as
 *    "failed"/"ignored" with the reason, because a retry would not change anything;
 *  - 500 when the database or the queue fails, so that Shopify retries. If the enqueue fails the receipt
 *    stays "received" (not "queued"), and a retry of a "received" event enqueues again instead of being
 *    treated as a duplicate; the job id keeps that from ever creating two jobs.
 */
export async function receiveWebhook(request: Request, options: ReceiveWebhookOptions = {}): Promise<Response> {
  const { rawBody, fields } = await verifyWebhook(request);
  const shop = ShopDomainSchema.safeParse(fields.domain);
  if (!shop.success) return new Response(undefined, { status: 400, statusText: "Bad Request" });

  const topic = toWebhookTopic(fields.topic);
  const delivery: WebhookDelivery = {
    // Shopify's dedupe key is the event id; a delivery without one falls back to the webhook id.
    eventId: fields.eventId ?? fields.webhookId,
    webhookId: fields.webhookId,
    shop: shop.data,
    topic: topic ?? fields.topic,
    apiVersion: fields.apiVersion,
    triggeredAt: parseTimestamp(fields.triggeredAt),
  };
  if (!topic) {
    // Not reachable through the per-topic routes unless a subscription and its uri disagree: keep the
    // receipt as evidence, answer 200 (a retry cannot help, and failures only make Shopify retry for 4 h).
    await recordUnprocessedDelivery(delivery, { status: "ignored", detail: `topic ${fields.topic} is not one this app subscribes to` });
    return ok();
  }

  let payload: unknown;
  try {
    // Exact ids: Shopify's numeric ids can exceed 2^53 (see parseJsonExact).
    payload = parseJsonExact(rawBody);
  } catch {
    await recordUnprocessedDelivery(delivery, { status: "failed", detail: "the body is not valid JSON" });
    return ok();
  }

  if (WEBHOOK_TOPICS[topic] === "inline") {
    await handleInline(topic, delivery, payload);
    return ok();
  }

  const claim = await claimWebhookReceipt(delivery);
  if (claim.outcome === "duplicate") return ok();
  try {
    await withTimeout(
      enqueue(
        "webhooks.process-delivery",
        {
          receiptId: claim.receiptId,
          eventId: delivery.eventId,
          shop: delivery.shop,
          topic,
          apiVersion: delivery.apiVersion,
          triggeredAt: fields.triggeredAt ?? null,
          payload,
        },
        { jobId: webhookJobId(delivery.eventId) },
      ),
      options.enqueueTimeoutMs ?? ENQUEUE_TIMEOUT_MS,
      "enqueue",
    );
  } catch (error) {
    console.error(
      `webhook ${topic} for ${delivery.shop} (event ${delivery.eventId}) could not be enqueued, answering 500 so Shopify retries: ${(error as Error).message}`,
    );
    return new Response(undefined, { status: 500, statusText: "Internal Server Error" });
  }
  await markWebhookReceiptQueued({ receiptId: claim.receiptId });
  return ok();
}

/** Topics handled inside the request: tiny idempotent DB writes, recorded with their receipt in one transaction. */
async function handleInline(topic: WebhookTopic, delivery: WebhookDelivery, payload: unknown) {
  switch (topic) {
    case "app/uninstalled":
      // No payload field is needed (the shop comes from the delivery); works with or without a session.
      await recordUninstallDelivery(delivery);
      return;
    case "app/scopes_update": {
      const parsed = ScopesUpdatePayloadSchema.safeParse(payload);
      if (!parsed.success) {
        await recordUnprocessedDelivery(delivery, { status: "failed", detail: `malformed payload: ${describeIssues(parsed.error)}` });
        return;
      }
      await recordScopesUpdateDelivery(delivery, { scope: parsed.data.current.join(",") });
      return;
    }
    default:
      throw new Error(`${topic} is not an inline topic`);
  }
}
