/**
 * Job `maintenance.prune-webhook-receipts` (scheduled daily): receipts exist for deduplication and audit;
 * after RETENTION_DAYS they are deleted, in batches. Shopify stops redelivering an event after 4 hours and
 * BullMQ forgets completed job ids after a day, so 14 days is ample for both.
 */
import { pruneWebhookReceipts } from "../models/webhook-receipt.server";
import type { JobContext } from "../queues/registry";

export const WEBHOOK_RECEIPT_RETENTION_DAYS = 14;

export async function pruneWebhookReceiptsJob(_payload: Record<string, never>, ctx: JobContext, now: Date = new Date()) {
  const before = new Date(now.getTime() - WEBHOOK_RECEIPT_RETENTION_DAYS * 24 * 3600 * 1000);
  const result = await pruneWebhookReceipts({ before });
  ctx.log(`deleted ${result.deleted} webhook receipt(s) received before ${before.toISOString()}`);
  return { ...result, before: before.toISOString() };
}
