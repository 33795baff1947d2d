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
import { mapAttributes, type ResolvedAttributeMapping } from "./attribute-values";
import { type FieldContext, type FieldValue } from "./shopify-fields";
import { profileHash, profileKeyOf } from "./profile";
import { type RunCounters, zeroRunCounters } from "../../../models/run-counters";
import { attempt, type BatchEngineResult, type CustomerTally, type EngineOptions, type RunCheckpoint, type RunFailure, runBatches } from "../../../runs/batch-engine";

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
 * It runs on the run kernel (app/runs/batch-engine.ts): batches read ahead, lanes, progress, failure cap, the
 * checkpoint a killed run resumes from (customers finished after it are read again and found unchanged, their
 * ProfileLink saved: nothing written twice, nothing lost), and the stop when APSIS refuses the credentials or
 * stays unavailable. This file is the Full Sync's plan per batch and its write per customer.
 */

/** A Full Sync's counters: the run counters (app/models/run-counters.ts) but `suppressed` (APSIS has no unsub list). */
export type FullSyncCounters = Omit<RunCounters, "suppressed">;

export const zeroFullSyncCounters = (): FullSyncCounters => {
  const { suppressed: _none, ...counters } = zeroRunCounters();
  return counters;
};

export type FullSyncCheckpoint = RunCheckpoint<FullSyncCounters>;

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

export type FullSyncFailure = RunFailure;

export type FullSyncEngineOptions = EngineOptions<FullSyncCounters> & {
  conditions: readonly SyncCondition[];
  /** Every Section a condition can pick, with its mappings. */
  sections: ReadonlyMap<string, SectionPlan>;
  keyspace: string;
  context: FieldContext;
  writer: ProfileWriter;
  links: ProfileLinkStore;
};

export type FullSyncResult = BatchEngineResult<FullSyncCounters>;

export const DEFAULT_FULL_SYNC_CONCURRENCY = 16;

type Work = {
  section: string;
  profileKey: string;
  attributes: Record<string, FieldValue>;
  consent: ConsentState;
  hash: string;
  toWrite: ConsentWrite[];
  isNew: boolean;
};

/** The one APSIS One profile engine: a Full Sync runs it over the whole store, real-time sync over one customer. */
export async function syncProfiles(options: FullSyncEngineOptions): Promise<FullSyncResult> {
  const { conditions, sections, keyspace, context, writer, links } = options;
  return runBatches<FullSyncCounters, Work>({
    ...options,
    zero: zeroFullSyncCounters,
    concurrency: options.concurrency ?? DEFAULT_FULL_SYNC_CONCURRENCY,
    batchSize: options.batchSize ?? 200,
    async plan(batch) {
      const stored = await links.find(batch.map((t) => t.customer.id));
      const planned: { tally: CustomerTally<FullSyncCounters>; work: Work }[] = [];
      for (const tally of batch) {
        const { customer } = tally;
        tally.count("seen");
        const section = pickSection(customer, conditions);
        if (section === null) {
          tally.count("skipped");
          continue;
        }
        tally.count("matched");
        const plan = sections.get(section);
        if (!plan) {
          tally.fail(`the Section ${section} has no mapping plan`, null);
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
          tally.count("unchanged");
          continue;
        }
        planned.push({
          tally,
          work: {
            section,
            profileKey: profileKeyOf(customer.id),
            attributes,
            consent,
            hash,
            toWrite: plannedConsentWrites({ customer, writes, previous }),
            isNew: !link,
          },
        });
      }
      return planned;
    },
    async write(work, tally) {
      const { customer } = tally;
      const { section, profileKey } = work;
      await attempt("writing the profile's attributes failed", () =>
        writer.writeAttributes({ profileKey, section, attributes: work.attributes, isNew: work.isNew }),
      );
      const written: WrittenConsent[] = [];
      for (const write of work.toWrite) {
        try {
          const result = await attempt(`writing ${write.channel} consent (${write.type}) to topic ${write.topic} failed`, () =>
            writer.writeConsent({ profileKey, section, write }),
          );
          written.push({ write, result });
        } catch (error) {
          // The consents APSIS accepted before the failure stay in the audit trail.
          if (written.length) await links.recordConsents({ customer, consents: written });
          throw error;
        }
      }
      await links.save({ customer, section, profileKey, payloadHash: work.hash, consent: work.consent, consents: written });
      tally.count(work.isNew ? "created" : "updated");
    },
  });
}
