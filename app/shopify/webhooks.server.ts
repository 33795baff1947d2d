/**
 * Receiving Shopify webhooks: verify, record (deduplicated on the event id), enqueue, answer 200.
 * Every `app/routes/webhooks.*.tsx` route delegates here. Nothing in here calls Shopify, Adestra or APSIS;
 * the worker does the work (`app/jobs/process-webhook-delivery.server.ts`).
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
 *
 * The HMAC covers the body only; every header is the sender's word. So each route names the one topic it
 * serves, the body must name the same shop as the header wherever it names one, and the job carries ids, not
 * the payload (webhook-topics.server.ts, takeInPayload). Bodies are bounded while they are read, before the
 * HMAC is checked, so unauthenticated senders cannot make the process buffer what they like.
 */
import { createHash } from "node:crypto";
import { LogSeverity, shopifyApi, WebhookValidationErrorReason, type WebhookFields } from "@shopify/shopify-api";
import { parseEnv } from "../env.server";
import {
  claimWebhookReceipt,
  type ClaimResult,
  markWebhookReceiptQueued,
  recordScopesUpdateDelivery,
  recordUninstallDelivery,
  recordUnprocessedDelivery,
  reopenWebhookReceipt,
  type WebhookDelivery,
} from "../models/webhook-receipt.server";
import { ShopDomainSchema } from "../models/shop.server";
import { enqueue, getQueue } from "../queues/enqueue.server";
import { WEBHOOK_DELIVERY_JOB } from "../queues/registry";
import {
  COMPLIANCE_TOPICS,
  parseJsonExact,
  ScopesUpdatePayloadSchema,
  takeInPayload,
  toWebhookTopic,
  WEBHOOK_TOPICS,
  type WebhookTopic,
} from "./webhook-topics";
import { getRedis, redisKey } from "../redis.server";
// Also installs the runtime adapters the library's validator uses, exactly as for authenticate.*.
import { API_VERSION } from "../shopify.server";
import { BodyTooLargeError, readTextWithin, TOO_LARGE_HEADERS } from "../utils/request-body.server";

/** Shopify allows 5 s for the whole answer; a Redis that does not answer must not eat all of it. */
const ENQUEUE_TIMEOUT_MS = 2_500;

/**
 * The largest body read. The largest genuine payloads are orders/create: Shopify caps an order at 500 line
 * items for most shops (shopify.dev changelog "Order editing new validations", 2025-12), and a line item of
 * the 2026-07 example is about 1 kB (2–3 kB with several tax lines, discounts and properties); customers,
 * consent, compliance and app topics are a few kB. 500 × 3 kB + the order itself is about 1.5 MB, so 2 MiB
 * is above every genuine delivery while capping what an unauthenticated sender can make us hold per request
 * (it was unbounded: 10 MB bodies were buffered whole before the HMAC check).
 */
export const MAX_WEBHOOK_BODY_BYTES = 2 * 1024 * 1024;

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

const refuse = (status: number, statusText: string, message?: string, headers?: Record<string, string>) =>
  new Response(message, { status, statusText, headers: { ...(message ? { "Content-Type": "text/plain; charset=utf-8" } : {}), ...headers } });

/** GET (and every method but POST) on a webhook route: deliveries are POSTs. */
export const methodNotAllowed = () => refuse(405, "Method Not Allowed", "Webhook deliveries are POST requests.", { Allow: "POST" });

/**
 * Too large: answered at once, and the connection closed, so the rest of the body is never read (Node would
 * otherwise read and discard it to keep the connection alive).
 */
const tooLarge = () => refuse(413, "Payload Too Large", `Webhook bodies are limited to ${MAX_WEBHOOK_BODY_BYTES} bytes.`, TOO_LARGE_HEADERS);

/** Verifies a delivery; throws the Response Shopify should get when it is not genuine or not complete. */
export async function verifyWebhook(request: Request): Promise<{ rawBody: string; fields: WebhookFields }> {
  if (request.method !== "POST") throw methodNotAllowed();
  let rawBody: string;
  try {
    rawBody = await readTextWithin(request, MAX_WEBHOOK_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw tooLarge();
    throw error;
  }
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

// ---------------------------------------------------------------------------------------------------------
// Replays under a forged event id

/**
 * Dedupe is on X-Shopify-Event-Id, which the HMAC does not cover: a genuinely signed body replayed with a new
 * event id is a new delivery. For most topics that is harmless (the worker reads the customer fresh from
 * Shopify; a purchase event is unique per order; a bulk finish only wakes a waiter that asks Shopify). For
 * these it is not: an old app/uninstalled replayed after a reinstall deletes the new sessions and closes the
 * sync gate, an old shop/redact wipes a reinstalled shop, an old scopes update rolls the scope back. So for
 * them a body is also deduplicated on a digest of topic + shop + raw body: once handled, the same signed body
 * under another event id is answered 200 and nothing is done. Shopify's own retries carry the same event id
 * and pass. (A genuine second event with a byte-identical body is dropped too: for a Shop object or a redact
 * request that is the same event.) The digest is stored only after the delivery was handled, so a delivery
 * answered 500 is retried normally; 90 days, because these topics are rare (about 100 bytes a key, naming no
 * shop or customer) and their harm is not undone by a later event.
 */
const REPLAY_GUARDED: ReadonlySet<WebhookTopic> = new Set<WebhookTopic>(["app/uninstalled", "app/scopes_update", ...COMPLIANCE_TOPICS]);
const REPLAY_WINDOW_MS = 90 * 24 * 3600_000;

const bodyDigestKey = (topic: WebhookTopic, shop: string, rawBody: string) =>
  redisKey("webhook-body", createHash("sha256").update(`${topic}\n${shop}\n`).update(rawBody).digest("hex"));

async function isReplay(key: string | null, eventId: string, timeoutMs: number) {
  if (!key) return false;
  const handledAs = await withTimeout(getRedis().get(key), timeoutMs, "replay check");
  return handledAs !== null && handledAs !== eventId;
}

async function rememberHandled(key: string | null, eventId: string, timeoutMs: number) {
  if (key) await withTimeout(getRedis().set(key, eventId, "PX", REPLAY_WINDOW_MS, "NX"), timeoutMs, "replay record");
}

export type ReceiveWebhookOptions = {
  /** The one topic the route serves (shopify.app.toml): any other X-Shopify-Topic is refused. */
  topic: WebhookTopic;
  enqueueTimeoutMs?: number;
};

/**
 * The whole webhook endpoint. Answers:
 *  - 405 not POST / 413 a body over MAX_WEBHOOK_BODY_BYTES / 401 bad HMAC / 400 incomplete headers or a
 *    malformed shop domain: nothing recorded;
 *  - 400 a topic header that is not the route's, or a payload that names another shop or contradicts itself:
 *    nothing recorded or done (the headers are not signed: this is someone else's body);
 *  - 200 for a new delivery (recorded, enqueued) and for a duplicate (nothing else done), except a duplicate
 *    whose receipt is still "queued" or "syncing" while its job is gone from Redis (Redis lost its data): that
 *    one is enqueued again, as a new delivery would be (claimAgainIfLost);
 *  - 200 for a genuine delivery that cannot be processed (not JSON, not the topic's payload): recorded as
 *    "failed" with the reason, because a retry would not change anything;
 *  - 500 when the database or the queue fails, so that Shopify retries. If the enqueue fails the receipt
 *    stays "received" (not "queued"), and a retry of a "received" event enqueues again instead of being
 *    treated as a duplicate; the job id keeps that from ever creating two jobs.
 */
export async function receiveWebhook(request: Request, options: ReceiveWebhookOptions): Promise<Response> {
  const { rawBody, fields } = await verifyWebhook(request);
  const shop = ShopDomainSchema.safeParse(fields.domain);
  if (!shop.success) return refuse(400, "Bad Request", "X-Shopify-Shop-Domain is not a myshopify.com domain.");
  const topic = options.topic;
  const refused = (reason: string) => {
    console.warn(`webhook refused on /webhooks/${topic} for ${shop.data}: ${reason}`);
    return refuse(400, "Bad Request", `Refused: ${reason}.`);
  };
  if (toWebhookTopic(fields.topic) !== topic) return refused(`this endpoint only takes ${topic} deliveries`);

  const delivery: WebhookDelivery = {
    // Shopify's dedupe key is the event id; a delivery without one (or of the Events kind) falls back to the webhook id.
    eventId: (fields.webhookType === "webhooks" ? fields.eventId : undefined) ?? fields.webhookId,
    webhookId: fields.webhookId,
    shop: shop.data,
    topic,
    apiVersion: fields.apiVersion,
    triggeredAt: parseTimestamp(fields.triggeredAt),
  };

  let payload: unknown;
  try {
    // Exact ids: Shopify's numeric ids can exceed 2^53 (see parseJsonExact).
    payload = parseJsonExact(rawBody);
  } catch {
    await recordUnprocessedDelivery(delivery, { status: "failed", detail: "the body is not valid JSON" });
    return ok();
  }

  const taken = takeInPayload({ topic, shop: shop.data, payload });
  if (taken.outcome === "refused") return refused(taken.reason);
  if (taken.outcome === "malformed") {
    await recordUnprocessedDelivery(delivery, { status: "failed", detail: taken.detail });
    return ok();
  }

  const timeoutMs = options.enqueueTimeoutMs ?? ENQUEUE_TIMEOUT_MS;
  const digestKey = REPLAY_GUARDED.has(topic) ? bodyDigestKey(topic, shop.data, rawBody) : null;
  try {
    if (await isReplay(digestKey, delivery.eventId, timeoutMs)) {
      console.warn(`webhook ${topic} for ${shop.data}: a body already handled arrived under another event id (${delivery.eventId}); nothing done`);
      return ok();
    }
  } catch (error) {
    return serverError("could not be checked for a replay", delivery, error);
  }

  if (WEBHOOK_TOPICS[topic] === "inline") {
    await handleInline(topic, delivery, taken.payload);
    // Done and recorded: a failure to remember the body only leaves a replay under a new event id unguarded.
    await rememberHandled(digestKey, delivery.eventId, timeoutMs).catch((error) =>
      console.warn(`webhook ${topic} for ${delivery.shop}: its body digest could not be stored: ${(error as Error).message}`),
    );
    return ok();
  }

  // The customer it is about, on the receipt from the start: reconciliation finds a lost delivery by it.
  const claimed = await claimWebhookReceipt({ ...delivery, customerId: customerIdOf(taken.subject) });
  let claim: ClaimResult;
  try {
    claim = await claimAgainIfLost(claimed, delivery.eventId, timeoutMs);
  } catch (error) {
    return serverError("could not be checked against the queue", delivery, error);
  }
  if (claim.outcome === "duplicate") return ok();
  try {
    await withTimeout(
      enqueue(
        WEBHOOK_DELIVERY_JOB,
        {
          receiptId: claim.receiptId,
          eventId: delivery.eventId,
          shop: delivery.shop,
          topic,
          apiVersion: delivery.apiVersion,
          triggeredAt: fields.triggeredAt ?? null,
          subject: taken.subject!,
        },
        { jobId: webhookJobId(delivery.eventId) },
      ),
      timeoutMs,
      "enqueue",
    );
    await rememberHandled(digestKey, delivery.eventId, timeoutMs);
  } catch (error) {
    return serverError("could not be enqueued", delivery, error);
  }
  await markWebhookReceiptQueued({ receiptId: claim.receiptId });
  return ok();
}

const customerIdOf = (subject: unknown) =>
  subject && typeof subject === "object" && "customerId" in subject && typeof subject.customerId === "string" ? subject.customerId : null;

/**
 * A redelivery of an event whose receipt says its work is still ahead ("queued": the delivery job waits;
 * "syncing": the job handed it to a customer's sync) is a duplicate only while that job exists. Without it
 * (Redis lost its data; its completed record is kept a day) the receipt would wait forever and Shopify's
 * redelivery would be dropped: the receipt is reopened and the delivery enqueued again. Doing it once too
 * often is harmless: the work reads the customer fresh, a purchase event is unique per order.
 */
async function claimAgainIfLost(claim: ClaimResult, eventId: string, timeoutMs: number): Promise<ClaimResult> {
  if (claim.outcome !== "duplicate" || (claim.status !== "queued" && claim.status !== "syncing")) return claim;
  const job = await withTimeout(getQueue(WEBHOOK_DELIVERY_JOB.queue).getJob(webhookJobId(eventId)), timeoutMs, "job lookup");
  if (job) return claim;
  const reopened = await reopenWebhookReceipt({ receiptId: claim.receiptId, from: claim.status });
  return reopened ? { outcome: "retry", receiptId: claim.receiptId } : claim;
}

function serverError(what: string, delivery: WebhookDelivery, error: unknown) {
  console.error(
    `webhook ${delivery.topic} for ${delivery.shop} (event ${delivery.eventId}) ${what}, answering 500 so Shopify retries: ${(error as Error).message}`,
  );
  return new Response(undefined, { status: 500, statusText: "Internal Server Error" });
}

/** Topics handled inside the request: tiny idempotent DB writes, recorded with their receipt in one transaction. */
async function handleInline(topic: WebhookTopic, delivery: WebhookDelivery, payload: unknown) {
  switch (topic) {
    case "app/uninstalled":
      // The shop comes from the delivery (its payload was checked to name the same shop); works with or without a session.
      await recordUninstallDelivery(delivery);
      return;
    case "app/scopes_update":
      await recordScopesUpdateDelivery(delivery, { scope: ScopesUpdatePayloadSchema.parse(payload).current.join(",") });
      return;
    default:
      throw new Error(`${topic} is not an inline topic`);
  }
}
