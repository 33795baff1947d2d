/**
 * The sandbox's own model of a Shopify customer: what the seed generates, the store overlays and every
 * projection (GraphQL, bulk JSONL, REST webhook payloads) reads. Enum values are spelled as Admin GraphQL
 * spells them; REST payloads lowercase them.
 */
export type EmailMarketingState = "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED" | "PENDING" | "INVALID";
export type SmsMarketingState = "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED" | "PENDING" | "REDACTED";
export type MarketingOptInLevel = "SINGLE_OPT_IN" | "CONFIRMED_OPT_IN" | "UNKNOWN";
export type ConsentCollectedFrom = "SHOPIFY" | "OTHER";
export type CustomerState = "ENABLED" | "DISABLED" | "INVITED" | "DECLINED";

export type SandboxEmail = {
  address: string;
  marketingState: EmailMarketingState;
  marketingOptInLevel: MarketingOptInLevel | null;
  marketingUpdatedAt: string | null;
};

export type SandboxPhone = {
  /** E.164 */
  number: string;
  marketingState: SmsMarketingState;
  marketingOptInLevel: MarketingOptInLevel | null;
  marketingUpdatedAt: string | null;
  marketingCollectedFrom: ConsentCollectedFrom | null;
};

export type SandboxAddress = {
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  address1: string;
  address2: string | null;
  city: string;
  province: string | null;
  provinceCode: string | null;
  /** Country name, as Shopify returns it in `MailingAddress.country`. */
  country: string;
  countryCode: string;
  zip: string;
  phone: string | null;
};

export type SandboxOrderSummary = {
  id: number;
  name: string;
  createdAt: string;
};

export type SandboxCustomer = {
  /** The numeric part of `gid://shopify/Customer/{id}`; ascending with creation. */
  id: number;
  firstName: string | null;
  lastName: string | null;
  email: SandboxEmail | null;
  phone: SandboxPhone | null;
  /** Sorted, as Shopify returns them. */
  tags: string[];
  address: SandboxAddress | null;
  locale: string;
  state: CustomerState;
  verifiedEmail: boolean;
  note: string | null;
  numberOfOrders: number;
  /** In the shop's currency, minor units, so sums stay exact. */
  amountSpentCents: number;
  /** Not exposed by GraphQL; lets the `order_date` filter answer "an order in this range" approximately. */
  firstOrderAt: string | null;
  lastOrder: SandboxOrderSummary | null;
  createdAt: string;
  updatedAt: string;
};

/** What a test or the demo may change on a customer (the store bumps `updatedAt` unless the patch sets it). */
export type CustomerPatch = Partial<Omit<SandboxCustomer, "id" | "createdAt">>;

export const customerGid = (id: number) => `gid://shopify/Customer/${id}`;
export const orderGid = (id: number) => `gid://shopify/Order/${id}`;
/** A customer's default address id (the sandbox keeps one address per customer). */
export const addressId = (customerId: number) => customerId + 1_000_000_000_000;

/**
 * Money from minor units. GraphQL's Decimal drops trailing zeros but keeps one decimal ("12.5", "0.0"), as
 * Shopify's responses do; REST payloads always carry two ("12.50").
 */
export function formatMoney(cents: number, style: "graphql" | "rest"): string {
  const fixed = (cents / 100).toFixed(2);
  return style === "rest" ? fixed : fixed.replace(/(\.\d)0$/, "$1");
}

export function displayName(customer: SandboxCustomer): string {
  const name = [customer.firstName, customer.lastName].filter(Boolean).join(" ");
  return name || customer.email?.address || customer.phone?.number || "";
}

const DAY_MS = 86_400_000;
const dayPrefixes = new Map<number, string>();
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * Shopify DateTime: second precision, UTC, `Z`. Hot when seeding (five per customer), so the date part is
 * cached per day instead of going through `Date#toISOString` each time.
 */
export function toShopifyDateTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  const seconds = Math.floor((ms - day * DAY_MS) / 1000);
  return `${prefix}${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}Z`;
}
