/**
 * Reconciliation's judgement of one customer's change (app/destinations/apsis/reconcile.server.ts): did the
 * app sync it, is a sync on its way, or did no webhook bring it? Pure: the caller reads the records.
 * Docs: docs/decisions/026-reconciliation.md.
 */

/** A delivery about the customer, as its receipt says. */
export type ReceiptRecord = {
  /** When Shopify triggered it (its receipt time when Shopify did not say). */
  at: Date;
  status: string;
  /** Pending deliveries only: its job still exists in Redis (or it is too recent to tell). */
  alive?: boolean;
};

/** What the app knows of the customer's syncs. */
export type CustomerRecord = {
  /** The newest Shopify updatedAt the app wrote to APSIS for the customer (its profile links); null: never written. */
  writtenThrough: Date | null;
  /** The latest real-time sync's end and outcome (CustomerSyncState); null: none. */
  lastSync: { at: Date; outcome: string } | null;
  receipts: ReceiptRecord[];
  /** A sync of the customer is waiting or running in Redis. */
  syncQueued: boolean;
  /** The shop's latest invitation: a delivery ignored before it was ignored because the shop was not invited. */
  invitedAt?: Date | null;
};

/**
 * - written: APSIS has this state of the customer or a later one;
 * - delivered: a webhook for the change was delivered and its sync finished (whatever it found), or a sync
 *   finished after it (it read the customer fresh);
 * - in_flight: a delivery or a sync for the customer is still ahead;
 * - missed: none of these — no webhook brought it, or its job was lost. What reconciliation catches.
 */
export type ChangeVerdict = "written" | "delivered" | "in_flight" | "missed";

const FINAL = new Set(["processed", "ignored", "failed"]);
const PENDING = new Set(["received", "queued", "syncing"]);

/**
 * Shopify's updatedAt has whole seconds: the change happened within the second after it. A sync that ended
 * later than that ended after the change; one ending within that second may have read the customer before it.
 */
const SECOND_MS = 1000;

export function judgeChange(updatedAt: Date, record: CustomerRecord): ChangeVerdict {
  const changed = updatedAt.getTime();
  if (record.writtenThrough && record.writtenThrough.getTime() >= changed) return "written";
  // A delivery ignored while the shop was revoked synced nothing: the change it brought is still to catch.
  const finished = (r: ReceiptRecord) => FINAL.has(r.status) && !(r.status === "ignored" && record.invitedAt && r.at < record.invitedAt);
  if (record.receipts.some((r) => finished(r) && r.at.getTime() >= changed)) return "delivered";
  if (record.lastSync && record.lastSync.outcome !== "failed" && record.lastSync.at.getTime() >= changed + SECOND_MS) return "delivered";
  if (record.syncQueued || record.receipts.some((r) => PENDING.has(r.status) && r.alive)) return "in_flight";
  return "missed";
}

/** Pending deliveries whose job is gone: the sync the reconciliation queues finishes them. */
export const lostReceipts = <R extends ReceiptRecord>(receipts: R[]) => receipts.filter((r) => PENDING.has(r.status) && !r.alive);

/**
 * The watermark after a page: every change up to the page's last was looked at and handed over. Never moves
 * back (a pass re-reads the overlap before the watermark).
 */
export function advanceWatermark(current: Date, pageUpdatedAts: Date[]): Date {
  const latest = Math.max(current.getTime(), ...pageUpdatedAts.map((d) => d.getTime()));
  return new Date(latest);
}
