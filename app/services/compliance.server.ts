/**
 * Shopify's mandatory compliance webhooks, run by the worker (`webhooks.process-delivery`). They need no
 * session and no Shopify call, so they work after uninstall and for shops the app never enabled.
 */
import type { z } from "zod";
import { recordCustomerDataRequest, redactCustomerData, redactShopData } from "../models/compliance.server";
import {
  customerGid,
  type CustomersDataRequestPayloadSchema,
  type CustomersRedactPayloadSchema,
  type ShopRedactPayloadSchema,
} from "../queues/jobs/webhook-topics.server";

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
 * customers/redact: deletes everything held for the customer in one transaction and records the counts.
 * `propagate` lists the destination profiles that existed: deleting them in Adestra / APSIS (per the shop's
 * ApsisConnection.onCustomerDelete) is the next step and is not done yet.
 */
export async function redactCustomer({ shop, receiptId, payload }: Context & {
  payload: z.infer<typeof CustomersRedactPayloadSchema>;
}) {
  assertSameShop(shop, payload.shop_domain);
  const gid = customerGid(payload.customer.id);
  const result = await redactCustomerData({
    shop,
    customerGid: gid,
    ordersToRedact: payload.orders_to_redact?.length ?? 0,
    receiptId,
  });
  return {
    topic: "customers/redact" as const,
    customer: gid,
    complianceRequestId: result.complianceRequestId,
    deleted: result.deleted,
    propagate: result.links,
  };
}

/** shop/redact (48 h after uninstall): deletes the shop's data, sessions and receipts; records the counts. */
export async function redactShop({ shop, receiptId, payload }: Context & { payload: z.infer<typeof ShopRedactPayloadSchema> }) {
  assertSameShop(shop, payload.shop_domain);
  const result = await redactShopData({ shop, receiptId });
  return { topic: "shop/redact" as const, ...result };
}
