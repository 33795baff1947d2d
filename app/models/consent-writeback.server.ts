import { getDb } from "../db.server";

/**
 * Write-back (docs/decisions/033-consent-write-back.md): which shops have it on, each shop's place in its round
 * of linked profiles, the opt-outs that came back (ConsentWriteback, shown on the Activity page), and the link
 * update that records what APSIS now holds.
 */

export const WRITEBACK_OUTCOMES = ["written", "refused"] as const;
export type WritebackOutcome = (typeof WRITEBACK_OUTCOMES)[number];

/** Invited, installed shops with APSIS write-back on and a keyspace (the profiles it checks were written there). */
export async function listApsisWritebackShops() {
  const rows = await getDb().apsisConnection.findMany({
    where: { writebackEnabled: true, keyspaceDiscriminator: { not: null }, shop: { invitation: "invited", uninstalledAt: null } },
    select: { shopId: true, shop: { select: { domain: true } } },
    orderBy: { shopId: "asc" },
  });
  return rows.map((row) => ({ shopId: row.shopId, shop: row.shop.domain }));
}

export async function getApsisWritebackState({ shopId }: { shopId: string }) {
  return getDb().apsisConnection.findUnique({ where: { shopId }, select: { writebackEnabled: true, writebackCursor: true, lastWritebackAt: true } });
}

/** A pass's place: the last link checked (null: the next pass starts the round again). */
export async function recordApsisWritebackProgress({ shopId, cursor, at }: { shopId: string; cursor: string | null; at: Date }) {
  await getDb().apsisConnection.updateMany({ where: { shopId }, data: { writebackCursor: cursor, lastWritebackAt: at } });
}

/** The shop's APSIS links after `afterId`, in id order: what a write-back pass checks. */
export async function listApsisLinksToCheck({ shopId, afterId, take }: { shopId: string; afterId: string | null; take: number }) {
  return getDb().profileLink.findMany({
    where: { shopId, destination: "apsis", ...(afterId ? { id: { gt: afterId } } : {}) },
    orderBy: { id: "asc" },
    take,
    select: { id: true, customerId: true, target: true, destinationId: true, consent: true, payloadHash: true },
  });
}

/**
 * After Shopify took the write-back: the link records the opt-outs APSIS holds (and, when that settles it, the
 * hash the real-time path will compute), only if no sync rewrote it since it was read (compare-and-set). False
 * when one did: that sync read Shopify after the write-back or will be followed by one that does.
 */
export async function recordWritebackOnLink({ linkId, read, consent, payloadHash }: {
  linkId: string;
  read: { consent: string | null; payloadHash: string };
  consent: string;
  payloadHash: string;
}) {
  const { count } = await getDb().profileLink.updateMany({
    where: { id: linkId, consent: read.consent, payloadHash: read.payloadHash },
    data: { consent, payloadHash },
  });
  return count === 1;
}

export async function recordConsentWriteback(row: {
  shopId: string;
  destination: string;
  customerId: string;
  channel: "email" | "sms";
  topics: string[];
  consentAt: Date;
  outcome: WritebackOutcome;
  detail: string | null;
}) {
  await getDb().consentWriteback.create({ data: { ...row, topics: row.topics.join(",") } });
}

/** Whether Shopify already refused this very opt-out (same customer, channel and time): it is not asked again. */
export async function wasWritebackRefused({ shopId, destination, customerId, channel, consentAt }: { shopId: string; destination: string; customerId: string; channel: string; consentAt: Date }) {
  return (await getDb().consentWriteback.count({ where: { shopId, destination, customerId, channel, consentAt, outcome: "refused" } })) > 0;
}

/** The shop's latest write-backs, newest first (the Activity page). */
export async function listConsentWritebacks({ shopId, take }: { shopId: string; take: number }) {
  const rows = await getDb().consentWriteback.findMany({
    where: { shopId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
    select: { id: true, destination: true, customerId: true, channel: true, topics: true, consentAt: true, outcome: true, detail: true, createdAt: true },
  });
  return rows.map((row) => ({ ...row, topics: row.topics ? row.topics.split(",") : [] }));
}

/** The offline session's granted scopes (null: no session), to refuse write-back without write_customers. */
export async function getOfflineScope({ shop }: { shop: string }) {
  const row = await getDb().session.findFirst({ where: { shop, isOnline: false }, select: { scope: true } });
  return row ? (row.scope ?? "") : null;
}
