import type { ShopifyCustomer } from "../../../shopify/customer";
import type { HeldOptOut } from "../../../runs/consent-guard";

/**
 * THE consent rules, Shopify → APSIS One (docs: architecture "Consent rules"). Pure; every consent the app
 * writes to APSIS comes from here.
 *
 * | Shopify state (per channel)                              | written on every topic mapped to that channel |
 * |----------------------------------------------------------|-----------------------------------------------|
 * | SUBSCRIBED                                               | opt-in                                        |
 * | UNSUBSCRIBED                                             | opt-out                                       |
 * | NOT_SUBSCRIBED, PENDING, INVALID, REDACTED, no address   | nothing at all                                |
 *
 * A profile is never opted in without a Shopify SUBSCRIBED that says so. PENDING (double opt-in not confirmed
 * yet) writes nothing: APSIS does not let an API set pending or confirmed opt-in, and double opt-in stays with
 * APSIS. The email channel follows the default email address's email marketing state; the SMS channel the
 * default phone number's SMS marketing state. Topics are the ones mapped for the customer's Section.
 */

export const APSIS_CHANNELS = {
  email: "com.apsis1.channels.email",
  sms: "com.apsis1.channels.sms",
} as const;
export type ConsentChannel = keyof typeof APSIS_CHANNELS;
export type ConsentType = "opt-in" | "opt-out";

export type ConsentTopics = { email: readonly string[]; sms: readonly string[] };

export type ConsentWrite = {
  channel: ConsentChannel;
  /** com.apsis1.channels.email / com.apsis1.channels.sms */
  channelDiscriminator: string;
  topic: string;
  type: ConsentType;
  /** The email address or phone number the consent is about (kept on ConsentEvent). */
  address: string;
  /** Why, as sent to APSIS and shown in its UI. */
  reason: string;
  /** Set on the writes that move consent from an old address to a new one (addressChangeWrites). */
  addressChange?: true;
  /** Shopify's marketing state and consent time for the channel the write follows (the history shows them). */
  shopify: ShopifyConsent;
};

/** Shopify's consent for one channel: its marketing state and consent time (consentUpdatedAt). */
export type ShopifyConsent = { state: string | null; at: string | null };

/** Shopify's consent per channel for a customer. */
export function shopifyConsentOf(customer: ShopifyCustomer): Record<ConsentChannel, ShopifyConsent> {
  return {
    email: { state: customer.emailMarketingState, at: customer.emailMarketingUpdatedAt },
    sms: { state: customer.smsMarketingState, at: customer.smsMarketingUpdatedAt },
  };
}

const TYPE_OF_STATE: Record<string, ConsentType | undefined> = { SUBSCRIBED: "opt-in", UNSUBSCRIBED: "opt-out" };

/** The consent type a Shopify marketing state leads to; null = write nothing. */
export function consentTypeOf(state: string | null | undefined): ConsentType | null {
  return (state && TYPE_OF_STATE[state]) || null;
}

/** APSIS One refused a consent write to a mapped topic on a channel (e.g. an SMS-only topic mapped under Email). */
export type ConsentRefusal = { channel: ConsentChannel; topic: string; at: string; message: string };

/** A topic on a channel, as `${channel} ${topic}` (the key of SectionPlan.refused). */
export const consentPairKey = (write: Pick<ConsentWrite, "channel" | "topic">) => `${write.channel} ${write.topic}`;

/**
 * A customer's consent writes with those APSIS One last refused first: when it refuses again, nothing else of
 * the customer's consent has been written (the API has no all-or-nothing write of several consents).
 */
export function refusedFirst(writes: readonly ConsentWrite[], refused: ReadonlySet<string>): ConsentWrite[] {
  return [...writes.filter((w) => refused.has(consentPairKey(w))), ...writes.filter((w) => !refused.has(consentPairKey(w)))];
}

export function consentWrites({ customer, topics }: { customer: ShopifyCustomer; topics: ConsentTopics }): ConsentWrite[] {
  const writes: ConsentWrite[] = [];
  const shopify = shopifyConsentOf(customer);
  const channel = (name: ConsentChannel, address: string | null, state: string | null, what: string) => {
    const type = consentTypeOf(state);
    if (!address || !type) return;
    for (const topic of new Set(topics[name])) {
      writes.push({
        channel: name,
        channelDiscriminator: APSIS_CHANNELS[name],
        topic,
        type,
        address,
        reason: `Shopify ${what} marketing state is ${state}`,
        shopify: shopify[name],
      });
    }
  };
  channel("email", customer.email, customer.emailMarketingState, "email");
  channel("sms", customer.phone, customer.smsMarketingState, "SMS");
  return writes;
}

/**
 * What was last written per channel (ProfileLink.consent, JSON): the address and each topic's type. Kept so
 * a consent is written again only when Shopify's side changed: an opt-out the person made in APSIS (an
 * unsubscribe link) is not overwritten by a Full Sync that sees the same old SUBSCRIBED.
 */
export type ConsentState = Partial<Record<ConsentChannel, {
  address: string;
  topics: Record<string, ConsentType>;
  /**
   * Topics whose opt-in was left alone (app/runs/consent-guard.ts): their "opt-out" is the one APSIS holds,
   * not one the app wrote, so it stays the person's word against Shopify's until Shopify's consent is newer.
   */
  kept?: string[];
}>>;

export function consentStateOf(writes: readonly ConsentWrite[]): ConsentState {
  const state: ConsentState = {};
  for (const w of writes) {
    const channel = (state[w.channel] ??= { address: w.address, topics: {} });
    channel.topics[w.topic] = w.type;
  }
  return state;
}

/** Email addresses compare without letter case (Shopify keeps them lowercase; APSIS matches them so too). */
const sameAddress = (channel: ConsentChannel, a: string, b: string) => (channel === "email" ? a.trim().toLowerCase() === b.trim().toLowerCase() : a.trim() === b.trim());

/** The writes that differ from what was last written (all of them when nothing was). */
export function changedConsentWrites(writes: readonly ConsentWrite[], previous: ConsentState | null): ConsentWrite[] {
  if (!previous) return [...writes];
  return writes.filter((w) => {
    const before = previous[w.channel];
    return !before || !sameAddress(w.channel, before.address, w.address) || before.topics[w.topic] !== w.type;
  });
}

/** The channels whose address changed since the consent was last written (both addresses known). */
export function changedAddressChannels(customer: ShopifyCustomer, previous: ConsentState | null): ConsentChannel[] {
  const current: Record<ConsentChannel, string | null> = { email: customer.email, sms: customer.phone };
  return (["email", "sms"] as const).filter((channel) => {
    const before = previous?.[channel];
    const now = current[channel];
    return !!before && !!now && !sameAddress(channel, before.address, now);
  });
}

/** A sync's consent writes, in the order they must reach APSIS (plannedConsentWrites). */
export type PlannedConsentWrites = {
  /**
   * Opt-outs of an old address (an email or phone change), written BEFORE the new address is written onto the
   * profile: while the profile still has the old address, whichever way APSIS binds consent.
   */
  release: ConsentWrite[];
  /** Everything else, written after the profile's attributes (the new address in place). */
  writes: ConsentWrite[];
};

/**
 * The consent writes a sync makes, given what the rules say now (`writes`, from consentWrites) and what was last
 * written (`previous`).
 *
 * When a channel's address changed (an email or phone change; the profile is keyed by customer id, so it keeps
 * its identity), consent moves as APSIS One's own integration documents it: the old address is opted out of
 * every topic it was opted in to (`release`), and the new address is opted in to those topics — but only when
 * Shopify's state for the new address is SUBSCRIBED. Under any other state Shopify does not say the new address
 * agreed, and the product never opts anyone in without that (docs/decisions/014-realtime-sync.md). Then come the
 * ordinary writes for the new address that changed (an UNSUBSCRIBED new address gets its own opt-out; a
 * NOT_SUBSCRIBED one nothing), less the opt-ins the move already made.
 *
 * Why the release goes first: APSIS may apply a consent to the profile's current address (consent bound to the
 * address, as Consent 1.0 and APSIS's email-change article describe) or to the profile (Consent 2.0). Written
 * before the new address is on the profile, the opt-out is the old address's under either binding; written
 * after, it would land on the new address (docs/decisions/014-realtime-sync.md, "Email or phone change").
 */
export function plannedConsentWrites({ customer, writes, previous }: {
  customer: ShopifyCustomer;
  writes: readonly ConsentWrite[];
  previous: ConsentState | null;
}): PlannedConsentWrites {
  const release: ConsentWrite[] = [];
  const carried: ConsentWrite[] = [];
  const shopify = shopifyConsentOf(customer);
  for (const channel of changedAddressChannels(customer, previous)) {
    const before = previous![channel]!;
    const address = channel === "email" ? customer.email! : customer.phone!;
    const what = channel === "email" ? "Email address" : "Phone number";
    const carry = consentTypeOf(shopify[channel].state) === "opt-in";
    for (const [topic, type] of Object.entries(before.topics)) {
      if (type !== "opt-in") continue;
      const base = { channel, channelDiscriminator: APSIS_CHANNELS[channel], topic, addressChange: true as const, shopify: shopify[channel] };
      release.push({ ...base, type: "opt-out", address: before.address, reason: `${what} changed in Shopify: the old address ${before.address} is no longer in use` });
      if (carry) carried.push({ ...base, type: "opt-in", address, reason: `${what} changed in Shopify: consent carried over from ${before.address}` });
    }
  }
  const isCarried = (w: ConsentWrite) => carried.some((c) => c.channel === w.channel && c.topic === w.topic && c.type === w.type);
  return { release, writes: [...carried, ...changedConsentWrites(writes, previous).filter((w) => !isCarried(w))] };
}

/**
 * A Section the customer no longer belongs to (the sync conditions now pick another one, or none): the app
 * stops keeping its consent there up to date, so every topic it opted the customer in to there is opted out,
 * on the address it was given for. Opt-outs stay as they are; attributes are left (they give no permission to
 * message). `state` is what APSIS then holds there. docs/decisions/014-realtime-sync.md, "Leaving a Section".
 */
export function leftSectionWrites(previous: ConsentState | null, now: string | null, shopify: Record<ConsentChannel, ShopifyConsent>): { writes: ConsentWrite[]; state: ConsentState } {
  return releasedConsentWrites(previous, `The sync conditions now put this customer ${now ? `in Section ${now}` : "in no Section"}: the app no longer keeps this Section's consent up to date`, shopify);
}

/** No Shopify consent stands behind a customer merged away: Shopify no longer has them. */
const NO_SHOPIFY_CONSENT: Record<ConsentChannel, ShopifyConsent> = { email: { state: null, at: null }, sms: { state: null, at: null } };

/**
 * A customer Shopify merged into another one (customers/merge) no longer exists: the app stops keeping their
 * consent up to date, so, as for a Section left, every topic it opted them in to is opted out on the address it
 * was given for. What the kept customer agreed to is then written from Shopify's result by their own sync.
 */
export function mergedAwayWrites(previous: ConsentState | null, keptCustomerId: string): ConsentWrite[] {
  return releasedConsentWrites(previous, `Merged in Shopify into customer ${keptCustomerId}: the app no longer keeps this customer's consent up to date`, NO_SHOPIFY_CONSENT).writes;
}

/** Every topic `previous` opted in to, opted out on its address, for `reason`; `state` is what APSIS then holds. */
function releasedConsentWrites(previous: ConsentState | null, reason: string, shopify: Record<ConsentChannel, ShopifyConsent>): { writes: ConsentWrite[]; state: ConsentState } {
  const writes: ConsentWrite[] = [];
  const state: ConsentState = {};
  for (const channel of ["email", "sms"] as const) {
    const before = previous?.[channel];
    if (!before) continue;
    const topics: Record<string, ConsentType> = {};
    for (const [topic, type] of Object.entries(before.topics)) {
      topics[topic] = "opt-out";
      if (type === "opt-in") writes.push({ channel, channelDiscriminator: APSIS_CHANNELS[channel], topic, type: "opt-out", address: before.address, reason, shopify: shopify[channel] });
    }
    state[channel] = { address: before.address, topics };
  }
  return { writes, state };
}

export function parseConsentState(json: string | null | undefined): ConsentState | null {
  if (!json) return null;
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as ConsentState) : null;
  } catch {
    return null;
  }
}

/**
 * The opt-outs among the consents APSIS One holds for a profile in a Section (GET …/consents), by
 * consentPairKey, with their time: `modified_at`, which the docs say is always returned in Consent 2.0
 * [SEEN]; missing or unreadable, the time is unknown (and the guard then leaves an opt-in alone).
 */
export function heldOptOuts(consents: readonly { channel_discriminator: string; topic_discriminator: string; type: string; modified_at?: string }[]): Map<string, HeldOptOut> {
  const out = new Map<string, HeldOptOut>();
  for (const c of consents) {
    const channel = (Object.keys(APSIS_CHANNELS) as ConsentChannel[]).find((name) => APSIS_CHANNELS[name] === c.channel_discriminator);
    if (!channel || c.type !== "opt-out") continue;
    const at = c.modified_at ? new Date(c.modified_at) : null;
    out.set(consentPairKey({ channel, topic: c.topic_discriminator }), { at: at && Number.isFinite(at.getTime()) ? at : null });
  }
  return out;
}
