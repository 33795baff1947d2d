import type { ShopifyCustomer } from "../../../shopify/customer";

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
};

const TYPE_OF_STATE: Record<string, ConsentType | undefined> = { SUBSCRIBED: "opt-in", UNSUBSCRIBED: "opt-out" };

/** The consent type a Shopify marketing state leads to; null = write nothing. */
export function consentTypeOf(state: string | null | undefined): ConsentType | null {
  return (state && TYPE_OF_STATE[state]) || null;
}

export function consentWrites({ customer, topics }: { customer: ShopifyCustomer; topics: ConsentTopics }): ConsentWrite[] {
  const writes: ConsentWrite[] = [];
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
export type ConsentState = Partial<Record<ConsentChannel, { address: string; topics: Record<string, ConsentType> }>>;

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

/**
 * The consent writes a sync makes, in order, given what the rules say now (`writes`, from consentWrites) and
 * what was last written (`previous`).
 *
 * When a channel's address changed (an email or phone change; the profile is keyed by customer id, so it keeps
 * its identity), consent moves as APSIS One's own integration documents it: the old address is opted out of
 * every topic it was opted in to, and the new address is opted in to those topics — but only when Shopify's
 * state for the new address is SUBSCRIBED. Under any other state Shopify does not say the new address agreed,
 * and the product never opts anyone in without that (docs/decisions/014-realtime-sync.md). Then come the
 * ordinary writes that changed, less those the move already made.
 */
export function plannedConsentWrites({ customer, writes, previous }: {
  customer: ShopifyCustomer;
  writes: readonly ConsentWrite[];
  previous: ConsentState | null;
}): ConsentWrite[] {
  const planned: ConsentWrite[] = [];
  const moved = new Set<string>();
  const states: Record<ConsentChannel, string | null> = { email: customer.emailMarketingState, sms: customer.smsMarketingState };
  for (const channel of changedAddressChannels(customer, previous)) {
    const before = previous![channel]!;
    const address = channel === "email" ? customer.email! : customer.phone!;
    const what = channel === "email" ? "Email address" : "Phone number";
    const carry = consentTypeOf(states[channel]) === "opt-in";
    for (const [topic, type] of Object.entries(before.topics)) {
      if (type !== "opt-in") continue;
      const base = { channel, channelDiscriminator: APSIS_CHANNELS[channel], topic, addressChange: true as const };
      planned.push({ ...base, type: "opt-out", address: before.address, reason: `${what} changed in Shopify: the old address ${before.address} is no longer in use` });
      if (carry) {
        planned.push({ ...base, type: "opt-in", address, reason: `${what} changed in Shopify: consent carried over from ${before.address}` });
        moved.add(`${channel} ${topic} opt-in`);
      } else {
        moved.add(`${channel} ${topic} opt-out`);
      }
    }
  }
  for (const w of changedConsentWrites(writes, previous)) if (!moved.has(`${w.channel} ${w.topic} ${w.type}`)) planned.push(w);
  return planned;
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
