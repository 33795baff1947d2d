import { agreementRow, type AgreementRow, changedSinceWrite, type CustomerVerdict, REASONS } from "../../../components/agreement";
import type { ConsentMember, ShopifyConsentCounts } from "../../../shopify/consent-segments";

/**
 * Adestra's side of the agreement report, pure. What a send writes (./filter.ts): the chosen list gets the
 * profile group's customers in the date range ("Email subscribers only": SUBSCRIBED only), and every
 * UNSUBSCRIBED customer with an email goes on the connection's unsub list whatever the group or dates. The
 * app never takes a contact off a list nor an address off the unsub list (docs/decisions/012). ProfileLink
 * target "list:<id>" is a contact the app put on a list, "unsub:<id>" an address on an unsub list.
 */

export type AdestraTargetCount = { target: string; customers: number; lastSyncedAt: Date | null };
type LinkRow = { target: string; lastSyncedAt: Date };

const isList = (target: string) => target.startsWith("list:");
const isUnsub = (target: string) => target.startsWith("unsub:");

/** "list Newsletter" when the name is known, else "list 12". */
export function describeTarget(target: string, names: ReadonlyMap<string, string>): string {
  const [kind, id] = target.split(":");
  const what = kind === "unsub" ? "unsub list" : "list";
  const name = names.get(target);
  return name ? `${what} ${name}` : `${what} ${id}`;
}

const OUT_OF_RANGE = "customers outside the send's activity date range (a send writes only customers active in it)";
const NOT_REMOVED = "customers no longer subscribed in Shopify: the app does not take contacts off a list";
const ALL_PROFILES = "sends with All profiles put customers of every consent state on the list";

/**
 * One row per list the app wrote to (Shopify's subscribers beside the list's contacts) and one per unsub list
 * (Shopify's unsubscribed beside the addresses on it); a row with nothing written when the app never wrote
 * to one, so Shopify's side still shows.
 */
export function adestraAgreementRows({ shopify, targets, names, subscribersOnly }: {
  shopify: ShopifyConsentCounts;
  targets: readonly AdestraTargetCount[];
  names: ReadonlyMap<string, string>;
  /** Every saved send choice is "Email subscribers only". */
  subscribersOnly: boolean;
}): AgreementRow[] {
  const kinds = [
    {
      is: isList,
      fallbackKey: "list",
      shopifyLabel: "Subscribed to email",
      state: "SUBSCRIBED" as const,
      written: (where: string | null) => (where ? `Contacts on ${where}` : "Contacts on a list"),
      more: [REASONS.notSyncedYet, OUT_OF_RANGE, REASONS.neverSent],
      fewer: [...(subscribersOnly ? [] : [ALL_PROFILES]), NOT_REMOVED, REASONS.deleted],
    },
    {
      is: isUnsub,
      fallbackKey: "unsub",
      shopifyLabel: "Unsubscribed from email",
      state: "UNSUBSCRIBED" as const,
      written: (where: string | null) => (where ? `Addresses on ${where}` : "Addresses on the unsub list"),
      more: [REASONS.notSyncedYet, REASONS.neverSent],
      fewer: ["customers subscribed again in Shopify: the app does not take an address off the unsub list", REASONS.deleted],
    },
  ];
  return kinds.flatMap((kind) => {
    const written = targets.filter((t) => kind.is(t.target));
    return (written.length ? written : [null]).map((target) =>
      agreementRow({
        key: target ? target.target : kind.fallbackKey,
        shopifyLabel: kind.shopifyLabel,
        writtenLabel: kind.written(target && describeTarget(target.target, names)),
        shopify: shopify.email[kind.state],
        written: target?.customers ?? 0,
        drillStates: [kind.state],
        more: kind.more,
        fewer: kind.fewer,
      }),
    );
  });
}

/** One Shopify customer against where the app put them (links, newest first). */
export function adestraVerdict({ member, links, names, subscribersOnly }: {
  member: ConsentMember;
  links: readonly LinkRow[];
  names: ReadonlyMap<string, string>;
  subscribersOnly: boolean;
}): CustomerVerdict {
  const onUnsub = links.find((l) => isUnsub(l.target));
  const onList = links.find((l) => isList(l.target));
  const differs = (link: LinkRow, reason: string): CustomerVerdict => ({
    kind: "differs",
    written: `on ${describeTarget(link.target, names)}`,
    writtenAt: link.lastSyncedAt,
    reason,
  });
  const changed = (link: LinkRow) => changedSinceWrite({ shopifyStateAt: member.emailStateUpdatedAt, writtenAt: link.lastSyncedAt });
  if (member.emailState === "UNSUBSCRIBED") {
    if (onUnsub) return { kind: "agrees" };
    if (!onList) return { kind: "never_written" };
    return differs(
      onList,
      changed(onList)
        ? "Unsubscribed in Shopify after the last send: the next send puts the address on the unsub list; until then Adestra may mail it."
        : "Unsubscribed in Shopify but not on the unsub list: send again to put the address there.",
    );
  }
  if (onUnsub) {
    return differs(
      onUnsub,
      member.emailState === "SUBSCRIBED"
        ? "Subscribed in Shopify again after the app put the address on the unsub list: the app never takes an address off it (remove it in Adestra to mail them)."
        : "No longer unsubscribed in Shopify, but the address stays on the unsub list: the app never takes an address off it.",
    );
  }
  if (member.emailState === "SUBSCRIBED") return onList ? { kind: "agrees" } : { kind: "never_written" };
  // Not subscribed, pending or invalid: sent only with All profiles.
  if (!subscribersOnly) return onList ? { kind: "agrees" } : { kind: "never_written" };
  if (!onList) return { kind: "agrees" };
  return differs(onList, "No longer subscribed in Shopify, but still a contact on the list: the app does not take contacts off lists, so Adestra may still mail them.");
}
