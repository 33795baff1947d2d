/**
 * `POST /store/{shop}/admin/api/2026-07/graphql.json`: authenticated by `X-Shopify-Access-Token` only (an
 * unknown or expired token gets Shopify's 401 body), JSON `{query, variables, operationName}` or an
 * `application/graphql` body.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { runGraphql } from "../graphql/run";
import { ADMIN_API_VERSION } from "../graphql/schema";
import { parseParams, readBody, sendJson } from "../http";
import type { ShopRuntime } from "../shop-runtime";
import type { WebhookDelivery } from "../webhooks/payloads";
import type { WebhookSender } from "../webhooks/sender";

const INVALID_TOKEN_BODY = { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" };

/**
 * A consent mutation's webhooks (customers/update and the channel's consent topic) go out after the reply, one
 * after another, as Shopify sends them asynchronously to the write.
 */
export async function handleGraphql(runtime: ShopRuntime, request: IncomingMessage, response: ServerResponse, webhooks: WebhookSender): Promise<void> {
  runtime.stats.graphqlRequests++;
  const token = request.headers["x-shopify-access-token"];
  const scope = typeof token === "string" ? runtime.tokens.authenticate(token) : null;
  if (scope === null) return sendJson(response, 401, INVALID_TOKEN_BODY);
  const body = await readBody(request);
  const contentType = request.headers["content-type"];
  const params = contentType?.includes("application/graphql") ? { query: body } : parseParams(body, contentType);
  const deliveries: WebhookDelivery[] = [];
  const { domain } = runtime.store;
  const reply = runGraphql(runtime, params, new Set(scope.split(",").map((s) => s.trim())), (customerId, channel) => {
    deliveries.push(webhooks.build.customersUpdate(domain, customerId));
    deliveries.push(channel === "email" ? webhooks.build.customersEmailMarketingConsentUpdate(domain, customerId) : webhooks.build.customersMarketingConsentUpdate(domain, customerId));
  });
  sendJson(response, reply.status, reply.body, { "x-shopify-api-version": ADMIN_API_VERSION, "x-request-id": randomUUID() });
  if (deliveries.length) void webhooks.sendMany(deliveries);
}
