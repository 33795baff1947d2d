/**
 * Shopify's mandatory compliance webhooks, run by the worker (`webhooks.process-delivery`). They need no
 * session and no Shopify call, so they work after uninstall and for shops the app never enabled.
 */
import type { z } from "zod";
import {
  findShopRedisFootprint,
  listCustomerProfileLinks,
  recordCustomerDataRequest,
  redactCustomerData,
  redactShopData,
} from "../models/compliance.server";
import { getShop } from "../models/shop.server";
import { DESTINATIONS } from "../destinations/index.server";
import { purgeCustomerFromRedis, purgeShopFromRedis } from "./compliance-redis.server";
import {
  customerGid,
  type CustomersDataRequestPayloadSchema,
  type CustomersRedactPayloadSchema,
  type ShopRedactPayloadSchema,
} from "../shopify/webhook-topics";

type Context = { shop: string; receiptId?: string };

/** The payload's shop_domain is covered by the HMAC; the shop header is not. They must agree. */
export class ShopMismatchError extends Error {
  constructor(readonly shop: string, readonly payloadShop: string) {
    super(`the payload's shop_domain (${payloadShop}) is not the delivery's shop (${shop})`);
    this.name = "ShopMismatchError";
  }
}

function assertSameShop(shop: string, payloadShop: string) {
  if (payloadShop.trim().toLowerCase() !== shop) throw new ShopMismatchError(shop, payloadShop);
}

/** customers/data_request: a report of everything held for the customer, stored for the merchant to hand over. */
export async function reportCustomerData({ shop, receiptId, payload }: Context & {
  payload: z.infer<typeof CustomersDataRequestPayloadSchema>;
}) {
  assertSameShop(shop, payload.shop_domain);
  const gid = customerGid(payload.customer.id);
  const result = await recordCustomerDataRequest({ shop, customerGid: gid, dataRequestId: payload.data_request?.id ?? null, receiptId });
  return { topic: "customers/data_request" as const, customer: gid, ...result };
}

/**
 * customers/redact, in an order that survives a crash at any step (the delivery is retried until the last
 * step finishes its receipt):
 *  1. each destination queues its redaction from the customer's links to it (each destination's index.server.ts,
 *     `redactCustomer`), ids only, with job ids from the delivery (a retried delivery queues nothing twice);
 *  2. Redis forgets the customer (compliance-redis.server.ts);
 *  3. one transaction deletes everything the database holds for the customer, records the counts and
 *     finishes the receipt. Queued first because that transaction deletes the links that say where to go.
 */
export async function redactCustomer({ shop, receiptId, payload }: Context & {
  payload: z.infer<typeof CustomersRedactPayloadSchema>;
}) {
  assertSameShop(shop, payload.shop_domain);
  const gid = customerGid(payload.customer.id);
  const links = await listCustomerProfileLinks({ shop, customerGid: gid });
  const queued: Record<string, number> = {};
  for (const destination of DESTINATIONS) {
    const own = links.filter((link) => link.destination === destination.name);
    Object.assign(queued, await destination.redactCustomer({ shop, customerId: gid, receiptId, links: own }));
  }
  const shopRow = await getShop({ shop });
  const redis = await purgeCustomerFromRedis({ shop, shopId: shopRow?.id ?? null, customerId: gid });
  const result = await redactCustomerData({
    shop,
    customerGid: gid,
    ordersToRedact: payload.orders_to_redact?.length ?? 0,
    receiptId,
    redis,
    queued,
  });
  return {
    topic: "customers/redact" as const,
    customer: gid,
    complianceRequestId: result.complianceRequestId,
    deleted: result.deleted,
    queued,
  };
}

/**
 * shop/redact (48 h after uninstall): Redis first (every key, job and cached token of the shop; it needs the
 * shop's ids and credentials, which the database delete removes), then one transaction deletes the shop's
 * data, sessions and receipts, records the counts and finishes the receipt. A crash in between retries both.
 */
export async function redactShop({ shop, receiptId, payload }: Context & { payload: z.infer<typeof ShopRedactPayloadSchema> }) {
  assertSameShop(shop, payload.shop_domain);
  const redis = await purgeShopFromRedis({ shop, footprint: await findShopRedisFootprint({ shop }) });
  const result = await redactShopData({ shop, receiptId, redis });
  return { topic: "shop/redact" as const, ...result };
}
