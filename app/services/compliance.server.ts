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
  type RedactedProfileLink,
} from "../models/compliance.server";
import { getShop } from "../models/shop.server";
import { enqueue } from "../queues/enqueue.server";
import { sectionOfTarget } from "../destinations/apsis/rules/profile";
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

/** Adestra's ids of the contact on each list the app put it on ("list:<id>" links; unsub links hold only the address). */
function adestraContacts(links: RedactedProfileLink[]) {
  const contacts = [];
  for (const link of links) {
    const listId = link.destination === "adestra" ? /^list:(\d+)$/.exec(link.target)?.[1] : undefined;
    const contactId = Number(link.destinationId);
    if (listId && Number.isSafeInteger(contactId) && contactId > 0) contacts.push({ contactId, listId: Number(listId) });
  }
  return contacts;
}

/** The APSIS One Sections the app wrote the profile to. */
function apsisSections(links: RedactedProfileLink[]) {
  return [...new Set(links.filter((l) => l.destination === "apsis").map((l) => sectionOfTarget(l.target)).filter((s): s is string => s !== null))];
}

const ADESTRA_JOB_CONTACTS = 1000; // the job schema's bound

/**
 * customers/redact, in an order that survives a crash at any step (the delivery is retried until the last
 * step finishes its receipt):
 *  1. each destination's redaction is queued, ids only, with job ids from the delivery (a retried delivery
 *     queues nothing twice): the Adestra contact's removal from every list and the clearing of every field the
 *     app wrote but the address (adestra.redact-contact), and the
 *     APSIS One profile's deletion or anonymisation in every Section, as the merchant chose (apsis.redact-profile);
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
  const contacts = adestraContacts(links);
  for (let i = 0; i < contacts.length; i += ADESTRA_JOB_CONTACTS) {
    const jobId = receiptId ? `adestra-redact-${receiptId}-${i / ADESTRA_JOB_CONTACTS}` : undefined;
    await enqueue("adestra.redact-contact", { shop, customerId: gid, contacts: contacts.slice(i, i + ADESTRA_JOB_CONTACTS) }, { jobId });
  }
  const sections = apsisSections(links);
  if (sections.length) await enqueue("apsis.redact-profile", { shop, customerId: gid, sections }, { jobId: receiptId ? `apsis-redact-${receiptId}` : undefined });
  const shopRow = await getShop({ shop });
  const redis = await purgeCustomerFromRedis({ shop, shopId: shopRow?.id ?? null, customerId: gid });
  const result = await redactCustomerData({
    shop,
    customerGid: gid,
    ordersToRedact: payload.orders_to_redact?.length ?? 0,
    receiptId,
    redis: { ...redis, adestraContacts: contacts.length },
  });
  return {
    topic: "customers/redact" as const,
    customer: gid,
    complianceRequestId: result.complianceRequestId,
    deleted: result.deleted,
    queued: { adestraContacts: contacts.length, apsisSections: sections.length },
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
