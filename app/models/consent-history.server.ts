import { getDb, type Tx } from "../db.server";

/**
 * The consent history (ConsentEvent): every consent the app wrote to a destination, and every raise it left
 * alone, with Shopify's consent state and time, where, the source and the reason (issue 13 item 4,
 * docs/decisions/034-consent-guard-and-history.md). THE way to record one: each destination's saves call
 * recordConsentHistory in the transaction of their own bookkeeping (a ProfileLink, an import's confirmation);
 * the write-back (Shopify ← destination) calls it with source "write_back" and destination the one it came from.
 */

export type ConsentHistorySource = "webhook" | "full_sync" | "email_change" | "import" | "send" | "write_back";
export type ConsentHistoryOutcome = "written" | "left_alone";

export type ConsentHistoryEntry = {
  destination: "apsis" | "adestra";
  customerId: string;
  channel: "email" | "sms";
  /** The email address or phone number the consent is about. */
  address: string;
  /** APSIS One's topic; null for Adestra (the target is the list or unsub list). */
  topic: string | null;
  /** "section:<discriminator>", "list:<id>" or "unsub:<id>". */
  target: string;
  type: "opt-in" | "opt-out";
  outcome: ConsentHistoryOutcome;
  source: ConsentHistorySource;
  reason: string;
  /** Shopify's marketing state and consent time (ISO 8601) for the channel when the write was decided. */
  shopify: { state: string | null; at: string | null };
};

/** Rows per createMany: a million-customer import confirms in chunks, never one insert per consent. */
const CHUNK = 1_000;

const rowOf = (shopId: string, e: ConsentHistoryEntry) => {
  const at = e.shopify.at ? new Date(e.shopify.at) : null;
  return {
    shopId,
    destination: e.destination,
    customerId: e.customerId,
    channel: e.channel,
    address: e.address,
    topic: e.topic,
    target: e.target,
    type: e.type === "opt-in" ? "opt_in" : "opt_out",
    outcome: e.outcome,
    source: e.source,
    reason: e.reason.slice(0, 1_000),
    shopifyState: e.shopify.state,
    shopifyConsentAt: at && Number.isFinite(at.getTime()) ? at : null,
  };
};

/** Records entries, in `tx` when given (the caller's own bookkeeping), in chunks. */
export async function recordConsentHistory({ shopId, entries, tx }: { shopId: string; entries: readonly ConsentHistoryEntry[]; tx?: Tx }) {
  const db = tx ?? getDb();
  for (let i = 0; i < entries.length; i += CHUNK) {
    await db.consentEvent.createMany({ data: entries.slice(i, i + CHUNK).map((e) => rowOf(shopId, e)) });
  }
}

export const CONSENT_HISTORY_PAGE_SIZE = 25;

/** One customer's history in one shop, newest first, a page at a time (`before`: the last row's id of the page before). */
export async function listConsentHistory({ shopId, customerId, before, take = CONSENT_HISTORY_PAGE_SIZE }: {
  shopId: string;
  customerId: string;
  before?: string | null;
  take?: number;
}) {
  const rows = await getDb().consentEvent.findMany({
    where: { shopId, customerId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: take + 1,
    ...(before ? { cursor: { id: before }, skip: 1 } : {}),
    select: {
      id: true, destination: true, channel: true, address: true, topic: true, target: true, type: true, outcome: true,
      source: true, reason: true, shopifyState: true, shopifyConsentAt: true, createdAt: true,
    },
  });
  return { rows: rows.slice(0, take), more: rows.length > take };
}

/** Consent history older than the retention is deleted, in batches (the pruning job). */
export async function pruneConsentHistory({ before, batch = 5_000 }: { before: Date; batch?: number }) {
  let deleted = 0;
  for (;;) {
    const ids = (await getDb().consentEvent.findMany({ where: { createdAt: { lt: before } }, select: { id: true }, take: batch })).map((r) => r.id);
    if (!ids.length) return deleted;
    deleted += (await getDb().consentEvent.deleteMany({ where: { id: { in: ids } } })).count;
  }
}
