import type { ShopifyCustomer } from "../../../shopify/customer";
import type { SendChoices } from "./choices";
import { activityWindow, decideCustomer } from "./filter";
import { contactHash, unsubHash } from "./hash";
import { type AdestraContactData, mapCustomer } from "./map-customer";
import { type RunCounters, zeroRunCounters } from "../../../models/run-counters";
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
  addToUnsubList(email: string): Promise<void>;
};

export type StoredHashes = { list?: string; unsub?: string };

export type LinkStore = {
  /** The hashes last written for these customers, to the send's list and to its unsub list. */
  find(customerIds: string[]): Promise<Map<string, StoredHashes>>;
  saveList(link: { customerId: string; contactId: number; email: string; hash: string }): Promise<void>;
  saveUnsub(link: { customerId: string; email: string; hash: string }): Promise<void>;
};

export type SendEngineOptions = EngineOptions<SendCounters> & {
  choices: Pick<SendChoices, "profileGroup" | "activityFrom" | "activityTo">;
  timeZone: string;
  writer: ContactWriter;
  links: LinkStore;
  /** Narrows a mapped contact to the fields the core table has (default: every mapped field). */
  selectFields?: (contact: AdestraContactData) => Partial<AdestraContactData> & { email: string };
};

export type SendEngineResult = BatchEngineResult<SendCounters>;

export const DEFAULT_SEND_CONCURRENCY = 4;

type Work = { email: string; contact: (Partial<AdestraContactData> & { email: string }) | null; suppress: boolean; stored: StoredHashes | undefined };

export async function runSend(options: SendEngineOptions): Promise<SendEngineResult> {
  const { choices, timeZone, writer, links, selectFields = (contact) => contact } = options;
  const window = activityWindow({ activityFrom: choices.activityFrom, activityTo: choices.activityTo, timeZone });
  return runBatches<SendCounters, Work>({
    ...options,
    zero: zeroCounters,
    concurrency: options.concurrency ?? DEFAULT_SEND_CONCURRENCY,
    batchSize: options.batchSize ?? 100,
    async plan(batch) {
      const planned: { tally: CustomerTally<SendCounters>; work: Work }[] = [];
      for (const tally of batch) {
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
        if (customer.email && (contact || decision.suppress)) {
          planned.push({ tally, work: { email: customer.email, contact, suppress: decision.suppress, stored: undefined } });
        }
      }
      if (planned.length) {
        const stored = await links.find(planned.map((p) => p.tally.customer.id));
        for (const { tally, work } of planned) work.stored = stored.get(tally.customer.id);
      }
      return planned;
    },
    async write({ email, contact, suppress, stored }, tally) {
      const customerId = tally.customer.id;
      if (suppress) {
        const hash = unsubHash(email);
        if (stored?.unsub !== hash) {
          // Not on the unsub list: never written to the list either (with "all" it would be mailed).
          await attempt("adding the address to the unsub list failed", () => writer.addToUnsubList(email));
          await links.saveUnsub({ customerId, email, hash });
          tally.count("suppressed");
        }
      }
      if (!contact) return;
      const hash = contactHash(contact);
      if (stored?.list === hash) {
        tally.count("unchanged");
        return;
      }
      const { contactId, added } = await attempt("writing the contact failed", async () => {
        const contactId = await writer.upsertContact(contact);
        return { contactId, added: await writer.addToList(contactId) };
      });
      await links.saveList({ customerId, contactId, email, hash });
      tally.count(added === "added" ? "created" : "updated");
    },
  });
}
