import type { ConsentMember, EmailState, ShopifyConsentCounts } from "../shopify/consent-segments";

/**
 * The agreement report ("Subscriber counts" page): Shopify's customers by consent state beside what the app
 * last wrote to each destination, and the drill-down to the customers that differ. Pure: the view types, the
 * comparison rows and the drill-down tally; each destination says what it wrote (its `agreement` member,
 * app/destinations/destination.ts) and app/services/agreement.server.ts puts the two sides together.
 */

/** One line of a destination's card: a Shopify state (or states) beside what the app wrote for it. */
export type AgreementRow = {
  /** Stable key, e.g. "email-opt-in". */
  key: string;
  shopifyLabel: string;
  /** Customers in that state in Shopify; null when Shopify could not count it. */
  shopify: number | null;
  writtenLabel: string;
  written: number;
  /** shopify − written; null when Shopify's side is unknown. */
  difference: number | null;
  /** Why they usually differ, in plain words; null when they agree. */
  explanation: string | null;
  /** The Shopify states the drill-down can read for this row. */
  drillStates: EmailState[];
};

export type DestinationAgreement = {
  destination: string;
  title: string;
  /** False when the destination is not connected (the rows still show anything written before). */
  connected: boolean;
  /** What the app has written at all (links), and when it last wrote. */
  written: number;
  lastWrittenAt: string | null;
  rows: AgreementRow[];
  notes: string[];
};

/** The whole report: Shopify's counts and each destination's card (app/services/agreement.server.ts). */
export type AgreementReport = { shopify: ShopifyConsentCounts; destinations: DestinationAgreement[]; countedAt: string };

/** How one Shopify customer stands against what the app last wrote for them. */
export type CustomerVerdict =
  | { kind: "agrees" }
  | { kind: "never_written" }
  | { kind: "differs"; written: string; writtenAt: Date | null; reason: string };

/** What a destination adds to the report (the optional `agreement` member of the Destination contract). */
export type AgreementSource = {
  title: string;
  /** The destination's side of the counts, beside Shopify's. Every read is filtered by the shop's id. */
  summarize(input: { shopId: string; shopify: ShopifyConsentCounts }): Promise<DestinationAgreement>;
  /** One verdict per member, in order, from the links the app holds for these customers in this shop. */
  compareCustomers(input: { shopId: string; members: readonly ConsentMember[] }): Promise<CustomerVerdict[]>;
};

export const EMAIL_STATE_LABELS: Record<EmailState, string> = {
  SUBSCRIBED: "Subscribed",
  NOT_SUBSCRIBED: "Not subscribed",
  PENDING: "Pending confirmation",
  UNSUBSCRIBED: "Unsubscribed",
  INVALID: "Invalid address",
};

/** The usual reasons, shared by the destinations' explanations. */
export const REASONS = {
  notSyncedYet: "customers changed in Shopify after the app last wrote them (the next sync or send writes them)",
  neverSent: "customers the app has not sent yet (added since the last sync or send, or never synced)",
  stateChanged: "customers whose consent changed in Shopify since the app wrote them, so they are now counted under another state",
  deleted: "customers deleted in Shopify after the app wrote them",
} as const;

const sum = (counts: readonly (number | null)[]) => (counts.some((n) => n === null) ? null : counts.reduce<number>((a, n) => a + (n ?? 0), 0));

/** Shopify's count of several states together (null when one is unknown). */
export const shopifyCount = (shopify: ShopifyConsentCounts, states: readonly EmailState[], noEmail = false) =>
  sum([...states.map((s) => shopify.email[s]), ...(noEmail ? [shopify.noEmail] : [])]);

/**
 * A row and its explanation: when Shopify has more, `more` says why some were not written (yet); when the app
 * wrote more, `fewer` says why Shopify no longer counts them so.
 */
export function agreementRow({ key, shopifyLabel, writtenLabel, shopify, written, drillStates, more, fewer }: {
  key: string;
  shopifyLabel: string;
  writtenLabel: string;
  shopify: number | null;
  written: number;
  drillStates: EmailState[];
  more: readonly string[];
  fewer: readonly string[];
}): AgreementRow {
  const difference = shopify === null ? null : shopify - written;
  const n = (value: number) => Math.abs(value).toLocaleString("en-US");
  let explanation: string | null = null;
  if (difference === null) explanation = "Shopify did not count this state, so the two cannot be compared.";
  else if (difference > 0) explanation = `Shopify has ${n(difference)} more. Usually: ${more.join("; ")}.`;
  else if (difference < 0) explanation = `The app wrote ${n(difference)} more than Shopify has now. Usually: ${fewer.join("; ")}.`;
  return { key, shopifyLabel, shopify, writtenLabel, written, difference, explanation, drillStates };
}

/** Shopify's admin page of a customer, as an embedded app links to it (App Bridge's `shopify:` protocol). */
export function adminCustomerUrl(customerId: string): string {
  return `shopify://admin/customers/${customerId.slice(customerId.lastIndexOf("/") + 1)}`;
}

export type DriftCustomer = {
  customerId: string;
  adminUrl: string;
  shopifyState: EmailState | null;
  /** When Shopify's email consent last changed. */
  shopifyStateAt: string | null;
  written: string;
  writtenAt: string | null;
  reason: string;
};

export type DriftView = {
  destination: string;
  title: string;
  state: EmailState;
  stateLabel: string;
  /** Shopify customers in the state read by this request, and how they stand. */
  read: number;
  agreeing: number;
  neverWritten: number;
  differing: number;
  /** The first differing customers (at most the shown limit). */
  customers: DriftCustomer[];
  /** More customers differ than are listed. */
  listCut: boolean;
  /** The read stopped at its bound: `after` continues from there. */
  after: string | null;
};

/** Counts verdicts as pages of members come, keeping only the first `shown` differing customers (constant memory). */
export function driftTally({ shown }: { shown: number }) {
  let read = 0;
  let agreeing = 0;
  let neverWritten = 0;
  let differing = 0;
  const customers: DriftCustomer[] = [];
  return {
    get read() {
      return read;
    },
    add(member: ConsentMember, verdict: CustomerVerdict) {
      read++;
      if (verdict.kind === "agrees") agreeing++;
      else if (verdict.kind === "never_written") neverWritten++;
      else {
        differing++;
        if (customers.length < shown) {
          customers.push({
            customerId: member.customerId,
            adminUrl: adminCustomerUrl(member.customerId),
            shopifyState: member.emailState,
            shopifyStateAt: member.emailStateUpdatedAt,
            written: verdict.written,
            writtenAt: verdict.writtenAt?.toISOString() ?? null,
            reason: verdict.reason,
          });
        }
      }
    },
    view({ destination, title, state, after }: { destination: string; title: string; state: EmailState; after: string | null }): DriftView {
      return { destination, title, state, stateLabel: EMAIL_STATE_LABELS[state], read, agreeing, neverWritten, differing, customers, listCut: differing > customers.length, after };
    },
  };
}

/**
 * Whether Shopify's email consent changed after the app wrote (the usual reason a written state differs).
 * Shopify's timestamps are whole seconds, so a change in the second of the write counts as after it.
 */
export function changedSinceWrite({ shopifyStateAt, writtenAt }: { shopifyStateAt: string | null; writtenAt: Date | null }): boolean {
  return shopifyStateAt !== null && writtenAt !== null && Date.parse(shopifyStateAt) >= Math.floor(writtenAt.getTime() / 1000) * 1000;
}

/*
 * The page as the browser gets it: times formatted on the server in the store's timezone
 * (agreement-view.server.ts), so the browser only shows strings.
 */
export type AgreementCardView = Omit<DestinationAgreement, "lastWrittenAt"> & { lastWritten: string | null };
export type AgreementPageView = { customers: number; countedAt: string | null; timeZone: string; destinations: AgreementCardView[] };
export type DriftCustomerView = { customerId: string; adminUrl: string; name: string; inShopify: string; written: string; writtenAt: string; reason: string };
export type DriftPageView = Omit<DriftView, "customers"> & { customers: DriftCustomerView[]; timeZone: string };
