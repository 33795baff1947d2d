/**
 * Job `adestra.redact-contact` ({ shop, customerId, contacts }): customers/redact reaching Adestra. The app's
 * own data was deleted with the delivery (models/compliance.server.ts); the job carries only Adestra's ids of
 * what the app had written (contact id and list id per list), never the address, so Redis holds no personal
 * data while it waits or retries.
 *
 * Adestra documents no call that deletes a contact (docs/apis/adestra-api.md), so each contact, once, is
 *  1. anonymised: `contact.update` [SEEN] sets every field the app writes (ADESTRA_CONTACT_FIELDS) to "",
 *     except `email`. The email stays because it is the core table's dedupe key: kept, the record belongs to
 *     that address alone, so no other customer's upsert can ever be matched onto it (a blank or shared
 *     placeholder would let later upserts re-link redacted records), and an address on the unsub list stays
 *     matched by the record it suppresses (unsub lists hold addresses, not contacts).
 *     Only the fields the contact's record holds are written (contact.get): a core table lacking one of the
 *     app's fields would refuse the whole update (fault 211);
 *  2. taken off every list the app put it on (`contact.removeList` [SEEN]).
 * Retry-safe: blanking blank fields and removing a contact that is not on a list change nothing, and a
 * contact already blank is not written again. A contact or list that no longer exists (fault 207) counts as
 * done. A refused login stops the job with the words the Settings page uses; anything else (Adestra down or
 * throttling) is retried by BullMQ with backoff (enqueue.server.ts gives redactions a long budget).
 * See docs/decisions/012-adestra-send-engine.md, "Redaction".
 */
import { UnrecoverableError } from "bullmq";
import type { AdestraClient } from "../client/client";
import { AdestraAuthError, AdestraNotFoundError } from "../client/errors";
import { getShop } from "../../../models/shop.server";
import { describeAdestraError, openAdestraConnection } from "../account.server";
import { ADESTRA_CONTACT_FIELDS } from "../rules/map-customer";
import type { JobPayload } from "../../../queues/registry";
import type { REDACT_CONTACT_JOB } from "./definitions";
import type { JobContext } from "../../../queues/registry";

/** Every field the app writes but the dedupe key. */
const REDACTED_FIELDS = ADESTRA_CONTACT_FIELDS.filter((field) => field !== "email");

export async function adestraRedactContactJob({ shop, customerId, contacts }: JobPayload<typeof REDACT_CONTACT_JOB>, { log }: JobContext) {
  const shopRow = await getShop({ shop });
  if (!shopRow) return { outcome: "skipped", reason: "the shop is unknown" };
  const opened = await openAdestraConnection({ shopId: shopRow.id });
  if (!opened) return { outcome: "skipped", reason: "Adestra is not connected" };
  const { client } = opened;

  const listsByContact = new Map<number, number[]>();
  for (const { contactId, listId } of contacts) listsByContact.set(contactId, [...(listsByContact.get(contactId) ?? []), listId]);

  let anonymised = 0;
  let removed = 0;
  let gone = 0;
  // One by one: a retry repeats only what is left, and repeating it is harmless.
  for (const [contactId, listIds] of listsByContact) {
    const blanked = await unlessGone(() => anonymise(client, contactId));
    if (blanked === "gone") {
      gone += 1; // the contact no longer exists: nothing of it is left on any list
      continue;
    }
    if (blanked) anonymised += 1;
    for (const listId of listIds) {
      if ((await unlessGone(() => client.contacts.removeList({ contactId, listId }))) === "gone") gone += 1;
      else removed += 1;
    }
  }
  log(`${customerId}: redacted in Adestra, ${anonymised} contact(s) anonymised, off ${removed} list(s), ${gone} already gone`);
  return { outcome: "redacted", anonymised, removed, gone };
}

/** Blanks the app's fields the contact still holds; false when there were none (already anonymised). */
async function anonymise(client: AdestraClient, contactId: number): Promise<boolean> {
  const record = await client.contacts.get(contactId);
  const held = REDACTED_FIELDS.filter((field) => Object.hasOwn(record, field));
  if (held.every((field) => record[field] === "" || record[field] == null)) return false;
  await client.contacts.update({ contactId, data: Object.fromEntries(held.map((field) => [field, ""])) });
  return true;
}

/** The call's result, or "gone" when Adestra says the contact or list no longer exists (fault 207). */
async function unlessGone<T>(call: () => Promise<T>): Promise<T | "gone"> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AdestraNotFoundError) return "gone";
    if (error instanceof AdestraAuthError) throw new UnrecoverableError(describeAdestraError(error));
    throw error;
  }
}
