import { z } from "zod";
import { getDb } from "../db.server";

/**
 * One row per webhook delivery, deduplicated on Shopify's event id (the unique constraint on eventId).
 * status:
 *  - "received": recorded, but the job is not known to be in the queue yet (enqueue pending or failed).
 *    A redelivery of a "received" event is NOT a duplicate: it enqueues again (the job id makes that idempotent).
 *  - "queued": the job is in the queue. A redelivery finding it "queued" or "syncing" while that job is gone
 *    (Redis lost its data) reopens it to "received" (reopenWebhookReceipt) and enqueues again.
 *  - "syncing": handed to the customer's APSIS One real-time sync, which finishes it after its write (so
 *    processedAt − receivedAt is the delay from delivery to APSIS).
 *  - "processed" | "ignored" | "failed": the outcome, with `detail` saying why.
 */
export const WebhookReceiptStatusSchema = z.enum(["received", "queued", "syncing", "processed", "ignored", "failed"]);
export type WebhookReceiptStatus = z.infer<typeof WebhookReceiptStatusSchema>;
export type FinalReceiptStatus = Extract<WebhookReceiptStatus, "processed" | "ignored" | "failed">;

export type WebhookDelivery = {
  eventId: string;
  webhookId: string;
  shop: string;
  topic: string;
  apiVersion: string;
  triggeredAt: Date | null;
  /** The customer a customer, consent or order delivery is about (from the verified payload). */
  customerId?: string | null;
};

function isUniqueViolation(error: unknown) {
  // Both generated clients (SQLite, PostgreSQL) raise their own error class; the code is what they share.
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

function receiptData(delivery: WebhookDelivery) {
  return {
    eventId: delivery.eventId,
    webhookId: delivery.webhookId,
    shopDomain: delivery.shop,
    topic: delivery.topic,
    apiVersion: delivery.apiVersion,
    triggeredAt: delivery.triggeredAt,
    customerId: delivery.customerId ?? null,
  };
}

export type ClaimResult =
  | { outcome: "new"; receiptId: string }
  /** Recorded earlier but never confirmed queued: the caller must enqueue again. */
  | { outcome: "retry"; receiptId: string }
  | { outcome: "duplicate"; receiptId: string; status: string };

/**
 * Records a delivery, or finds the earlier delivery of the same event. Insert first and let the unique
 * constraint decide, so two concurrent deliveries of one event cannot both count as new.
 */
export async function claimWebhookReceipt(delivery: WebhookDelivery): Promise<ClaimResult> {
  const db = getDb();
  try {
    const row = await db.webhookReceipt.create({ data: { ...receiptData(delivery), status: "received" }, select: { id: true } });
    return { outcome: "new", receiptId: row.id };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
  const existing = await db.webhookReceipt.findUnique({ where: { eventId: delivery.eventId }, select: { id: true, status: true } });
  // Deleted between our insert and read (pruned, or a shop/redact): treat as already handled.
  if (!existing) return { outcome: "duplicate", receiptId: "", status: "gone" };
  if (existing.status === "received") return { outcome: "retry", receiptId: existing.id };
  return { outcome: "duplicate", receiptId: existing.id, status: existing.status };
}

/**
 * A "queued" or "syncing" receipt whose job Redis no longer has (it lost its data): back to "received", so the
 * redelivery that found it enqueues again. Only from the status seen, so a receipt the worker moved on meanwhile
 * stays as it is; answers whether it was reopened.
 */
export async function reopenWebhookReceipt({ receiptId, from }: { receiptId: string; from: "queued" | "syncing" }) {
  const { count } = await getDb().webhookReceipt.updateMany({ where: { id: receiptId, status: from }, data: { status: "received" } });
  return count > 0;
}

/** Receipts still waiting for their work: recorded, queued, or handed to a customer's real-time sync. */
export const PENDING_RECEIPT_STATUSES = ["received", "queued", "syncing"] as const;

/**
 * The shop's deliveries about these customers that are still pending, or that Shopify triggered at or after
 * `since` (the reconciliation's window): what the webhook path did with their changes.
 */
export async function listReceiptsOfCustomers({ shop, customerIds, since }: { shop: string; customerIds: string[]; since: Date }) {
  if (!customerIds.length) return [];
  return getDb().webhookReceipt.findMany({
    where: {
      shopDomain: shop,
      customerId: { in: customerIds },
      OR: [{ status: { in: [...PENDING_RECEIPT_STATUSES] } }, { triggeredAt: { gte: since } }, { triggeredAt: null, receivedAt: { gte: since } }],
    },
    select: { id: true, eventId: true, customerId: true, status: true, triggeredAt: true, receivedAt: true },
  });
}

/** The shop's oldest pending deliveries about a customer, received before `before` (the reconciliation's sweep). */
export async function listPendingCustomerReceipts({ shop, before, take }: { shop: string; before: Date; take: number }) {
  return getDb().webhookReceipt.findMany({
    where: { shopDomain: shop, status: { in: [...PENDING_RECEIPT_STATUSES] }, receivedAt: { lt: before }, customerId: { not: null } },
    orderBy: { receivedAt: "asc" },
    take,
    select: { id: true, eventId: true, customerId: true, status: true, triggeredAt: true, receivedAt: true },
  });
}

/** Which of these deliveries are still pending now. */
export async function filterPendingReceipts({ receiptIds }: { receiptIds: string[] }) {
  if (!receiptIds.length) return new Set<string>();
  const rows = await getDb().webhookReceipt.findMany({
    where: { id: { in: receiptIds }, status: { in: [...PENDING_RECEIPT_STATUSES] } },
    select: { id: true },
  });
  return new Set(rows.map((r) => r.id));
}

/** received → queued, only if nothing has moved it on (the worker may already have finished it). */
export async function markWebhookReceiptQueued({ receiptId }: { receiptId: string }) {
  await getDb().webhookReceipt.updateMany({ where: { id: receiptId, status: "received" }, data: { status: "queued" } });
}

export async function getWebhookReceipt({ receiptId }: { receiptId: string }) {
  return getDb().webhookReceipt.findUnique({ where: { id: receiptId } });
}

export async function finishWebhookReceipt({ receiptId, status, detail }: {
  receiptId: string;
  status: FinalReceiptStatus;
  detail: string;
}) {
  await getDb().webhookReceipt.updateMany({
    where: { id: receiptId },
    data: { status, detail: detail.slice(0, 2000), processedAt: new Date() },
  });
}

/** Handed to the customer's real-time sync (only from received/queued: never reopens a finished receipt). */
export async function markWebhookReceiptSyncing({ receiptId, customerId }: { receiptId: string; customerId: string }) {
  await getDb().webhookReceipt.updateMany({ where: { id: receiptId, status: { in: ["received", "queued"] } }, data: { status: "syncing", customerId } });
}

/** The outcome of the real-time sync the receipts waited for (those still "syncing"; a retry finds none left). */
export async function finishSyncingReceipts({ receiptIds, status, detail, at = new Date() }: {
  receiptIds: string[];
  status: FinalReceiptStatus;
  detail: string;
  at?: Date;
}) {
  if (!receiptIds.length) return;
  await getDb().webhookReceipt.updateMany({
    where: { id: { in: receiptIds }, status: "syncing" },
    data: { status, detail: detail.slice(0, 2000), processedAt: at },
  });
}

export async function listWebhookReceipts({ shop }: { shop?: string } = {}) {
  return getDb().webhookReceipt.findMany({
    where: shop ? { shopDomain: shop } : {},
    orderBy: { receivedAt: "asc" },
  });
}

export type InlineOutcome = { outcome: "processed"; detail: string } | { outcome: "duplicate" };

/**
 * app/uninstalled, in the request and in one transaction with its receipt: the shop's sessions are deleted
 * and the shop is marked uninstalled. All or nothing, so a failure (answered 500) leaves no receipt behind
 * and Shopify's retry does the work. Works whether or not a session exists.
 * (Same write as shop.server.ts recordUninstall, but on the transaction.)
 */
export async function recordUninstallDelivery(delivery: WebhookDelivery): Promise<InlineOutcome> {
  const now = new Date();
  try {
    return await getDb().$transaction(async (tx) => {
      const sessions = await tx.session.deleteMany({ where: { shop: delivery.shop } });
      const shops = await tx.shop.updateMany({ where: { domain: delivery.shop }, data: { uninstalledAt: now } });
      const detail = `uninstalled: ${sessions.count} session(s) deleted, shop ${shops.count ? "marked uninstalled" : "unknown to the app"}`;
      // A redelivery fails here on the unique event id and rolls the whole transaction back: a late duplicate
      // of an old uninstall never deletes the sessions of a shop that has reinstalled since.
      await tx.webhookReceipt.create({ data: { ...receiptData(delivery), status: "processed", processedAt: now, detail } });
      return { outcome: "processed" as const, detail };
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { outcome: "duplicate" };
    throw error;
  }
}

/** app/scopes_update, in the request: the stored offline session's scope follows what the merchant granted. */
export async function recordScopesUpdateDelivery(delivery: WebhookDelivery, { scope }: { scope: string }): Promise<InlineOutcome> {
  const now = new Date();
  try {
    return await getDb().$transaction(async (tx) => {
      const sessions = await tx.session.updateMany({ where: { shop: delivery.shop, isOnline: false }, data: { scope } });
      const detail = sessions.count ? `scope of ${sessions.count} offline session(s) set to "${scope}"` : "no stored session to update";
      await tx.webhookReceipt.create({ data: { ...receiptData(delivery), status: "processed", processedAt: now, detail } });
      return { outcome: "processed" as const, detail };
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { outcome: "duplicate" };
    throw error;
  }
}

/** A delivery that is answered but not processed (malformed, or a topic the app does not handle). */
export async function recordUnprocessedDelivery(delivery: WebhookDelivery, { status, detail }: {
  status: "ignored" | "failed";
  detail: string;
}): Promise<InlineOutcome> {
  try {
    await getDb().webhookReceipt.create({ data: { ...receiptData(delivery), status, detail, processedAt: new Date() } });
    return { outcome: "processed", detail };
  } catch (error) {
    if (isUniqueViolation(error)) return { outcome: "duplicate" };
    throw error;
  }
}

/** Deletes receipts received before `before`, in batches, so a large backlog never holds one long lock. */
export async function pruneWebhookReceipts({ before, batchSize = 1000 }: { before: Date; batchSize?: number }) {
  const db = getDb();
  let deleted = 0;
  for (;;) {
    const batch = await db.webhookReceipt.findMany({
      where: { receivedAt: { lt: before } },
      select: { id: true },
      take: batchSize,
    });
    if (!batch.length) break;
    const result = await db.webhookReceipt.deleteMany({ where: { id: { in: batch.map((r) => r.id) } } });
    deleted += result.count;
    if (batch.length < batchSize) break;
  }
  return { deleted };
}
