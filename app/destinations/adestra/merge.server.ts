/**
 * customers/merge reaching Adestra (docs/decisions/035-customer-merge.md): the lists the app sends to hold the
 * kept customer only. The merged-away customer's contact (ProfileLink "list:<id>", its Adestra contact id) is
 * taken off each list with `contact.removeList` [SEEN] — unless it is the kept customer's contact on that list
 * too (one address, one contact on the core table). Then every Adestra link of the merged-away customer is
 * deleted. Retry-safe: removing a contact that is no longer on a list changes nothing, a contact or list
 * Adestra no longer has (fault 207) counts as removed, and once the links are gone a retry finds nothing. The
 * contact itself stays in the core table (Adestra documents no delete; the app never deletes contacts), and an
 * address on the unsub list stays there: an opt-out is never undone here. The kept customer's own state
 * reaches the list with the next send, as every change does (Adestra syncs in sends, not in real time).
 */
import { AdestraNotFoundError } from "./client/errors";
import { deleteAdestraLinksOfCustomer, listAdestraLinksOfCustomers } from "../../models/adestra-profile-link.server";
import type { CustomerMerge } from "../destination";
import { openAdestraConnection } from "./account.server";

export async function removeMergedAdestraContact({ shopId, keptCustomerId, mergedCustomerId }: CustomerMerge): Promise<string | null> {
  const links = await listAdestraLinksOfCustomers({ shopId, customerIds: [keptCustomerId, mergedCustomerId] });
  const merged = links.filter((l) => l.customerId === mergedCustomerId);
  if (!merged.length) return null;
  const keptContacts = new Set(links.filter((l) => l.customerId === keptCustomerId).map((l) => `${l.target} ${l.destinationId}`));
  const onLists = merged.flatMap((link) => {
    const listId = Number(/^list:(\d+)$/.exec(link.target)?.[1]);
    const contactId = Number(link.destinationId);
    return Number.isSafeInteger(listId) && listId > 0 && Number.isSafeInteger(contactId) && contactId > 0 ? [{ listId, contactId, shared: keptContacts.has(`${link.target} ${link.destinationId}`) }] : [];
  });

  const opened = await openAdestraConnection({ shopId });
  if (!opened) return `Adestra: not connected, the merged-away customer's contact left on ${onLists.length} list(s)`;
  let removed = 0;
  let shared = 0;
  for (const { listId, contactId, shared: isKept } of onLists) {
    if (isKept) {
      shared += 1;
      continue;
    }
    try {
      await opened.client.contacts.removeList({ contactId, listId });
    } catch (error) {
      if (!(error instanceof AdestraNotFoundError)) throw error;
    }
    removed += 1;
  }
  await deleteAdestraLinksOfCustomer({ shopId, customerId: mergedCustomerId });
  const notes = [`the merged-away customer's contact taken off ${removed} list(s)`];
  if (shared) notes.push(`left on ${shared} list(s) where it is the kept customer's contact too`);
  return `Adestra: ${notes.join("; ")}`;
}
