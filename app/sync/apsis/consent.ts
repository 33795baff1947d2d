import type { ShopifyCustomer } from "../../integrations/shopify/customer";

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

/** The writes that differ from what was last written (all of them when nothing was). */
export function changedConsentWrites(writes: readonly ConsentWrite[], previous: ConsentState | null): ConsentWrite[] {
  if (!previous) return [...writes];
  return writes.filter((w) => {
    const before = previous[w.channel];
    return !before || before.address !== w.address || before.topics[w.topic] !== w.type;
  });
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
