/**
 * Where a consent lives, per account (docs/apis/apsis-one-api.md §6.1) — the `consentBinding` of its config:
 *
 * - `"profile"` (the default): Consent 2.0, consent belongs to profile × section × topic × channel. [SEEN:
 *   developer.apsis.com what-is-consent-20] A new email on the profile keeps the profile's consents.
 * - `"address"`: consent belongs to the channel's address (email address, phone number) in the section, as
 *   Consent 1.0 kept it and as APSIS's email-change article reads ("the old email address will be opted-out").
 *   [INFERRED for the v2 endpoint] A write through a profile applies to the address the profile has on that
 *   channel at that moment; a new address starts with its own consents (none, for an address never seen).
 *
 * Under either binding each consent records the address it was given for: the profile's at the time of the
 * write (the section's email / mobile attribute, else its key in the email / mobile keyspace).
 */
import { ApsisProblem } from "./problem";
import type { Profile, StoredConsent } from "./profiles";

export const CONSENT_BINDINGS = ["profile", "address"] as const;
export type ConsentBinding = (typeof CONSENT_BINDINGS)[number];

/** Where a profile's address on a channel is: the keyspace's mapped attribute, else its key there (profiles.ts KEY_ATTRIBUTES). */
const CHANNEL_KEYSPACES: Record<string, { keyspace: string; attribute: string }> = {
  "com.apsis1.channels.email": { keyspace: "com.apsis1.keyspaces.email", attribute: "com.apsis1.attributes.email" },
  "com.apsis1.channels.sms": { keyspace: "com.apsis1.keyspaces.mobile", attribute: "com.apsis1.attributes.mobile" },
};

/** The profile's address on the channel in the section now, or null when it has none. */
export function addressOf(profile: Profile, section: string, channel: string): string | null {
  const where = CHANNEL_KEYSPACES[channel];
  if (!where) return null;
  const value = profile.sections.get(section)?.attributes.get(where.attribute);
  if (value !== undefined && value !== null && value !== "") return String(value);
  return profile.keys.get(where.keyspace) ?? null;
}

const consentKey = (consent: Pick<StoredConsent, "channel" | "topic">) => `${consent.channel} ${consent.topic}`;
const addressKey = (section: string, channel: string, address: string) => `${section}\n${channel}\n${address}`;

export type ConsentChange = "created" | "changed" | "same";

export class ConsentStore {
  /** Address binding: section + channel + address → consents by `${channel} ${topic}`. */
  readonly #byAddress = new Map<string, Map<string, StoredConsent>>();

  constructor(readonly binding: ConsentBinding) {}

  /** The consents that apply to the profile in the section now, by `${channel} ${topic}`. */
  of(profile: Profile, section: string): Map<string, StoredConsent> {
    if (this.binding === "profile") return profile.sections.get(section)?.consents ?? new Map();
    const out = new Map<string, StoredConsent>();
    for (const channel of Object.keys(CHANNEL_KEYSPACES)) {
      const address = addressOf(profile, section, channel);
      if (address === null) continue;
      for (const [key, consent] of this.#byAddress.get(addressKey(section, channel, address)) ?? []) out.set(key, consent);
    }
    return out;
  }

  /**
   * Sets the consent for the profile (under address binding: for `address`, else the profile's current address on
   * the channel; 400 when it has none). "same" when the type is unchanged (nothing is touched).
   */
  set(profile: Profile, section: string, consent: Omit<StoredConsent, "address">, address = addressOf(profile, section, consent.channel)): ConsentChange {
    let consents: Map<string, StoredConsent>;
    if (this.binding === "profile") {
      consents = profile.section(section).consents;
    } else {
      if (address === null) throw new ApsisProblem(400, `The profile has no address on ${consent.channel} in section '${section}' to give consent for`);
      const key = addressKey(section, consent.channel, address);
      consents = this.#byAddress.get(key) ?? new Map();
      this.#byAddress.set(key, consents);
      profile.section(section);
    }
    const existing = consents.get(consentKey(consent));
    if (existing?.type === consent.type) return "same";
    consents.set(consentKey(consent), { ...consent, address });
    return existing ? "changed" : "created";
  }

  /**
   * What applies to an address in a section now: under address binding its own consents; under profile binding
   * the consents on that channel of every profile whose address it is now (an address no profile has: none).
   */
  ofAddress(profiles: Iterable<Profile>, section: string, channel: string, address: string): StoredConsent[] {
    if (this.binding === "address") return [...(this.#byAddress.get(addressKey(section, channel, address))?.values() ?? [])];
    const out: StoredConsent[] = [];
    for (const profile of profiles) {
      if (addressOf(profile, section, channel) !== address) continue;
      for (const consent of this.of(profile, section).values()) if (consent.channel === channel) out.push(consent);
    }
    return out;
  }

  /** A deleted profile's consents go with it ("permanently deleted along with its consents"): its current addresses' too. */
  forget(profile: Profile): void {
    if (this.binding === "profile") return;
    for (const section of profile.sections.keys()) {
      for (const channel of Object.keys(CHANNEL_KEYSPACES)) {
        const address = addressOf(profile, section, channel);
        if (address !== null) this.#byAddress.delete(addressKey(section, channel, address));
      }
    }
  }
}
