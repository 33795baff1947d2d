import { getDb, type Tx } from "../db.server";
import { type ConsentHistoryEntry, type ConsentHistorySource, recordConsentHistory } from "./consent-history.server";
import { replaceProfileLinks } from "./profile-link.server";
import { type RunLease, recordSyncFailures, saveSyncRunImportState } from "./sync-run.server";

/**
 * What the app last wrote to APSIS per customer and Section (ProfileLink, destination "apsis", target
 * "section:<discriminator>", destinationId = the profile key), and every consent it wrote (ConsentEvent).
 * A link is saved only after APSIS accepted every write for the customer, in the same transaction as the
 * consent events, so it never claims more than APSIS has.
 */

export type ApsisConsentEventInput = Omit<ConsentHistoryEntry, "destination" | "customerId" | "source"> & {
  /** Overrides the save's source for this event (an email change within a real-time or Full Sync). */
  source?: ApsisConsentSource;
};

export type ApsisConsentSource = Extract<ConsentHistorySource, "full_sync" | "webhook" | "email_change" | "import">;

const entriesOf = ({ customerId, source, events }: { customerId: string; source: ApsisConsentSource; events: ApsisConsentEventInput[] }): ConsentHistoryEntry[] =>
  events.map((e) => ({ ...e, destination: "apsis", customerId, source: e.source ?? source }));

/** customerId → target → { payloadHash, consent JSON, sourceUpdatedAt, lastSyncedAt } for the given customers. */
export async function findApsisLinks({ shopId, customerIds }: { shopId: string; customerIds: string[] }) {
  const rows = customerIds.length
    ? await getDb().profileLink.findMany({
        where: { shopId, destination: "apsis", customerId: { in: customerIds } },
        select: { customerId: true, target: true, payloadHash: true, consent: true, sourceUpdatedAt: true, lastSyncedAt: true },
      })
    : [];
  const out = new Map<string, Map<string, { payloadHash: string; consent: string | null; sourceUpdatedAt: Date | null; lastSyncedAt: Date }>>();
  for (const row of rows) {
    let byTarget = out.get(row.customerId);
    if (!byTarget) out.set(row.customerId, (byTarget = new Map()));
    byTarget.set(row.target, { payloadHash: row.payloadHash, consent: row.consent, sourceUpdatedAt: row.sourceUpdatedAt, lastSyncedAt: row.lastSyncedAt });
  }
  return out;
}

export async function saveApsisLink({ shopId, customerId, target, profileKey, email, phone, payloadHash, consent, sourceUpdatedAt, source, events, at = new Date() }: {
  shopId: string;
  customerId: string;
  target: string;
  profileKey: string;
  email: string | null;
  phone: string | null;
  payloadHash: string;
  /** The consent as it now stands (JSON). */
  consent: string;
  sourceUpdatedAt: Date | null;
  source: ApsisConsentSource;
  /** The consent writes APSIS accepted for this save. */
  events: ApsisConsentEventInput[];
  at?: Date;
}) {
  const data = { destinationId: profileKey, email, phone, payloadHash, consent, sourceUpdatedAt, lastSyncedAt: at, lastError: null };
  await getDb().$transaction(async (tx) => {
    await recordConsentHistory({ shopId, entries: entriesOf({ customerId, source, events }), tx });
    await tx.profileLink.upsert({
      where: { shopId_destination_target_customerId: { shopId, destination: "apsis", target, customerId } },
      create: { shopId, destination: "apsis", target, customerId, ...data },
      update: data,
    });
  });
}

export async function recordApsisConsentEvents({ shopId, customerId, source, events }: {
  shopId: string;
  customerId: string;
  source: ApsisConsentSource;
  events: ApsisConsentEventInput[];
}) {
  await recordConsentHistory({ shopId, entries: entriesOf({ customerId, source, events }) });
}

/** The customer's links, newest first: what was last written per Section (the customer page block, deletes). */
export async function listApsisLinksOfCustomer({ shopId, customerId }: { shopId: string; customerId: string }) {
  return getDb().profileLink.findMany({
    where: { shopId, destination: "apsis", customerId },
    select: { target: true, destinationId: true, consent: true, lastSyncedAt: true, lastError: true },
    orderBy: { lastSyncedAt: "desc" },
  });
}

/**
 * A customer deleted in Shopify: everything the app holds about them for APSIS One (links, consent events, sync
 * state, purchase events), in one transaction. Returns the counts.
 */
export async function deleteApsisCustomerData({ shopId, customerId }: { shopId: string; customerId: string }) {
  return getDb().$transaction((tx) => deleteCustomerRows(tx, { shopId, customerId }));
}

/**
 * customers/merge: the merged-away customer's data deleted as for a deleted customer, and the kept customer's
 * links marked as never written (no hash, no consent, no source time), so that their next sync writes every
 * attribute and consent from Shopify's result whatever the merge left on the profile. One transaction: a crash
 * leaves either both or neither.
 */
export async function foldMergedApsisCustomer({ shopId, keptCustomerId, mergedCustomerId }: { shopId: string; keptCustomerId: string; mergedCustomerId: string }) {
  return getDb().$transaction(async (tx) => {
    const removed = await deleteCustomerRows(tx, { shopId, customerId: mergedCustomerId });
    await tx.profileLink.updateMany({ where: { shopId, destination: "apsis", customerId: keptCustomerId }, data: { payloadHash: "", consent: null, sourceUpdatedAt: null } });
    return removed;
  });
}

async function deleteCustomerRows(tx: Tx, { shopId, customerId }: { shopId: string; customerId: string }) {
  const links = await tx.profileLink.deleteMany({ where: { shopId, destination: "apsis", customerId } });
  const consentEvents = await tx.consentEvent.deleteMany({ where: { shopId, destination: "apsis", customerId } });
  const purchaseEvents = await tx.apsisPurchaseEvent.deleteMany({ where: { shopId, customerId } });
  await tx.customerSyncState.deleteMany({ where: { shopId, customerId } });
  return { links: links.count, consentEvents: consentEvents.count, purchaseEvents: purchaseEvents.count };
}

/** A page of the shop's APSIS links in id order (after `afterId`): what the Subscriber counts page counts by consent. */
export async function listApsisLinkConsentPage({ shopId, afterId, take }: { shopId: string; afterId?: string; take: number }) {
  return getDb().profileLink.findMany({
    where: { shopId, destination: "apsis", ...(afterId ? { id: { gt: afterId } } : {}) },
    orderBy: { id: "asc" },
    take,
    select: { id: true, target: true, consent: true, lastSyncedAt: true },
  });
}

/** The shop's APSIS links of these customers with the consent written and when, newest first (the drill-down). */
export async function listApsisLinksOfCustomers({ shopId, customerIds }: { shopId: string; customerIds: string[] }) {
  if (!customerIds.length) return [];
  return getDb().profileLink.findMany({
    where: { shopId, destination: "apsis", customerId: { in: customerIds } },
    orderBy: { lastSyncedAt: "desc" },
    select: { customerId: true, target: true, consent: true, lastSyncedAt: true },
  });
}

export type ApsisLinkToSave = Omit<Parameters<typeof saveApsisLink>[0], "shopId" | "at">;

/**
 * A bulk import's confirmed rows (app/destinations/apsis/imports.server.ts), in one transaction: the links and
 * consent events of the rows APSIS imported, the failures of the rows it refused, and the run's import state
 * that says these rows are confirmed — so a crash part-way confirms them again from the same row, never twice.
 */
export async function confirmApsisImportRows({ shopId, lease, links, failures, importState, at = new Date() }: {
  shopId: string;
  lease: RunLease;
  links: ApsisLinkToSave[];
  failures: { customerId: string; email: string | null; reason: string; response: string | null }[];
  importState: string;
  at?: Date;
}) {
  await getDb().$transaction(async (tx) => {
    await recordConsentHistory({ shopId, entries: links.flatMap(entriesOf), tx });
    for (const target of new Set(links.map((l) => l.target))) {
      await replaceProfileLinks(tx, {
        shopId, destination: "apsis", target,
        links: links.filter((l) => l.target === target).map(({ customerId, profileKey, email, phone, payloadHash, consent, sourceUpdatedAt }) => ({
          customerId, destinationId: profileKey, email, phone, payloadHash, consent, sourceUpdatedAt, lastSyncedAt: at, lastError: null,
        })),
      });
    }
    await recordSyncFailures({ lease, failures, tx });
    await saveSyncRunImportState({ lease, importState, tx });
  });
}
