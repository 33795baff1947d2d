import type { ShopifyCustomer } from "../../../shopify/customer";
import type { SendChoices } from "./choices";
import { activityWindow, decideCustomer } from "./filter";
import { contactHash, unsubHash } from "./hash";
import { type AdestraContactData, mapCustomer } from "./map-customer";
import { type ErrorVerdict, MAX_RECORDED_FAILURES } from "../../../runs/failures";

/**
 * The send, as a pure loop over ports: customers in, contacts and unsub addresses out, counters and
 * failures reported as it goes. The worker job (app/destinations/adestra/jobs/send-profiles.server.ts) wires the
 * real Shopify stream, Adestra client, ProfileLink store and SyncRun row; unit tests wire fakes.
 *
 * Memory is constant: customers are taken `batchSize` at a time (one ProfileLink query per batch), and
 * written with at most `concurrency` Adestra calls in flight.
 *
 * What is recorded as written (a ProfileLink) is exactly what Adestra confirmed: the link is saved after
 * contact.create AND contact.addList (or unsubList.addAddress) succeeded, never before. When the send must
 * stop (bad credentials, Adestra unavailable after the client's retries), writes already in flight finish
 * and are recorded, no new write starts, and the result carries the error.
 */

export type SendCounters = {
  /** Customers read from Shopify. */
  seen: number;
  /** In the group and the date range, with an email: to be on the list. */
  matched: number;
  /** Newly added to the list (contact.addList answered "added"). */
  created: number;
  /** Already on the list: the contact's fields were updated (contact.addList answered "already"). */
  updated: number;
  /** Matched, but identical to what the last successful send to this list wrote: not written. */
  unchanged: number;
  /** In the date range without an email address. */
  skipped: number;
  /** Customers whose write failed (to the list, or to the unsub list); each has a SendFailure. */
  failed: number;
  /** Unsubscribed customers newly added to the unsub list. */
  suppressed: number;
};

export const zeroCounters = (): SendCounters => ({
  seen: 0,
  matched: 0,
  created: 0,
  updated: 0,
  unchanged: 0,
  skipped: 0,
  failed: 0,
  suppressed: 0,
});

export type SendFailure = { customerId: string; email: string | null; reason: string; response: string | null };

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

export type SendEngineOptions = {
  customers: AsyncIterable<ShopifyCustomer>;
  choices: Pick<SendChoices, "profileGroup" | "activityFrom" | "activityTo">;
  timeZone: string;
  writer: ContactWriter;
  links: LinkStore;
  classifyError: (error: unknown) => ErrorVerdict;
  onProgress: (counters: SendCounters) => Promise<void>;
  onFailures: (failures: SendFailure[]) => Promise<void>;
  /** Narrows a mapped contact to the fields the core table has (default: every mapped field). */
  selectFields?: (contact: AdestraContactData) => Partial<AdestraContactData> & { email: string };
  concurrency?: number;
  batchSize?: number;
  progressEveryRecords?: number;
  progressEveryMs?: number;
  /** Failures kept per run (counts stay exact beyond it). */
  maxRecordedFailures?: number;
  now?: () => number;
};

export type SendEngineResult = { counters: SendCounters; stoppedBy?: unknown };

export const DEFAULT_SEND_CONCURRENCY = 4;

type Work = { customer: ShopifyCustomer; email: string; contact: (Partial<AdestraContactData> & { email: string }) | null; suppress: boolean };

export async function runSend(options: SendEngineOptions): Promise<SendEngineResult> {
  const {
    customers,
    choices,
    timeZone,
    writer,
    links,
    classifyError,
    onProgress,
    onFailures,
    selectFields = (contact) => contact,
    concurrency = DEFAULT_SEND_CONCURRENCY,
    batchSize = 100,
    progressEveryRecords = 100,
    progressEveryMs = 1000,
    maxRecordedFailures = MAX_RECORDED_FAILURES,
    now = Date.now,
  } = options;
  const window = activityWindow({ activityFrom: choices.activityFrom, activityTo: choices.activityTo, timeZone });
  const counters = zeroCounters();
  let recordedFailures = 0;
  let pendingFailures: SendFailure[] = [];
  let stop: { error: unknown } | null = null;
  let crash: { error: unknown } | null = null;

  // Progress: flushed at most every `progressEveryRecords` records or `progressEveryMs`, one flush at a time.
  let sinceFlush = 0;
  let lastFlushAt = now();
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    sinceFlush = 0;
    lastFlushAt = now();
    const snapshot = { ...counters };
    const failures = pendingFailures;
    pendingFailures = [];
    flushing = flushing.then(async () => {
      if (failures.length) await onFailures(failures);
      await onProgress(snapshot);
    });
    return flushing;
  };
  const tick = async () => {
    sinceFlush += 1;
    if (sinceFlush >= progressEveryRecords || now() - lastFlushAt >= progressEveryMs) await flush();
  };

  const fail = (customer: ShopifyCustomer, reason: string, response: string | null) => {
    counters.failed += 1;
    if (recordedFailures < maxRecordedFailures) {
      recordedFailures += 1;
      pendingFailures.push({ customerId: customer.id, email: customer.email, reason, response });
    }
  };
  /** true: the send must stop. */
  const handle = (error: unknown, customer: ShopifyCustomer, what: string) => {
    const verdict = classifyError(error);
    if (verdict.kind === "stop") {
      stop ??= { error };
      return true;
    }
    fail(customer, `${what}: ${verdict.reason}`, verdict.response);
    return false;
  };

  const writeOne = async (work: Work, stored: StoredHashes | undefined) => {
    if (stop) return;
    const { customer, email } = work;
    if (work.suppress) {
      const hash = unsubHash(email);
      if (stored?.unsub !== hash) {
        try {
          await writer.addToUnsubList(email);
        } catch (error) {
          // Not on the unsub list: never written to the list either (with "all" it would be mailed).
          if (!handle(error, customer, "adding the address to the unsub list failed")) await tick();
          return;
        }
        await links.saveUnsub({ customerId: customer.id, email, hash });
        counters.suppressed += 1;
      }
    }
    if (work.contact) {
      const hash = contactHash(work.contact);
      if (stored?.list === hash) {
        counters.unchanged += 1;
      } else {
        let contactId: number;
        let added: "added" | "already";
        try {
          contactId = await writer.upsertContact(work.contact);
          added = await writer.addToList(contactId);
        } catch (error) {
          if (!handle(error, customer, "writing the contact failed")) await tick();
          return;
        }
        await links.saveList({ customerId: customer.id, contactId, email, hash });
        counters[added === "added" ? "created" : "updated"] += 1;
      }
    }
    await tick();
  };

  const writeBatch = async (batch: ShopifyCustomer[]) => {
    const work: Work[] = [];
    for (const customer of batch) {
      counters.seen += 1;
      const decision = decideCustomer({ customer, profileGroup: choices.profileGroup, window });
      if (decision.action === "no_email") counters.skipped += 1;
      let contact: Work["contact"] = null;
      if (decision.action === "send") {
        counters.matched += 1;
        const mapped = mapCustomer({ customer, timeZone });
        if (mapped.ok) contact = selectFields(mapped.contact);
        else fail(customer, mapped.reason, null);
      }
      if (customer.email && (contact || decision.suppress)) work.push({ customer, email: customer.email, contact, suppress: decision.suppress });
    }
    if (work.length) {
      const stored = await links.find(work.map((w) => w.customer.id));
      let next = 0;
      const lanes = Array.from({ length: Math.min(concurrency, work.length) }, async () => {
        while (!stop && !crash && next < work.length) {
          const item = work[next++];
          try {
            await writeOne(item, stored.get(item.customer.id));
          } catch (error) {
            // Not an Adestra answer (e.g. the database): stop starting writes, let the others land, rethrow.
            crash ??= { error };
          }
        }
      });
      await Promise.all(lanes);
      if (crash) throw (crash as { error: unknown }).error;
    }
    if (now() - lastFlushAt >= progressEveryMs) await flush();
  };

  let batch: ShopifyCustomer[] = [];
  for await (const customer of customers) {
    batch.push(customer);
    if (batch.length >= batchSize) {
      await writeBatch(batch);
      batch = [];
      if (stop) break;
    }
  }
  if (!stop && batch.length) await writeBatch(batch);
  await flush();
  return stop ? { counters, stoppedBy: (stop as { error: unknown }).error } : { counters };
}
