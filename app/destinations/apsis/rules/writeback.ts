import type { ShopifyCustomer } from "../../../shopify/customer";
import { APSIS_CHANNELS, type ConsentChannel, type ConsentState, type ConsentTopics } from "./consent";

/**
 * THE write-back rules, APSIS One → Shopify (docs/decisions/033-consent-write-back.md). Pure.
 *
 * A profile's consents as APSIS holds them (GET …/consents) against what the app last wrote there (the link's
 * ConsentState) and Shopify's consent now, per channel:
 *
 * - Only opt-outs come back, only on topics mapped to that channel for the Section, and only where the app did
 *   not write (or already write back) that opt-out itself: the link says opt-in, or nothing, for the topic.
 *   An opt-in in APSIS is never written to Shopify.
 * - Shopify must have an address on the channel, and a state the opt-out changes: UNSUBSCRIBED already says it
 *   (the real-time path then writes the rest), REDACTED is left alone.
 * - The opt-out must be newer than Shopify's consent time: a customer who subscribed again in Shopify after
 *   unsubscribing in APSIS keeps Shopify's newer word (Shopify has second precision, so a tie is not newer).
 *
 * Then Shopify is told UNSUBSCRIBED, dated the latest of those opt-outs, and the link records the opt-outs as
 * what APSIS holds, so the real-time sync the change sets off finds nothing of it left to write.
 */

export type ApsisConsentItem = { channel_discriminator: string; topic_discriminator: string; type: string; modified_at?: string };

/** Shopify's consent on a channel now (null: the customer has no address there). */
export type ChannelConsentNow = { state: string; updatedAt: string | null } | null;

export type WriteBack = {
  channel: ConsentChannel;
  /** The mapped topics APSIS holds an opt-out on that the app did not write. */
  topics: string[];
  /** The latest of those opt-outs. */
  consentAt: Date;
};

const UNCHANGEABLE = new Set(["UNSUBSCRIBED", "REDACTED"]);

export function writeBacksOf({ consents, topics, written, shopify }: {
  consents: readonly ApsisConsentItem[];
  topics: ConsentTopics;
  /** What the app last wrote to this Section (null: nothing yet). */
  written: ConsentState | null;
  shopify: Record<ConsentChannel, ChannelConsentNow>;
}): WriteBack[] {
  const out: WriteBack[] = [];
  for (const channel of ["email", "sms"] as const) {
    const now = shopify[channel];
    if (!now || UNCHANGEABLE.has(now.state)) continue;
    const mapped = new Set(topics[channel]);
    const own = written?.[channel]?.topics ?? {};
    let latest = Number.NEGATIVE_INFINITY;
    const found = new Set<string>();
    for (const c of consents) {
      if (c.channel_discriminator !== APSIS_CHANNELS[channel] || c.type !== "opt-out" || !mapped.has(c.topic_discriminator)) continue;
      if (own[c.topic_discriminator] === "opt-out") continue;
      const at = c.modified_at ? Date.parse(c.modified_at) : Number.NaN;
      if (Number.isNaN(at)) continue;
      found.add(c.topic_discriminator);
      latest = Math.max(latest, at);
    }
    if (!found.size) continue;
    const shopifyAt = now.updatedAt ? Date.parse(now.updatedAt) : Number.NEGATIVE_INFINITY;
    if (Math.floor(latest / 1000) * 1000 <= shopifyAt) continue;
    out.push({ channel, topics: [...found].sort(), consentAt: new Date(latest) });
  }
  return out;
}

/**
 * The link's consent once the write-backs are in Shopify: the opted-out topics recorded as opt-out on the
 * channel's current address. When every mapped topic of the channel is then an opt-out, that is exactly what the
 * consent rules give for UNSUBSCRIBED (so `settled` says the real-time path has nothing left to write for it).
 */
export function recordWriteBacks({ written, writeBacks, customer, topics }: {
  written: ConsentState | null;
  writeBacks: readonly WriteBack[];
  customer: Pick<ShopifyCustomer, "email" | "phone">;
  topics: ConsentTopics;
}): { consent: ConsentState; settled: boolean } {
  const consent: ConsentState = structuredClone(written ?? {});
  let settled = true;
  for (const { channel, topics: optedOut } of writeBacks) {
    const address = channel === "email" ? customer.email : customer.phone;
    if (!address) continue;
    const before = consent[channel];
    const kept = before && before.address === address ? before.topics : {};
    const next = { ...kept };
    for (const topic of optedOut) next[topic] = "opt-out";
    consent[channel] = { address, topics: next };
    if (!topics[channel].every((t) => next[t] === "opt-out")) settled = false;
  }
  return { consent, settled };
}
