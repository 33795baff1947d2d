import type { ShopifyCustomer } from "../../../shopify/customer";
import { pickSection, type SyncCondition } from "./conditions";
import {
  changedAddressChannels,
  type ConsentState,
  consentStateOf,
  type ConsentTopics,
  consentWrites,
  type ConsentWrite,
  plannedConsentWrites,
} from "./consent";
import { type FieldContext, type FieldValue, mapAttributes, type ResolvedAttributeMapping } from "./fields";
import { profileHash, profileKeyOf } from "./profile";
import { type ErrorVerdict, MAX_RECORDED_FAILURES } from "../../../runs/failures";

/**
 * THE way a Shopify customer becomes an APSIS One profile, as a pure loop over ports: customers in (ascending
 * id), profiles written to APSIS, counters, failures and a checkpoint reported as it goes. The Full Sync job
 * (app/destinations/apsis/jobs/full-sync.server.ts) feeds it the whole store; the real-time job
 * (app/destinations/apsis/jobs/sync-customer.server.ts) feeds it the one customer that changed, freshly read. Both
 * wire the APSIS client and the ProfileLink store through app/destinations/apsis/profile-writer.server.ts; unit
 * tests wire fakes.
 *
 * Per customer: conditions pick the Section (none → skipped by conditions) → the mapped attributes and the
 * consent the rules give (consent.ts) → their hash vs the ProfileLink of that Section → equal (and the email
 * and phone unchanged): unchanged, no request. A link written from a newer state of the customer than the one
 * read (real-time sync got there first while a Full Sync streams an older export) is left alone: unchanged.
 * Otherwise: attributes written (this creates the profile when it does not exist), then the consents that
 * changed since the last write — an email or phone change first moves consent from the old address to the new
 * one (plannedConsentWrites) — then the ProfileLink and the ConsentEvents are saved, only after APSIS accepted
 * every write, so nothing is recorded as synced that was not.
 *
 * Resumable: customers arrive in ascending id order; the checkpoint is the id of the last customer such that
 * it and every customer before it are finished (written, unchanged, skipped or failed), with the counters as
 * they stood at that point. A run killed mid-way resumes after the checkpoint with those counters; customers
 * finished after the checkpoint but before the crash are read again and found unchanged (their ProfileLink is
 * saved), so nothing is written twice and nothing is lost. If the source ever yields ids out of order the
 * checkpoint stops moving (resume then re-reads more, still protected by the hashes).
 *
 * When the sync must stop (APSIS refused the credentials, stayed unavailable after the client's retries) writes
 * already in flight finish and are recorded, no new write starts, and the result carries the error.
 */

export type FullSyncCounters = {
  /** Customers read from Shopify. */
  seen: number;
  /** Customers a condition picked a Section for. */
  matched: number;
  /** Written to a Section for the first time. */
  created: number;
  /** Written again: something mapped changed since the last sync. */
  updated: number;
  /** Identical to the last successful write: nothing sent. */
  unchanged: number;
  /** Matching no sync condition: not synced. */
  skipped: number;
  /** Customers whose write APSIS refused (each has a failure with APSIS's reason). */
  failed: number;
};

export const zeroFullSyncCounters = (): FullSyncCounters => ({ seen: 0, matched: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 });

export type FullSyncCheckpoint = { afterId: string; counters: FullSyncCounters };

export type SectionPlan = { attributes: readonly ResolvedAttributeMapping[]; topics: ConsentTopics };

export type StoredLink = {
  payloadHash: string;
  consent: ConsentState | null;
  /** Shopify's updatedAt of the customer state last written (null: unknown). */
  sourceUpdatedAt: Date | null;
};

export type ConsentResult = "created" | "updated" | "unchanged";
export type WrittenConsent = { write: ConsentWrite; result: ConsentResult };

export type ProfileWriter = {
  /**
   * The mapped attributes in the Section; creates the profile when it does not exist. `attributes` may be
   * empty (no mapping): then only the profile is created (`isNew`) or nothing is done.
   */
  writeAttributes(work: { profileKey: string; section: string; attributes: Record<string, FieldValue>; isNew: boolean }): Promise<void>;
  writeConsent(work: { profileKey: string; section: string; write: ConsentWrite }): Promise<ConsentResult>;
};

export type ProfileLinkStore = {
  /** customerId → Section → what was last written there. */
  find(customerIds: string[]): Promise<Map<string, Map<string, StoredLink>>>;
  /** After every write for the customer succeeded: the link and the consent events, together. */
  save(link: {
    customer: ShopifyCustomer;
    section: string;
    profileKey: string;
    payloadHash: string;
    consent: ConsentState;
    consents: WrittenConsent[];
  }): Promise<void>;
  /** Consents APSIS accepted for a customer whose write then failed (the audit trail keeps them). */
  recordConsents(events: { customer: ShopifyCustomer; consents: WrittenConsent[] }): Promise<void>;
};

export type FullSyncFailure = { customerId: string; email: string | null; reason: string; response: string | null };

export type FullSyncEngineOptions = {
  customers: AsyncIterable<ShopifyCustomer>;
  conditions: readonly SyncCondition[];
  /** Every Section a condition can pick, with its mappings. */
  sections: ReadonlyMap<string, SectionPlan>;
  keyspace: string;
  context: FieldContext;
  writer: ProfileWriter;
  links: ProfileLinkStore;
  classifyError: (error: unknown) => ErrorVerdict;
  /** Live counters, and the checkpoint when it moved (null: unchanged or not available). */
  onProgress: (progress: { counters: FullSyncCounters; checkpoint: FullSyncCheckpoint | null }) => Promise<void>;
  onFailures: (failures: FullSyncFailure[]) => Promise<void>;
  /** Asked before each write: true stops the sync like a "stop" error does, with no error (e.g. cancelled). */
  shouldStop?: () => boolean;
  /** Resuming: the counters at the checkpoint the customers start after. */
  resumeFrom?: FullSyncCheckpoint | null;
  concurrency?: number;
  batchSize?: number;
  progressEveryRecords?: number;
  progressEveryMs?: number;
  maxRecordedFailures?: number;
  /** Failures already recorded for this run (resuming), counted against maxRecordedFailures. */
  recordedFailures?: number;
  now?: () => number;
};

export type FullSyncResult = {
  counters: FullSyncCounters;
  checkpoint: FullSyncCheckpoint | null;
  /** APSIS answered something that stops the sync (the error). */
  stoppedBy?: unknown;
  /** shouldStop cut the sync short: customers remain after the checkpoint. */
  halted?: boolean;
};

export const DEFAULT_FULL_SYNC_CONCURRENCY = 16;

type Outcome = keyof Pick<FullSyncCounters, "created" | "updated" | "unchanged" | "skipped" | "failed">;
type Item = { customer: ShopifyCustomer; seq: number; idNum: bigint; outcome: Outcome | null; matched: boolean };

const add = (counters: FullSyncCounters, item: Item) => {
  counters.seen += 1;
  if (item.matched) counters.matched += 1;
  if (item.outcome) counters[item.outcome] += 1;
};

export async function runFullSync(options: FullSyncEngineOptions): Promise<FullSyncResult> {
  const {
    customers,
    conditions,
    sections,
    keyspace,
    context,
    writer,
    links,
    classifyError,
    onProgress,
    onFailures,
    shouldStop = () => false,
    resumeFrom = null,
    concurrency = DEFAULT_FULL_SYNC_CONCURRENCY,
    batchSize = 200,
    progressEveryRecords = 100,
    progressEveryMs = 1000,
    maxRecordedFailures = MAX_RECORDED_FAILURES,
    now = Date.now,
  } = options;

  // Live counters (what the page shows) and committed ones (every customer up to the checkpoint, exactly).
  const counters: FullSyncCounters = resumeFrom ? { ...resumeFrom.counters } : zeroFullSyncCounters();
  const committed: FullSyncCounters = { ...counters };
  let checkpoint: FullSyncCheckpoint | null = resumeFrom;
  let checkpointMoved = false;
  let ordered = true;
  let lastIdNum: bigint | null = resumeFrom ? BigInt(resumeFrom.afterId) : null;

  let recordedFailures = options.recordedFailures ?? 0;
  let pendingFailures: FullSyncFailure[] = [];
  let stop: { error: unknown } | null = null;
  let crash: { error: unknown } | null = null;

  let sinceFlush = 0;
  let lastFlushAt = now();
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    sinceFlush = 0;
    lastFlushAt = now();
    const snapshot = { ...counters };
    const point = checkpointMoved && checkpoint ? { afterId: checkpoint.afterId, counters: { ...checkpoint.counters } } : null;
    checkpointMoved = false;
    const failures = pendingFailures;
    pendingFailures = [];
    // Failures first, then the checkpoint that covers them: a resume never loses a failure before it.
    flushing = flushing.then(async () => {
      if (failures.length) await onFailures(failures);
      await onProgress({ counters: snapshot, checkpoint: point });
    });
    return flushing;
  };
  const tick = async () => {
    sinceFlush += 1;
    if (sinceFlush >= progressEveryRecords || now() - lastFlushAt >= progressEveryMs) await flush();
  };

  // The window of customers not yet behind the checkpoint, in stream order.
  let window: Item[] = [];
  const advance = () => {
    let n = 0;
    while (n < window.length && window[n].outcome !== null) {
      add(committed, window[n]);
      n += 1;
    }
    if (!n) return;
    const last = window[n - 1];
    window = window.slice(n);
    if (ordered) {
      checkpoint = { afterId: last.idNum.toString(), counters: { ...committed } };
      checkpointMoved = true;
    }
  };
  const finish = (item: Item, outcome: Outcome) => {
    item.outcome = outcome;
    add(counters, item);
    advance();
  };

  const fail = (item: Item, reason: string, response: string | null) => {
    if (recordedFailures < maxRecordedFailures) {
      recordedFailures += 1;
      pendingFailures.push({ customerId: item.customer.id, email: item.customer.email, reason, response });
    }
    finish(item, "failed");
  };
  /** true: the sync must stop (the customer is left unfinished, before the checkpoint). */
  const handle = (error: unknown, item: Item, what: string) => {
    const verdict = classifyError(error);
    if (verdict.kind === "stop") {
      stop ??= { error };
      return true;
    }
    fail(item, `${what}: ${verdict.reason}`, verdict.response);
    return false;
  };

  type Work = { item: Item; section: string; profileKey: string; attributes: Record<string, FieldValue>; consent: ConsentState; hash: string; toWrite: ConsentWrite[]; isNew: boolean };

  const halted = () => stop !== null || shouldStop();

  const writeOne = async (work: Work) => {
    if (halted()) return;
    const { item, section, profileKey } = work;
    const written: WrittenConsent[] = [];
    try {
      await writer.writeAttributes({ profileKey, section, attributes: work.attributes, isNew: work.isNew });
    } catch (error) {
      if (!handle(error, item, "writing the profile's attributes failed")) await tick();
      return;
    }
    for (const write of work.toWrite) {
      try {
        written.push({ write, result: await writer.writeConsent({ profileKey, section, write }) });
      } catch (error) {
        if (written.length) await links.recordConsents({ customer: item.customer, consents: written });
        if (!handle(error, item, `writing ${write.channel} consent (${write.type}) to topic ${write.topic} failed`)) await tick();
        return;
      }
    }
    await links.save({ customer: item.customer, section, profileKey, payloadHash: work.hash, consent: work.consent, consents: written });
    finish(item, work.isNew ? "created" : "updated");
    await tick();
  };

  let seq = 0;
  const writeBatch = async (batch: ShopifyCustomer[]) => {
    const items: Item[] = batch.map((customer) => {
      const idNum = BigInt(profileKeyOf(customer.id));
      if (lastIdNum !== null && idNum <= lastIdNum) ordered = false;
      lastIdNum = idNum;
      return { customer, seq: seq++, idNum, outcome: null, matched: false };
    });
    window.push(...items);
    const stored = await links.find(items.map((i) => i.customer.id));
    const work: Work[] = [];
    for (const item of items) {
      const { customer } = item;
      const section = pickSection(customer, conditions);
      if (section === null) {
        finish(item, "skipped");
        continue;
      }
      item.matched = true;
      const plan = sections.get(section);
      if (!plan) {
        fail(item, `the Section ${section} has no mapping plan`, null);
        continue;
      }
      const attributes = mapAttributes({ customer, mappings: plan.attributes, context });
      const writes = consentWrites({ customer, topics: plan.topics });
      const consent = consentStateOf(writes);
      const hash = profileHash({ keyspace, section, attributes, consent });
      const link = stored.get(customer.id)?.get(section);
      const previous = link?.consent ?? null;
      const newerWritten = !!link?.sourceUpdatedAt && Date.parse(customer.updatedAt) < link.sourceUpdatedAt.getTime();
      if (newerWritten || (link?.payloadHash === hash && changedAddressChannels(customer, previous).length === 0)) {
        finish(item, "unchanged");
        continue;
      }
      work.push({
        item,
        section,
        profileKey: profileKeyOf(customer.id),
        attributes,
        consent,
        hash,
        toWrite: plannedConsentWrites({ customer, writes, previous }),
        isNew: !link,
      });
    }
    let next = 0;
    const lanes = Array.from({ length: Math.min(concurrency, work.length) }, async () => {
      while (!halted() && !crash && next < work.length) {
        const w = work[next++];
        try {
          await writeOne(w);
        } catch (error) {
          // Not an APSIS answer (e.g. the database): stop starting writes, let the others land, rethrow.
          crash ??= { error };
        }
      }
    });
    await Promise.all(lanes);
    if (crash) {
      await flush();
      throw (crash as { error: unknown }).error;
    }
    if (now() - lastFlushAt >= progressEveryMs || sinceFlush >= progressEveryRecords) await flush();
  };

  // The next batch is read from Shopify while the current one is written (two batches in memory at most).
  const source = customers[Symbol.asyncIterator]();
  let exhausted = false;
  const readBatch = async () => {
    const batch: ShopifyCustomer[] = [];
    while (!exhausted && batch.length < batchSize) {
      const next = await source.next();
      if (next.done) exhausted = true;
      else batch.push(next.value);
    }
    return batch;
  };
  try {
    let reading = readBatch();
    for (;;) {
      const batch = await reading;
      if (!batch.length) break;
      reading = exhausted ? Promise.resolve([]) : readBatch();
      // A failed read-ahead surfaces when awaited, not as an unhandled rejection meanwhile.
      reading.catch(() => {});
      await writeBatch(batch);
      if (halted()) {
        await reading.catch(() => {});
        break;
      }
    }
  } finally {
    // Stopped early: let the source close (e.g. the bulk export download).
    if (!exhausted) await source.return?.();
  }
  await flush();
  const result: FullSyncResult = { counters, checkpoint };
  if (stop) return { ...result, stoppedBy: (stop as { error: unknown }).error };
  // Halted: unless every customer was read and finished, some remain for the next attempt.
  if (shouldStop() && !(exhausted && window.length === 0)) return { ...result, halted: true };
  return result;
}
