/**
 * Profiles as APSIS models them (docs/apis/apsis-one-api.md §5): a profile lives at account level and is found
 * by keyspace + profile key; it may hold one key per keyspace. Attributes, consents and events are per section.
 * Consents are kept per the account's consent binding (consent-store.ts).
 */
import type { AttributeValue } from "./attribute-values";
import { type ConsentBinding, ConsentStore } from "./consent-store";
import { ApsisProblem } from "./problem";

export interface StoredConsent {
  channel: string;
  topic: string;
  type: "opt-in" | "opt-out";
  reason: string;
  source: string;
  modifiedAt: string;
  /** The address the consent was given for: the profile's on the channel when it was written (consent-store.ts). */
  address: string | null;
}

export interface StoredEvent {
  discriminator: string;
  versionId: string;
  eventTime: string;
  data: Record<string, unknown>;
}

export interface SectionData {
  attributes: Map<string, AttributeValue>;
  /** By `${channel} ${topic}`; under the profile binding only (consent-store.ts). */
  consents: Map<string, StoredConsent>;
  events: StoredEvent[];
}

/** The built-in keyspaces whose key is also an attribute in every section [SEEN]. */
export const KEY_ATTRIBUTES: Record<string, string> = {
  "com.apsis1.keyspaces.email": "com.apsis1.attributes.email",
  "com.apsis1.keyspaces.mobile": "com.apsis1.attributes.mobile",
  "com.apsis1.keyspaces.crm-id": "com.apsis1.attributes.crmid",
};

export class Profile {
  /** keyspace → profile key, in the order they were added (the first is the profile's name in inspection). */
  readonly keys = new Map<string, string>();
  readonly sections = new Map<string, SectionData>();

  section(discriminator: string): SectionData {
    let data = this.sections.get(discriminator);
    if (!data) this.sections.set(discriminator, (data = { attributes: new Map(), consents: new Map(), events: [] }));
    return data;
  }
}

export class ProfileStore {
  readonly #byKey = new Map<string, Profile>();
  /** Insertion order, so inspection lists profiles as they were created. */
  readonly #all = new Set<Profile>();
  readonly consents: ConsentStore;

  constructor(binding: ConsentBinding) {
    this.consents = new ConsentStore(binding);
  }

  find(keyspace: string, profileKey: string): Profile | undefined {
    return this.#byKey.get(indexKey(keyspace, profileKey));
  }

  /** The profile, or 404 as APSIS answers for a missing one. */
  get(keyspace: string, profileKey: string): Profile {
    const profile = this.find(keyspace, profileKey);
    if (!profile) throw new ApsisProblem(404, `Profile '${profileKey}' was not found in keyspace '${keyspace}'`);
    return profile;
  }

  create(keyspace: string, profileKey: string): Profile {
    const profile = new Profile();
    this.#all.add(profile);
    this.setKey(profile, keyspace, profileKey);
    return profile;
  }

  /** Gives the profile this key in the keyspace (replacing its old one there); 409 if another profile holds it. */
  setKey(profile: Profile, keyspace: string, profileKey: string): void {
    const holder = this.find(keyspace, profileKey);
    if (holder === profile) return;
    if (holder) throw new ApsisProblem(409, `Profile key '${profileKey}' in keyspace '${keyspace}' belongs to another profile`);
    const old = profile.keys.get(keyspace);
    if (old !== undefined) this.#byKey.delete(indexKey(keyspace, old));
    profile.keys.set(keyspace, profileKey);
    this.#byKey.set(indexKey(keyspace, profileKey), profile);
  }

  /**
   * PUT /audience/profiles/merges (docs/apis/apsis-one-api.md §5.6): afterwards both keys point to one physical
   * profile; a missing one is "created along the way" [SEEN]. Merging a profile with itself (already merged)
   * changes nothing [INFERRED]. A profile holds at most one key per keyspace [SEEN, §5.1], so two profiles with
   * different keys in one keyspace cannot become one: 409, as the research models the documented conflict
   * [INFERRED: APSIS names no cause]. What the second profile holds moves to the first: its keys, and per
   * section the attributes the first lacks, the consents the first lacks or holds older, its events
   * [INFERRED: APSIS documents no precedence].
   */
  merge(first: { keyspace: string; profileKey: string }, second: { keyspace: string; profileKey: string }): void {
    const a = this.find(first.keyspace, first.profileKey);
    const b = this.find(second.keyspace, second.profileKey);
    if (a && a === b) return;
    const keysOf = (profile: Profile | undefined, ref: { keyspace: string; profileKey: string }) => (profile ? [...profile.keys] : [[ref.keyspace, ref.profileKey] as [string, string]]);
    const union = new Map<string, string>();
    for (const [keyspace, profileKey] of [...keysOf(a, first), ...keysOf(b, second)]) {
      const held = union.get(keyspace);
      if (held !== undefined && held !== profileKey) {
        throw new ApsisProblem(409, `The profiles cannot be merged: both have a profile key in keyspace '${keyspace}' ('${held}' and '${profileKey}')`);
      }
      union.set(keyspace, profileKey);
    }
    const target = a ?? b ?? this.create(first.keyspace, first.profileKey);
    const source = target === a ? b : a;
    if (source) {
      for (const [discriminator, data] of source.sections) {
        const into = target.section(discriminator);
        for (const [attribute, value] of data.attributes) if (!into.attributes.has(attribute)) into.attributes.set(attribute, value);
        for (const [key, consent] of data.consents) {
          const held = into.consents.get(key);
          if (!held || held.modifiedAt < consent.modifiedAt) into.consents.set(key, consent);
        }
        into.events.push(...data.events);
      }
      for (const [keyspace, profileKey] of source.keys) this.#byKey.delete(indexKey(keyspace, profileKey));
      this.#all.delete(source);
    }
    for (const [keyspace, profileKey] of union) this.setKey(target, keyspace, profileKey);
  }

  /** Removes the profile under every key it has (GDPR delete). */
  delete(profile: Profile): void {
    this.consents.forget(profile);
    for (const [keyspace, profileKey] of profile.keys) this.#byKey.delete(indexKey(keyspace, profileKey));
    this.#all.delete(profile);
  }

  all(): Profile[] {
    return [...this.#all];
  }
}

const indexKey = (keyspace: string, profileKey: string) => `${keyspace}\n${profileKey}`;
