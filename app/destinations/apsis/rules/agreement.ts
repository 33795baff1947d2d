import { agreementRow, type AgreementRow, changedSinceWrite, type CustomerVerdict, REASONS, shopifyCount } from "../../../components/agreement";
import type { ConsentMember, ShopifyConsentCounts } from "../../../shopify/consent-segments";
import { type ConsentChannel, consentTypeOf, type ConsentType, parseConsentState } from "./consent";
import { sectionOfTarget } from "./profile";

/**
 * APSIS One's side of the agreement report, pure: what the app last wrote per profile (ProfileLink.consent,
 * the ConsentState JSON of ./consent.ts), counted by channel, beside Shopify's counts; and one customer's
 * verdict. The rule compared against is the consent rule itself: SUBSCRIBED → opt-in, UNSUBSCRIBED →
 * opt-out, anything else → no consent written, and no consent at all in a Section with no topic mapped.
 */

export type WrittenConsent = ConsentType | "none";

/** What a link says was last written on a channel: opt-in when any topic got it, else opt-out, else none. */
export function writtenConsentOf(consent: string | null, channel: ConsentChannel): WrittenConsent {
  const types = Object.values(parseConsentState(consent)?.[channel]?.topics ?? {});
  if (types.includes("opt-in")) return "opt-in";
  return types.includes("opt-out") ? "opt-out" : "none";
}

export type ApsisWrittenCounts = {
  profiles: number;
  /** Profiles per Section. */
  sections: Record<string, number>;
  email: Record<WrittenConsent, number>;
  sms: Record<WrittenConsent, number>;
  lastWrittenAt: Date | null;
};

type LinkRow = { target: string; consent: string | null; lastSyncedAt: Date };

/** Counts links as they are read, page by page. */
export function writtenConsentTally() {
  const counts: ApsisWrittenCounts = {
    profiles: 0,
    sections: {},
    email: { "opt-in": 0, "opt-out": 0, none: 0 },
    sms: { "opt-in": 0, "opt-out": 0, none: 0 },
    lastWrittenAt: null,
  };
  return {
    add(link: LinkRow) {
      counts.profiles++;
      const section = sectionOfTarget(link.target) ?? link.target;
      counts.sections[section] = (counts.sections[section] ?? 0) + 1;
      counts.email[writtenConsentOf(link.consent, "email")]++;
      counts.sms[writtenConsentOf(link.consent, "sms")]++;
      if (!counts.lastWrittenAt || link.lastSyncedAt > counts.lastWrittenAt) counts.lastWrittenAt = link.lastSyncedAt;
    },
    counts: () => counts,
  };
}

const EXCLUDED = "customers the sync conditions send to no Section (they are never written)";
const NO_TOPIC = "profiles in a Section with no topic mapped for the channel (no consent is written there: Consent mapping on the APSIS One page)";
const NO_ADDRESS = "customers without a phone number, whose profiles have no SMS consent";

export function apsisAgreementRows({ shopify, written }: { shopify: ShopifyConsentCounts; written: ApsisWrittenCounts }): AgreementRow[] {
  const optIn = [REASONS.notSyncedYet, EXCLUDED, REASONS.neverSent, NO_TOPIC];
  const optOut = [REASONS.stateChanged, REASONS.deleted];
  return [
    agreementRow({
      key: "email-opt-in",
      shopifyLabel: "Subscribed to email",
      writtenLabel: "Profiles written with email opt-in",
      shopify: shopify.email.SUBSCRIBED,
      written: written.email["opt-in"],
      drillStates: ["SUBSCRIBED"],
      more: optIn,
      fewer: optOut,
    }),
    agreementRow({
      key: "email-opt-out",
      shopifyLabel: "Unsubscribed from email",
      writtenLabel: "Profiles written with email opt-out",
      shopify: shopify.email.UNSUBSCRIBED,
      written: written.email["opt-out"],
      drillStates: ["UNSUBSCRIBED"],
      more: optIn,
      fewer: optOut,
    }),
    agreementRow({
      key: "email-none",
      shopifyLabel: "Not subscribed, pending, invalid or no email address",
      writtenLabel: "Profiles written with no email consent",
      shopify: shopifyCount(shopify, ["NOT_SUBSCRIBED", "PENDING", "INVALID"], true),
      written: written.email.none,
      drillStates: ["NOT_SUBSCRIBED", "PENDING", "INVALID"],
      more: [REASONS.notSyncedYet, EXCLUDED, REASONS.neverSent],
      fewer: [REASONS.stateChanged, NO_TOPIC, REASONS.deleted],
    }),
    agreementRow({
      key: "sms-opt-in",
      shopifyLabel: "Subscribed to SMS",
      writtenLabel: "Profiles written with SMS opt-in",
      shopify: shopify.sms.SUBSCRIBED,
      written: written.sms["opt-in"],
      drillStates: [],
      more: optIn,
      fewer: optOut,
    }),
    agreementRow({
      key: "sms-opt-out",
      shopifyLabel: "Unsubscribed from SMS",
      writtenLabel: "Profiles written with SMS opt-out",
      shopify: shopify.sms.UNSUBSCRIBED,
      written: written.sms["opt-out"],
      drillStates: [],
      more: [...optIn, NO_ADDRESS],
      fewer: optOut,
    }),
  ];
}

const WRITTEN_LABELS: Record<WrittenConsent, string> = { "opt-in": "email opt-in", "opt-out": "email opt-out", none: "no email consent" };

/**
 * One Shopify customer against their profiles (links, newest first): agrees when every Section they were
 * written to holds what the consent rule says for Shopify's state now.
 */
export function apsisVerdict({ member, links, emailTopicSections }: {
  member: ConsentMember;
  links: readonly LinkRow[];
  /** Sections with at least one email topic mapped. */
  emailTopicSections: ReadonlySet<string>;
}): CustomerVerdict {
  if (!links.length) return { kind: "never_written" };
  const expected: WrittenConsent = consentTypeOf(member.emailState) ?? "none";
  for (const link of links) {
    const section = sectionOfTarget(link.target) ?? link.target;
    const written = writtenConsentOf(link.consent, "email");
    if (written === (emailTopicSections.has(section) ? expected : "none")) continue;
    const changed = changedSinceWrite({ shopifyStateAt: member.emailStateUpdatedAt, writtenAt: link.lastSyncedAt });
    return {
      kind: "differs",
      written: `${WRITTEN_LABELS[written]} in Section ${section}`,
      writtenAt: link.lastSyncedAt,
      reason: changed
        ? "Changed in Shopify after the app wrote the profile: real-time sync (when on) or the next Full Sync writes it."
        : "Shopify's consent has not changed since the app wrote the profile, yet it holds another: the consent mapping changed since (the next Full Sync writes it), or the sync conditions now send the customer elsewhere or nowhere (the profile stays as written).",
    };
  }
  return { kind: "agrees" };
}
