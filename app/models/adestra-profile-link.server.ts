import { getDb } from "../db.server";

/**
 * What a send last wrote to Adestra per customer (ProfileLink, destination "adestra"):
 *  - target "list:<listId>": the contact as written to that list (payloadHash), its Adestra contact id;
 *  - target "unsub:<unsubListId>": the address put on that unsub list.
 * A link is written only after Adestra confirmed the write, so it never claims more than Adestra has.
 */
export const listTarget = (listId: number) => `list:${listId}`;
export const unsubTarget = (unsubListId: number) => `unsub:${unsubListId}`;

/** customerId → { target → payloadHash } for the given customers and targets. */
export async function findAdestraLinkHashes({ shopId, customerIds, targets }: { shopId: string; customerIds: string[]; targets: string[] }) {
  const rows = await getDb().profileLink.findMany({
    where: { shopId, destination: "adestra", target: { in: targets }, customerId: { in: customerIds } },
    select: { customerId: true, target: true, payloadHash: true },
  });
  const out = new Map<string, Map<string, string>>();
  for (const row of rows) {
    let byTarget = out.get(row.customerId);
    if (!byTarget) out.set(row.customerId, (byTarget = new Map()));
    byTarget.set(row.target, row.payloadHash);
  }
  return out;
}

export async function upsertAdestraLink({ shopId, target, customerId, destinationId, email, payloadHash, at = new Date() }: {
  shopId: string;
  target: string;
  customerId: string;
  destinationId: string | null;
  email: string;
  payloadHash: string;
  at?: Date;
}) {
  const data = { destinationId, email, payloadHash, lastSyncedAt: at, lastError: null };
  await getDb().profileLink.upsert({
    where: { shopId_destination_target_customerId: { shopId, destination: "adestra", target, customerId } },
    create: { shopId, destination: "adestra", target, customerId, ...data },
    update: data,
  });
}
