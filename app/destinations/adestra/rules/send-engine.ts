import type { ShopifyCustomer } from "../../../shopify/customer";
import type { SendChoices } from "./choices";
import { activityWindow, decideCustomer } from "./filter";
import { contactHash, normalizeEmail, sameAddress, unsubHash } from "./hash";
import { type AdestraContactData, mapCustomer } from "./map-customer";
import { type RunCounters, zeroRunCounters } from "../../../models/run-counters";
import { mayRaiseConsent } from "../../../runs/consent-guard";
import { attempt, type BatchEngineResult, type CustomerTally, type EngineOptions, type RunFailure, runBatches } from "../../../runs/batch-engine";

/**
 * The send, as a pure loop over ports: customers in, contacts and unsub addresses out, counters and
 * failures reported as it goes. The worker job (app/destinations/adestra/jobs/send-profiles.server.ts) wires the
 * real Shopify stream, Adestra client, ProfileLink store and SyncRun row; unit tests wire fakes.
 *
 * It runs on the run kernel (app/runs/batch-engine.ts: batches, lanes, progress, failure cap, stop): this file
 * is the send's plan (one ProfileLink query per batch) and its per-customer write.
 *
 * What is recorded as written (a ProfileLink) is exactly what Adestra confirmed: the link is saved after
 * contact.create AND contact.addList (or unsubList.addAddress) succeeded, never before. When the send must
 * stop (bad credentials, Adestra unavailable after the client's retries), writes already in flight finish
 * and are recorded, no new write starts, and the result carries the error.
 */

/** An Adestra send's counters: every run counter (app/models/run-counters.ts), `suppressed` included. */
export type SendCounters = RunCounters;

export const zeroCounters = zeroRunCounters;

export type SendFailure = RunFailure;

export type ContactWriter = {
  /** contact.create deduplicated on email: the contact's id, new or existing. */
  upsertContact(contact: Partial<AdestraContactData> & { email: string }): Promise<number>;
  addToList(contactId: number): Promise<"added" | "already">;
  /** contact.removeList: off the send's list afterwards (also when it was not on it, or no longer exists). */
  removeFromList(contactId: number): Promise<void>;
  addToUnsubList(email: string): Promise<void>;
  /** unsubList.removeAddress: not on the unsub list afterwards (also when it was not on it). */
  removeFromUnsubList(email: string): Promise<void>;
};

export type StoredLinks = {
  /** The contact as last written to the send's list: its hash, Adestra contact id and address. */
  list?: { hash: string; contactId: number | null; email: string | null };
  /**
   * What was last put on the unsub list: the hash of the addresses, the customer's address then, and the later
   * of the app's write and the Shopify unsubscribe it was written for.
   */
  unsub?: { hash: string; email: string | null; since: Date };
  /** The customer's former addresses: ones a send took off a list after an email change. */
  formerEmails: string[];
};

export type LinkStore = {
  /** What was last written for these customers: to the send's list, to its unsub list, and former addresses. */
  find(customerIds: string[]): Promise<Map<string, StoredLinks>>;
  /** For each of these addresses (lower-cased in the answer), the customers the app last wrote it for. */
  holders(emails: string[]): Promise<Map<string, Set<string>>>;
  saveList(link: { customerId: string; contactId: number; email: string; hash: string }): Promise<void>;
  saveUnsub(link: { customerId: string; email: string; hash: string; unsubscribedAt: string | null }): Promise<void>;
  /** The customer's address is off the unsub list again. */
  dropUnsub(customerId: string): Promise<void>;
  /** The customer's previous address, taken off the list: remembered with its contact. */
  saveFormer(link: { customerId: string; contactId: number | null; email: string }): Promise<void>;
  /** The customer has no contact on the list any more. */
  dropList(customerId: string): Promise<void>;
};

/**
 * A contact handed to Adestra's bulk import (app/destinations/adestra/imports.server.ts) instead of written: a
 * plain create or update of the list, nothing else to do for the customer (no address to take off the list,
 * no unsub list change, no suppression to lift). Its list link is saved once the list shows it.
 */
export type StagedContact = {
  customerId: string;
  contact: Partial<AdestraContactData> & { email: string };
  hash: string;
  /** Whether the contact is on the list already (created or updated): the app's link says so at first; the list is read before the import. */
  onList: boolean;
};

export type SendEngineOptions = EngineOptions<SendCounters> & {
  choices: Pick<SendChoices, "profileGroup" | "activityFrom" | "activityTo">;
  timeZone: string;
  writer: ContactWriter;
  links: LinkStore;
  /** Narrows a mapped contact to the fields the core table has (default: every mapped field). */
  selectFields?: (contact: AdestraContactData) => Partial<AdestraContactData> & { email: string };
  /**
   * Bulk import: a batch's plain list writes are staged (durably, before the batch counts as finished)
   * instead of written; they are counted created or updated when the import is confirmed.
   */
  stage?: (contacts: StagedContact[]) => Promise<void>;
};

export type SendEngineResult = BatchEngineResult<SendCounters>;

export const DEFAULT_SEND_CONCURRENCY = 4;

type Work = {
  email: string | null;
  contact: (Partial<AdestraContactData> & { email: string }) | null;
  /** Unsubscribed: the addresses that go on the unsub list (theirs first, then their former ones). */
  suppress: string[] | null;
  /** Subscribed again in Shopify after the app put this address on the unsub list: it comes off. */
  lift: boolean;
  /** The address on the list is no longer the customer's; `heldByOther`: another customer has it now. */
  moved: { email: string; contactId: number | null; heldByOther: boolean } | null;
  stored: StoredLinks | undefined;
  /** Bulk import: the contact is staged once its suppression is written, instead of written itself. */
  staged?: boolean;
};

type Planned = { tally: CustomerTally<SendCounters>; contact: Work["contact"]; suppress: boolean };

/**
 * Consent for lifting a suppression (app/runs/consent-guard.ts, the one rule): Shopify says SUBSCRIBED for the
 * very address the app put on the unsub list, with a consent time later than that write and than the
 * unsubscribe it was written for. Adestra's unsub lists carry no time (docs/apis/adestra-api.md), so the opt-out's
 * time is the app's own record of it; an address the app did not put there is never lifted (it has no link).
 */
export function subscribedSinceUnsub(customer: Pick<ShopifyCustomer, "email" | "emailMarketingState" | "emailMarketingUpdatedAt">, unsub: StoredLinks["unsub"]): boolean {
  if (!unsub || !sameAddress(unsub.email, customer.email)) return false;
  return mayRaiseConsent({ shopifyState: customer.emailMarketingState, shopifyConsentAt: customer.emailMarketingUpdatedAt, optOut: { at: unsub.since }, destination: "Adestra's unsub list" }).raise;
}

export async function runSend(options: SendEngineOptions): Promise<SendEngineResult> {
  const { choices, timeZone, writer, links, selectFields = (contact) => contact } = options;
  const window = activityWindow({ activityFrom: choices.activityFrom, activityTo: choices.activityTo, timeZone });
  return runBatches<SendCounters, Work>({
    ...options,
    zero: zeroCounters,
    concurrency: options.concurrency ?? DEFAULT_SEND_CONCURRENCY,
    batchSize: options.batchSize ?? 100,
    async plan(batch) {
      const decided: Planned[] = batch.map((tally) => {
        const { customer } = tally;
        tally.count("seen");
        const decision = decideCustomer({ customer, profileGroup: choices.profileGroup, window });
        if (decision.action === "no_email") tally.count("skipped");
        let contact: Work["contact"] = null;
        if (decision.action === "send") {
          tally.count("matched");
          const mapped = mapCustomer({ customer, timeZone });
          if (mapped.ok) contact = selectFields(mapped.contact);
          else tally.fail(mapped.reason, null);
        }
        return { tally, contact, suppress: decision.suppress };
      });
      // Every customer's links, not only the chosen ones': an email change or a re-subscription is acted on
      // whatever the choices (the unsub list and a stale address are about the person, not this send).
      const stored = await links.find(batch.map((t) => t.customer.id));
      const heldByOther = await addressHolders(batch, decided, stored, links);
      const planned: { tally: CustomerTally<SendCounters>; work: Work }[] = [];
      const staged: StagedContact[] = [];
      for (const { tally, contact, suppress } of decided) {
        const { customer } = tally;
        const found = stored.get(customer.id);
        const old = found?.list?.email ?? null;
        const moved = old !== null && !sameAddress(old, customer.email) ? { email: old, contactId: found!.list!.contactId, heldByOther: heldByOther(old, customer.id) } : null;
        const work: Work = {
          email: customer.email,
          contact,
          suppress: suppress && customer.email ? suppressedAddresses(customer.email, [...(found?.formerEmails ?? []), ...(moved ? [moved.email] : [])], (a) => heldByOther(a, customer.id)) : null,
          lift: subscribedSinceUnsub(customer, found?.unsub),
          moved,
          stored: found,
        };
        // A plain list write is imported. An unsubscribed customer's (with "All profiles") is staged only once
        // the unsub list has the address, in write() below: never on the list without it.
        const plain = options.stage && work.contact && !work.lift && !work.moved;
        const hash = plain ? contactHash(work.contact!) : null;
        if (hash !== null && found?.list?.hash !== hash) {
          if (work.suppress && found?.unsub?.hash !== unsubHash(work.suppress)) {
            planned.push({ tally, work: { ...work, staged: true } });
          } else {
            staged.push({ customerId: customer.id, contact: work.contact!, hash, onList: found?.list !== undefined });
          }
          continue;
        }
        if (work.contact || work.suppress || work.lift || work.moved) planned.push({ tally, work });
      }
      if (staged.length) await options.stage!(staged);
      return planned;
    },
    async write({ email, contact, suppress, lift, moved, stored, staged }, tally) {
      const customerId = tally.customer.id;
      if (lift && email) {
        await attempt("taking the address off the unsub list failed", () => writer.removeFromUnsubList(email));
        await links.dropUnsub(customerId);
        tally.count("unsuppressed");
      }
      if (suppress && email) {
        const hash = unsubHash(suppress);
        if (stored?.unsub?.hash !== hash) {
          // Not on the unsub list: never written to the list either (with "all" it would be mailed).
          await attempt("adding the address to the unsub list failed", async () => {
            for (const address of suppress) await writer.addToUnsubList(address);
          });
          await links.saveUnsub({ customerId, email, hash, unsubscribedAt: tally.customer.emailMarketingUpdatedAt });
          tally.count("suppressed");
        }
      }
      let written: number | null = null;
      if (contact) {
        const hash = contactHash(contact);
        if (stored?.list?.hash === hash) {
          tally.count("unchanged");
        } else if (staged) {
          // Counted created or updated when the import is confirmed.
          await options.stage!([{ customerId, contact, hash, onList: stored?.list !== undefined }]);
        } else {
          const { contactId, added } = await attempt("writing the contact failed", async () => {
            const contactId = await writer.upsertContact(contact);
            return { contactId, added: await writer.addToList(contactId) };
          });
          await links.saveList({ customerId, contactId, email: contact.email, hash });
          tally.count(added === "added" ? "created" : "updated");
          written = contactId;
        }
      }
      if (moved) {
        // The old address's contact leaves the list, unless another customer has that address now (then it is theirs).
        if (!moved.heldByOther && moved.contactId !== null && moved.contactId !== written) {
          const contactId = moved.contactId;
          await attempt("taking the old address off the list failed", () => writer.removeFromList(contactId));
        }
        if (!moved.heldByOther) await links.saveFormer({ customerId, contactId: moved.contactId, email: moved.email });
        if (written === null) await links.dropList(customerId);
      }
    },
  });
}

/** The customer's address and their former ones, each once, leaving out addresses another customer has now. */
function suppressedAddresses(email: string, formers: string[], heldByOther: (address: string) => boolean): string[] {
  const addresses = [email];
  for (const former of formers) if (!addresses.some((a) => sameAddress(a, former)) && !heldByOther(former)) addresses.push(former);
  return addresses;
}

/**
 * Whether an address belongs to another customer now: one in this batch has it in Shopify, or the app last
 * wrote it for one (a list or the unsub list). Asked only for the addresses that may be taken off a list or
 * suppressed for someone else: list addresses that changed, and the unsubscribed customers' former ones.
 */
async function addressHolders(batch: readonly CustomerTally<SendCounters>[], decided: Planned[], stored: Map<string, StoredLinks>, links: LinkStore) {
  const asked = new Set<string>();
  for (const { tally, suppress } of decided) {
    const { customer } = tally;
    const found = stored.get(customer.id);
    const old = found?.list?.email ?? null;
    if (old !== null && !sameAddress(old, customer.email)) asked.add(old);
    if (suppress) for (const former of found?.formerEmails ?? []) asked.add(former);
  }
  const holders = asked.size ? await links.holders([...asked]) : new Map<string, Set<string>>();
  for (const { customer } of batch) {
    if (!customer.email) continue;
    const key = normalizeEmail(customer.email);
    holders.set(key, new Set([...(holders.get(key) ?? []), customer.id]));
  }
  return (address: string, customerId: string) => [...(holders.get(normalizeEmail(address)) ?? [])].some((id) => id !== customerId);
}
