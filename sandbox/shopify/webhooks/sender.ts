/**
 * Delivers webhooks to the app the way Shopify does: POST `{appUrl}/webhooks/{topic}`, JSON body, signed with
 * base64 HMAC-SHA256 of the raw body under the app secret, with Shopify's headers. `X-Shopify-Event-Id` is the
 * event's (the same on duplicates); `X-Shopify-Webhook-Id` is new for every attempt. Shopify's 5-second
 * timeout applies. Retries on failure (8 over 4 h) are not simulated: a caller resends if it wants them.
 */
import { createHmac, randomUUID } from "node:crypto";
import { shuffled } from "../random";
import { WEBHOOK_API_VERSION, type WebhookDelivery, type WebhookPayloads } from "./payloads";

export type SendOptions = {
  /** Extra copies of the same event (same event id, new webhook ids). Default 0. */
  duplicates?: number;
  /** "wrong" signs with another secret, for the app's 401 path. */
  signature?: "valid" | "wrong";
};

export type SendManyOptions = SendOptions & {
  /** Applied after duplicates are added; "shuffled" is deterministic for a given seed. */
  order?: "as-given" | "reversed" | "shuffled";
  seed?: number;
};

export type DeliveryAttempt = {
  topic: string;
  shop: string;
  eventId: string;
  webhookId: string;
  /** The app's HTTP status; 0 when it could not be reached or did not answer within 5 s. */
  status: number;
  error?: string;
};

const TIMEOUT_MS = 5_000;

export class WebhookSender {
  private readonly log: DeliveryAttempt[] = [];

  constructor(
    private readonly app: { url: string; apiSecret: string },
    /** Payload builders: `webhooks.build.customersUpdate(shop, id)` and so on. */
    readonly build: WebhookPayloads,
    private readonly onAttempt: (attempt: DeliveryAttempt) => void = () => {},
  ) {}

  /** Sends the event (plus duplicates), one attempt after another; returns each attempt's HTTP status. */
  async send(delivery: WebhookDelivery, options: SendOptions = {}): Promise<number[]> {
    return this.sendMany([delivery], options);
  }

  async sendMany(deliveries: readonly WebhookDelivery[], options: SendManyOptions = {}): Promise<number[]> {
    const copies = deliveries.flatMap((delivery) => Array.from({ length: 1 + (options.duplicates ?? 0) }, () => delivery));
    const ordered =
      options.order === "reversed" ? copies.reverse() : options.order === "shuffled" ? shuffled(copies, options.seed ?? 0) : copies;
    const statuses: number[] = [];
    for (const delivery of ordered) statuses.push(await this.attempt(delivery, options.signature ?? "valid"));
    return statuses;
  }

  /** Every attempt so far, oldest first. */
  attempts(): readonly DeliveryAttempt[] {
    return this.log;
  }

  private async attempt(delivery: WebhookDelivery, signature: "valid" | "wrong"): Promise<number> {
    const body = JSON.stringify(delivery.payload);
    const secret = signature === "valid" ? this.app.apiSecret : `${this.app.apiSecret}-but-wrong`;
    const attempt: DeliveryAttempt = { topic: delivery.topic, shop: delivery.shop, eventId: delivery.eventId, webhookId: randomUUID(), status: 0 };
    try {
      const response = await fetch(`${this.app.url.replace(/\/$/, "")}/webhooks/${delivery.topic}`, {
        method: "POST",
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          "content-type": "application/json",
          "x-shopify-hmac-sha256": signWebhookBody(body, secret),
          "x-shopify-topic": delivery.topic,
          "x-shopify-shop-domain": delivery.shop,
          "x-shopify-api-version": WEBHOOK_API_VERSION,
          "x-shopify-webhook-id": attempt.webhookId,
          "x-shopify-event-id": delivery.eventId,
          "x-shopify-triggered-at": delivery.triggeredAt,
        },
      });
      await response.arrayBuffer();
      attempt.status = response.status;
    } catch (error) {
      attempt.error = (error as Error).message;
    }
    this.log.push(attempt);
    this.onAttempt(attempt);
    return attempt.status;
  }
}

/** Shopify's X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body under the app secret. */
export function signWebhookBody(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}
