/**
 * THE rule against re-subscription by sync (issue 13 item 2; docs/decisions/034-consent-guard-and-history.md):
 * a Full Sync, a send or a real-time write raises consent in a destination (an opt-in, an address taken off
 * an unsub list) only when Shopify says SUBSCRIBED with a consent time later than the opt-out the destination
 * holds. An opt-out of unknown time, or a Shopify consent of unknown time against an opt-out, is left alone:
 * consent is never raised on a guess. An opt-out the app wrote itself (from an earlier Shopify state, on an
 * email change or when a customer left a Section) is not the person's word against Shopify's: one the
 * destination holds from no later than the app's own record of it does not block. Pure; both destinations ask it, with what each can know of the opt-out's
 * time (APSIS One: its consent's modified_at; Adestra: the app's own record of when it put the address on the
 * unsub list).
 */

export type HeldOptOut = {
  /** When the destination's opt-out was made; null when the destination does not say. */
  at: Date | null;
};

export type RaiseVerdict = { raise: true; reason: string } | { raise: false; reason: string };

const iso = (date: Date) => date.toISOString();

export function mayRaiseConsent({ shopifyState, shopifyConsentAt, optOut, ownOptOutAt = null, destination }: {
  /** Shopify's marketing state for the channel (SUBSCRIBED is the only one that raises anything). */
  shopifyState: string | null;
  /** Shopify's consent time for the channel (consentUpdatedAt / marketingUpdatedAt), ISO 8601, or null. */
  shopifyConsentAt: string | null;
  /** The opt-out the destination holds for this channel and topic or list, or null when it holds none. */
  optOut: HeldOptOut | null;
  /**
   * When the app last recorded an opt-out of its own for this consent (null: it has none): the destination's
   * opt-out from then or before is that one (a later one was made in the destination).
   */
  ownOptOutAt?: Date | null;
  /** How the destination is named in the reason, e.g. "APSIS One" or "Adestra's unsub list". */
  destination: string;
}): RaiseVerdict {
  if (shopifyState !== "SUBSCRIBED") return { raise: false, reason: `left alone: Shopify's marketing state is ${shopifyState ?? "none"}, not SUBSCRIBED` };
  if (!optOut) return { raise: true, reason: `Shopify's consent is SUBSCRIBED and ${destination} holds no opt-out` };
  const consentAt = shopifyConsentAt ? new Date(shopifyConsentAt) : null;
  const consent = consentAt && Number.isFinite(consentAt.getTime()) ? consentAt : null;
  if (!optOut.at) {
    return { raise: false, reason: `left alone: ${destination} holds an opt-out of unknown time${consent ? `; Shopify's consent is at ${iso(consent)}` : ""}` };
  }
  if (ownOptOutAt && optOut.at.getTime() <= ownOptOutAt.getTime()) {
    return { raise: true, reason: `Shopify's consent is SUBSCRIBED and the opt-out ${destination} holds (at ${iso(optOut.at)}) is the app's own, from an earlier Shopify state` };
  }
  if (!consent) return { raise: false, reason: `left alone: ${destination} holds an opt-out at ${iso(optOut.at)} and Shopify's consent has no time` };
  if (consent.getTime() <= optOut.at.getTime()) {
    return { raise: false, reason: `left alone: ${destination}'s opt-out at ${iso(optOut.at)} is newer than Shopify's consent at ${iso(consent)}` };
  }
  return { raise: true, reason: `Shopify's consent at ${iso(consent)} is newer than ${destination}'s opt-out at ${iso(optOut.at)}` };
}
