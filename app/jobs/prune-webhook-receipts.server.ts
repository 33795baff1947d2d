/**
 * Job `maintenance.prune-webhook-receipts` (scheduled daily): receipts exist for deduplication and audit;
 * after RETENTION_DAYS they are deleted, in batches. Shopify stops redelivering an event after 4 hours and
 * BullMQ forgets completed job ids after a day, so 14 days is ample for both. The same daily job bounds the
 * consent history: kept CONSENT_HISTORY_RETENTION_DAYS (a year and a month, so "why is this profile opted in"
 * reaches back past a yearly campaign), then deleted in batches.
 */
import { pruneConsentHistory } from "../models/consent-history.server";
import { pruneWebhookReceipts } from "../models/webhook-receipt.server";
import type { JobContext } from "../queues/registry";

export const WEBHOOK_RECEIPT_RETENTION_DAYS = 14;
export const CONSENT_HISTORY_RETENTION_DAYS = 400;

const DAY_MS = 24 * 3600 * 1000;

export async function pruneWebhookReceiptsJob(_payload: Record<string, never>, ctx: JobContext, now: Date = new Date()) {
  const before = new Date(now.getTime() - WEBHOOK_RECEIPT_RETENTION_DAYS * DAY_MS);
  const result = await pruneWebhookReceipts({ before });
  ctx.log(`deleted ${result.deleted} webhook receipt(s) received before ${before.toISOString()}`);
  const historyBefore = new Date(now.getTime() - CONSENT_HISTORY_RETENTION_DAYS * DAY_MS);
  const consentEvents = await pruneConsentHistory({ before: historyBefore });
  ctx.log(`deleted ${consentEvents} consent history event(s) recorded before ${historyBefore.toISOString()}`);
  return { ...result, before: before.toISOString(), consentEvents };
}
