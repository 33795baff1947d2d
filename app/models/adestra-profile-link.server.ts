import { getDb } from "../db.server";
import { replaceProfileLinks } from "./profile-link.server";
import { type RunLease, recordSyncFailures, saveSyncRunImportState } from "./sync-run.server";

/**
 * What a send last wrote to Adestra per customer (ProfileLink, destination "adestra"):
 *  - target "list:<listId>": the contact as written to that list (payloadHash), its Adestra contact id;
 *  - target "unsub:<unsubListId>": the address(es) put on that unsub list, with the Shopify unsubscribe time
 *    (sourceUpdatedAt) they were put there for;
 *  - target "former:<listId>": the customer's previous address and its contact, which a send took off that list
 *    after an email change (kept so a later unsubscribe and customers/redact reach it too).
 * A link is written only after Adestra confirmed the write, so it never claims more than Adestra has.
 */
export const listTarget = (listId: number) => `list:${listId}`;
export const unsubTarget = (unsubListId: number) => `unsub:${unsubListId}`;
export const formerTarget = (listId: number) => `former:${listId}`;
const FORMER_PREFIX = "former:";

/** The given targets' links of these customers, and all their former-address links. */
export async function findAdestraLinks({ shopId, customerIds, targets }: { shopId: string; customerIds: string[]; targets: string[] }) {
  return getDb().profileLink.findMany({
    where: { shopId, destination: "adestra", customerId: { in: customerIds }, OR: [{ target: { in: targets } }, { target: { startsWith: FORMER_PREFIX } }] },
    select: { customerId: true, target: true, payloadHash: true, destinationId: true, email: true, lastSyncedAt: true, sourceUpdatedAt: true },
  });
}

/** The customers the app last wrote one of these addresses for, on a list or an unsub list (not former addresses). */
export async function findAdestraAddressHolders({ shopId, emails }: { shopId: string; emails: string[] }) {
  if (!emails.length) return [];
  return getDb().profileLink.findMany({
    where: { shopId, destination: "adestra", email: { in: emails }, NOT: { target: { startsWith: FORMER_PREFIX } } },
    select: { customerId: true, email: true },
  });
}

export async function deleteAdestraLink({ shopId, target, customerId }: { shopId: string; target: string; customerId: string }) {
  await getDb().profileLink.deleteMany({ where: { shopId, destination: "adestra", target, customerId } });
}

export async function upsertAdestraLink({ shopId, target, customerId, destinationId, email, payloadHash, sourceUpdatedAt = null, at = new Date() }: {
  shopId: string;
  target: string;
  customerId: string;
  destinationId: string | null;
  email: string;
  payloadHash: string;
  sourceUpdatedAt?: Date | null;
  at?: Date;
}) {
  const data = { destinationId, email, payloadHash, sourceUpdatedAt, lastSyncedAt: at, lastError: null };
  await getDb().profileLink.upsert({
    where: { shopId_destination_target_customerId: { shopId, destination: "adestra", target, customerId } },
    create: { shopId, destination: "adestra", target, customerId, ...data },
    update: data,
  });
}

/** Per target ("list:<id>", "unsub:<id>"): how many of the shop's customers the app put there, and when it last wrote. */
export async function countAdestraLinksByTarget({ shopId }: { shopId: string }) {
  const groups = await getDb().profileLink.groupBy({
    by: ["target"],
    // Former addresses are on no list.
    where: { shopId, destination: "adestra", NOT: { target: { startsWith: FORMER_PREFIX } } },
    _count: { _all: true },
    _max: { lastSyncedAt: true },
    orderBy: { target: "asc" },
  });
  return groups.map((g) => ({ target: g.target, customers: g._count._all, lastSyncedAt: g._max.lastSyncedAt }));
}

/** The shop's Adestra links of these customers, newest first (the drill-down). */
export async function listAdestraLinksOfCustomers({ shopId, customerIds }: { shopId: string; customerIds: string[] }) {
  if (!customerIds.length) return [];
  return getDb().profileLink.findMany({
    where: { shopId, destination: "adestra", customerId: { in: customerIds } },
    orderBy: { lastSyncedAt: "desc" },
    select: { customerId: true, target: true, destinationId: true, lastSyncedAt: true },
  });
}

/** Every Adestra link of the customer (lists, unsub lists, former addresses): a customer merged away in Shopify. */
export async function deleteAdestraLinksOfCustomer({ shopId, customerId }: { shopId: string; customerId: string }) {
  const { count } = await getDb().profileLink.deleteMany({ where: { shopId, destination: "adestra", customerId } });
  return count;
}

/**
 * A bulk import's settled rows (app/destinations/adestra/imports.server.ts), in one transaction: the list links
 * of the contacts Adestra's list confirmed, the failures of the rows it never showed, the staged rows settled
 * (so a resumed attempt waits only for the others) and the run's import state with the counts they added —
 * so a crash part-way settles each row once, never twice.
 */
export async function confirmAdestraImportRows({ shopId, lease, target, links, failures, settled, importState, at = new Date() }: {
  shopId: string;
  lease: RunLease;
  /** The list's target ("list:<id>"). */
  target: string;
  links: { customerId: string; contactId: number; email: string; payloadHash: string }[];
  failures: { customerId: string; email: string | null; reason: string; response: string | null }[];
  /** The staged rows (customer numbers) these links and failures settle. */
  settled: bigint[];
  importState: string;
  at?: Date;
}) {
  await getDb().$transaction(async (tx) => {
    await replaceProfileLinks(tx, {
      shopId, destination: "adestra", target,
      links: links.map(({ customerId, contactId, email, payloadHash }) => ({ customerId, destinationId: String(contactId), email, payloadHash, sourceUpdatedAt: null, lastSyncedAt: at, lastError: null })),
    });
    await recordSyncFailures({ lease, failures, tx });
    if (settled.length) await tx.stagedProfile.deleteMany({ where: { runId: lease.runId, customerNum: { in: settled } } });
    await saveSyncRunImportState({ lease, importState, tx });
  });
}
