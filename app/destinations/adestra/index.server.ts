/** Adestra as a destination (app/destinations/destination.ts): sends and Auto Send run as jobs; no real-time sync. */
import { getAdestraConnectionSummary } from "../../models/adestra-connection.server";
import { enqueue } from "../../queues/enqueue.server";
import { handles } from "../../queues/registry";
import { getRedis } from "../../redis.server";
import type { CustomerLink, Destination } from "../destination";
import { accountBucketKey } from "./account.server";
import { adestraAgreement } from "./agreement.server";
import { reconcileAdestraAutoSendSchedulers, removeAdestraAutoSendScheduler } from "./auto-send-schedule.server";
import { adestraAutoSendJob } from "./jobs/auto-send.server";
import { removeMergedAdestraContact } from "./merge.server";
import { AUTO_SEND_JOB, REDACT_CONTACT_JOB, SEND_PROFILES_JOB, SEND_RUN } from "./jobs/definitions";
import { adestraRedactContactJob } from "./jobs/redact-contact.server";
import { adestraSendProfilesJob } from "./jobs/send-profiles.server";
import { parseSendRunSettings } from "./rules/run-settings";

/**
 * Adestra's ids of the contact on each list the app put it on ("list:<id>" links), and of the contacts of the
 * customer's former addresses ("former:<id>", already taken off that list: they are anonymised too). Unsub links
 * hold only the address.
 */
function contactsOf(links: CustomerLink[]) {
  const contacts = [];
  for (const link of links) {
    const listId = /^(?:list|former):(\d+)$/.exec(link.target)?.[1];
    const contactId = Number(link.destinationId);
    if (listId && Number.isSafeInteger(contactId) && contactId > 0) contacts.push({ contactId, listId: Number(listId) });
  }
  return contacts;
}

const CONTACTS_PER_JOB = 1000; // the job schema's bound

export const adestra: Destination = {
  name: "adestra",
  jobs: [
    handles(SEND_PROFILES_JOB, adestraSendProfilesJob),
    handles(AUTO_SEND_JOB, adestraAutoSendJob),
    handles(REDACT_CONTACT_JOB, adestraRedactContactJob),
  ],
  runs: [SEND_RUN],
  runTarget(settings) {
    const listName = parseSendRunSettings(settings)?.listName;
    return listName ? `list ${listName}` : null;
  },
  customersMerged: removeMergedAdestraContact,
  /** The contact's removal from every list and the clearing of every field the app wrote but the address. */
  async redactCustomer({ shop, customerId, receiptId, links }) {
    const contacts = contactsOf(links);
    for (let i = 0; i < contacts.length; i += CONTACTS_PER_JOB) {
      const jobId = receiptId ? `adestra-redact-${receiptId}-${i / CONTACTS_PER_JOB}` : undefined;
      await enqueue(REDACT_CONTACT_JOB, { shop, customerId, contacts: contacts.slice(i, i + CONTACTS_PER_JOB) }, { jobId });
    }
    return { adestraContacts: contacts.length };
  },
  async forgetShop({ shopId }) {
    await removeAdestraAutoSendScheduler({ shopId });
    // Rate buckets only pace requests (they expire within a minute); another shop on the same account just
    // starts a fresh bucket.
    const connection = await getAdestraConnectionSummary({ shopId });
    if (connection) await getRedis().unlink(accountBucketKey(connection.accountName));
    return [];
  },
  reconcileSchedules: reconcileAdestraAutoSendSchedulers,
  agreement: adestraAgreement,
};
