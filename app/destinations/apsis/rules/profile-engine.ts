import type { ShopifyCustomer } from "../../../shopify/customer";
import { pickSection, type SyncCondition } from "./conditions";
import {
  changedAddressChannels,
  type ConsentState,
  consentStateOf,
  type ConsentTopics,
  consentWrites,
  type ConsentWrite,
  leftSectionWrites,
  plannedConsentWrites,
  consentPairKey,
  refusedFirst,
  shopifyConsentOf,
} from "./consent";
import { mapAttributes, type ResolvedAttributeMapping } from "./attribute-values";
import { type FieldContext, type FieldValue } from "./shopify-fields";
import { profileHash, profileKeyOf } from "./profile";
import { type HeldOptOut, mayRaiseConsent } from "../../../runs/consent-guard";
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
 * changed since the last write, then the ProfileLink and the ConsentEvents are saved, only after APSIS accepted
 * every write, so nothing is recorded as synced that was not. An email or phone change (plannedConsentWrites)
 * opts the old address out BEFORE the attributes put the new address on the profile, so the opt-out is the old
 * address's whether APSIS binds consent to the profile or to its current address; once the new address is on
 * the profile, the link is saved as "address moved, nothing written for it yet", so a retry after a later
 * failure never posts the old address's opt-out again (it would land on the new address).
 *
 * A customer the conditions no longer put in a Section they have a link in (moved to another Section, or to
 * none) is opted out of every topic the app opted them in to there, before anything else is written, and that
 * link is kept as "left" with the opt-outs (consent.ts, leftSectionWrites): no opt-in is left behind that the
 * app no longer keeps up to date. The old Section's attributes stay.
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

export type SectionPlan = {
  attributes: readonly ResolvedAttributeMapping[];
  topics: ConsentTopics;
  /** The topics (consentPairKey) APSIS One refused a consent write to last time; the writer keeps it current. */
  refused: Set<string>;
};

export type StoredLink = {
  payloadHash: string;
  consent: ConsentState | null;
  /** Shopify's updatedAt of the customer state last written (null: unknown). */
  sourceUpdatedAt: Date | null;
  /** When the link was last saved: an opt-out it records is the app's own from then (the consent guard). */
  lastSyncedAt: Date;
};

/**
 * "absent": an old address's opt-out found no profile in APSIS (deleted there): nothing to opt out.
 * "left_alone": an opt-in not written, APSIS holding an opt-out newer than Shopify's consent (mayRaiseConsent).
 */
export type ConsentResult = "created" | "updated" | "unchanged" | "absent" | "left_alone";
export type WrittenConsent = { write: ConsentWrite; result: ConsentResult };

export type ProfileWriter = {
  /**
   * The mapped attributes in the Section; creates the profile when it does not exist. `attributes` may be
   * empty (no mapping): then only the profile is created (`isNew`) or nothing is done.
   */
  writeAttributes(work: { profileKey: string; section: string; attributes: Record<string, FieldValue>; isNew: boolean }): Promise<void>;
  /**
   * `beforeAttributes`: an old address's opt-out, written before the attributes: the profile may be gone from
   * APSIS (deleted there), which is "absent", not a failure. Otherwise the profile exists.
   */
  writeConsent(work: { profileKey: string; section: string; write: ConsentWrite; beforeAttributes?: boolean }): Promise<Exclude<ConsentResult, "left_alone">>;
  /**
   * The opt-outs APSIS One holds for the profile in the Section, by consentPairKey, with their time (its
   * consent's modified_at); empty when the profile does not exist. Read before any opt-in is written.
   */
  optOuts(work: { profileKey: string; section: string }): Promise<Map<string, HeldOptOut>>;
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
  recordConsents(events: { customer: ShopifyCustomer; section: string; consents: WrittenConsent[] }): Promise<void>;
};

export type FullSyncFailure = RunFailure;

/**
 * A customer's plain create or update (no old address to release, no Section left), handed to APSIS One's
 * bulk import instead of written (app/destinations/apsis/imports.server.ts): what the file's row holds, and
 * what the ProfileLink records once APSIS confirmed the row.
 */
export type StagedWork = {
  customer: Pick<ShopifyCustomer, "id" | "email" | "phone" | "updatedAt">;
  section: string;
  profileKey: string;
  attributes: Record<string, FieldValue>;
  consent: ConsentState;
  hash: string;
  /** The consents that changed since the last write, as the per-record path would write them. */
  toWrite: ConsentWrite[];
  isNew: boolean;
};

export type FullSyncEngineOptions = EngineOptions<FullSyncCounters> & {
  conditions: readonly SyncCondition[];
  /** Every Section a condition can pick, with its mappings. */
  sections: ReadonlyMap<string, SectionPlan>;
  keyspace: string;
  context: FieldContext;
  writer: ProfileWriter;
  links: ProfileLinkStore;
  /**
   * Bulk import: a batch's plain creates and updates are staged (durably, before the batch counts as
   * finished) instead of written; their created/updated counts come when the import confirms them.
   */
  stage?: (works: StagedWork[]) => Promise<void>;
};

export type FullSyncResult = BatchEngineResult<FullSyncCounters>;

export const DEFAULT_FULL_SYNC_CONCURRENCY = 16;

/** A Section the customer left: the opt-outs to write there, and what APSIS then holds (leftSectionWrites). */
type Leaving = { section: string; writes: ConsentWrite[]; state: ConsentState };

type Work = {
  /** null: the customer is in no Section now; only `leaving` is written. */
  section: string | null;
  profileKey: string;
  attributes: Record<string, FieldValue>;
  consent: ConsentState;
  hash: string;
  /** Old addresses' opt-outs, before the attributes (plannedConsentWrites). */
  release: ConsentWrite[];
  toWrite: ConsentWrite[];
  isNew: boolean;
  previous: ConsentState | null;
  /** When the link of the Section was last saved (null: none). */
  lastSyncedAt: Date | null;
  leaving: Leaving[];
};

/**
 * What the rules give for a customer in a Section: the mapped attributes, the consent writes, the consent state
 * they leave and the hash a link holds when APSIS has exactly that (the engine's "unchanged" test; write-back).
 */
export function profileOf({ customer, plan, keyspace, section, context }: {
  customer: ShopifyCustomer;
  plan: Pick<SectionPlan, "attributes" | "topics">;
  keyspace: string;
  section: string;
  context: FieldContext;
}) {
  const attributes = mapAttributes({ customer, mappings: plan.attributes, context });
  const writes = consentWrites({ customer, topics: plan.topics });
  const consent = consentStateOf(writes);
  return { attributes, writes, consent, hash: profileHash({ keyspace, section, attributes, consent }) };
}

/** The hash of a link of a Section the customer left: never "unchanged" if they come back. */
const LEFT_SECTION_HASH = "left-section";

/** The Sections the customer has links in but is no longer in, with opt-ins still to withdraw there. */
function sectionsLeft(links: ReadonlyMap<string, StoredLink> | undefined, section: string | null, customer: ShopifyCustomer): Leaving[] {
  const leaving: Leaving[] = [];
  for (const [left, link] of links ?? []) {
    if (left === section) continue;
    const { writes, state } = leftSectionWrites(link.consent, section, shopifyConsentOf(customer));
    if (writes.length) leaving.push({ section: left, writes, state });
  }
  return leaving;
}

/** The hash of a link whose new address is on the profile with its consent not written yet: never "unchanged". */
const ADDRESS_MOVED_HASH = "address-moved";

/** What APSIS holds once the old addresses are opted out and the new ones written: the new address, no topics yet. */
function movedConsentState(previous: ConsentState | null, released: readonly ConsentWrite[], customer: ShopifyCustomer): ConsentState {
  const state: ConsentState = { ...previous };
  for (const channel of new Set(released.map((w) => w.channel))) state[channel] = { address: (channel === "email" ? customer.email : customer.phone)!, topics: {} };
  return state;
}

/** The consent state with these topics opted out (the opt-ins left alone: APSIS keeps its opt-out, kept). */
function withOptOuts(consent: ConsentState, writes: readonly ConsentWrite[]): ConsentState {
  const state: ConsentState = structuredClone(consent);
  for (const w of writes) {
    const channel = (state[w.channel] ??= { address: w.address, topics: {} });
    channel.topics[w.topic] = "opt-out";
    channel.kept = [...new Set([...(channel.kept ?? []), w.topic])];
  }
  return state;
}

/** The link says the app itself last wrote an opt-out to this topic (not one APSIS kept against an opt-in). */
const appWroteOptOut = (previous: ConsentState | null, write: ConsentWrite) =>
  previous?.[write.channel]?.topics[write.topic] === "opt-out" && !previous[write.channel]!.kept?.includes(write.topic);

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
      const staged: StagedWork[] = [];
      for (const tally of batch) {
        const { customer } = tally;
        tally.count("seen");
        const section = pickSection(customer, conditions);
        const customerLinks = stored.get(customer.id);
        const leaving = sectionsLeft(customerLinks, section, customer);
        if (section === null) {
          tally.count("skipped");
          if (leaving.length) {
            const none = { attributes: {}, consent: {}, hash: "", release: [], toWrite: [], isNew: false, previous: null, lastSyncedAt: null };
            planned.push({ tally, work: { section: null, profileKey: profileKeyOf(customer.id), ...none, leaving } });
          }
          continue;
        }
        tally.count("matched");
        const plan = sections.get(section);
        if (!plan) {
          tally.fail(`the Section ${section} has no mapping plan`, null);
          continue;
        }
        const { attributes, writes, consent, hash } = profileOf({ customer, plan, keyspace, section, context });
        const link = customerLinks?.get(section);
        const previous = link?.consent ?? null;
        const newerWritten = !!link?.sourceUpdatedAt && Date.parse(customer.updatedAt) < link.sourceUpdatedAt.getTime();
        if (newerWritten || (!leaving.length && link?.payloadHash === hash && changedAddressChannels(customer, previous).length === 0)) {
          tally.count("unchanged");
          continue;
        }
        const { release, writes: toWrite } = plannedConsentWrites({ customer, writes, previous });
        // An opt-in over the app's own opt-out is written one by one, through the guard: the import would either
        // override any opt-out APSIS holds (resubscribe_if_opted_out) or none, never only the older ones.
        const resubscribes = toWrite.some((w) => w.type === "opt-in" && previous?.[w.channel]?.topics[w.topic] === "opt-out");
        if (options.stage && !release.length && !leaving.length && !resubscribes) {
          const { id, email, phone, updatedAt } = customer;
          staged.push({ customer: { id, email, phone, updatedAt }, section, profileKey: profileKeyOf(customer.id), attributes, consent, hash, toWrite, isNew: !link });
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
            release,
            toWrite,
            isNew: !link,
            previous,
            lastSyncedAt: link?.lastSyncedAt ?? null,
            leaving,
          },
        });
      }
      if (staged.length) await options.stage!(staged);
      return planned;
    },
    async write(work, tally) {
      const { customer } = tally;
      const { section, profileKey } = work;
      const written: WrittenConsent[] = [];
      // Every consent APSIS accepted for this customer in this write, so a failure says exactly what landed.
      const landed: string[] = [];
      // The topics whose opt-in was left alone: APSIS keeps its newer opt-out, and the link says so.
      const leftAlone: ConsentWrite[] = [];
      // The opt-outs this write made (an old address released): the app's own, never the person's word.
      const ownNow = new Set<string>();
      const ownOptOutAt = (write: ConsentWrite): Date | null =>
        ownNow.has(consentPairKey(write)) ? new Date() : appWroteOptOut(work.previous, write) ? work.lastSyncedAt : null;
      const writeConsents = async (writes: readonly ConsentWrite[], beforeAttributes: boolean, into: string) => {
        const held = writes.some((w) => w.type === "opt-in")
          ? await attempt("reading the consents APSIS One holds failed", () => writer.optOuts({ profileKey, section: into }))
          : new Map<string, HeldOptOut>();
        for (const write of refusedFirst(writes, sections.get(into)?.refused ?? new Set())) {
          if (write.type === "opt-in") {
            const verdict = mayRaiseConsent({
              shopifyState: write.shopify.state,
              shopifyConsentAt: write.shopify.at,
              optOut: held.get(consentPairKey(write)) ?? null,
              ownOptOutAt: ownOptOutAt(write),
              destination: "APSIS One",
            });
            if (!verdict.raise) {
              written.push({ write: { ...write, reason: verdict.reason }, result: "left_alone" });
              leftAlone.push(write);
              continue;
            }
          }
          const before = landed.length ? ` (already written for this customer: ${landed.join(", ")})` : " (no other consent written for this customer)";
          const result = await attempt(`writing ${write.channel} consent (${write.type}) to topic ${write.topic} failed${before}`, () =>
            writer.writeConsent({ profileKey, section: into, write, beforeAttributes }),
          );
          written.push({ write, result });
          if (write.type === "opt-out" && into === section) ownNow.add(consentPairKey(write));
          if (result !== "absent") landed.push(`${write.channel} ${write.type} to ${write.topic}`);
        }
      };
      // The Sections left first: what failed there is retried (the customer is not "unchanged" while it waits).
      // The profile may be gone there (deleted in APSIS): nothing to withdraw, as for an old address.
      for (const left of work.leaving) {
        try {
          await writeConsents(left.writes, true, left.section);
        } catch (error) {
          if (written.length) await links.recordConsents({ customer, section: left.section, consents: written });
          throw error;
        }
        await links.save({ customer, section: left.section, profileKey, payloadHash: LEFT_SECTION_HASH, consent: left.state, consents: written });
        written.length = 0;
      }
      if (section === null) return;
      try {
        await writeConsents(work.release, true, section);
        await attempt("writing the profile's attributes failed", () =>
          writer.writeAttributes({ profileKey, section, attributes: work.attributes, isNew: work.isNew }),
        );
        if (work.release.length) {
          // The new address is on the profile: a retry must not opt "the old address" out again.
          const moved = movedConsentState(work.previous, work.release, customer);
          await links.save({ customer, section, profileKey, payloadHash: ADDRESS_MOVED_HASH, consent: moved, consents: written });
          written.length = 0;
        }
        await writeConsents(work.toWrite, false, section);
      } catch (error) {
        // The consents APSIS accepted before the failure stay in the audit trail.
        if (written.length) await links.recordConsents({ customer, section, consents: written });
        throw error;
      }
      if (!leftAlone.length) {
        await links.save({ customer, section, profileKey, payloadHash: work.hash, consent: work.consent, consents: written });
      } else {
        // What APSIS holds: its opt-out. The hash then differs from Shopify's side, so the next sync asks again
        // (and writes the opt-in once Shopify's consent is newer than the opt-out).
        const consent = withOptOuts(work.consent, leftAlone);
        const payloadHash = profileHash({ keyspace, section, attributes: work.attributes, consent });
        await links.save({ customer, section, profileKey, payloadHash, consent, consents: written });
        tally.count("leftAlone");
      }
      tally.count(work.isNew ? "created" : "updated");
    },
  });
}
