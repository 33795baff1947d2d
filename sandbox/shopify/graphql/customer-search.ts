/**
 * The customer filters of `customers(query:)` and `customersCount(query:)`, per the 2026-07 schema's
 * description of the argument. `last_abandoned_order_date` is refused (the sandbox has no checkouts).
 * `order_date` is approximate: the sandbox keeps a customer's first and last order dates only, so "an order
 * in this range" means the range overlaps [first order, last order].
 */
import { type SandboxCustomer, displayName } from "../customer";
import {
  compareInterval,
  compileSearch,
  numberField,
  parseSearchQuery,
  parseTimeInterval,
  requiredTerms,
  type SearchFields,
  SearchQueryError,
  type SearchTerm,
  textField,
  timeField,
  type TimeContext,
} from "./search-query";

export type CustomerSearch = {
  matches: (customer: SandboxCustomer) => boolean;
  /** From top-level `id:>N`/`id:<N` terms, so the store can start iterating there instead of at the start. */
  idAfter?: number;
  idBefore?: number;
};

export function compileCustomerSearch(query: string | null | undefined, time: TimeContext): CustomerSearch {
  const root = parseSearchQuery(query ?? "");
  const search: CustomerSearch = { matches: compileSearch(root, customerFields(time)) };
  for (const term of requiredTerms(root).filter((t) => t.field === "id")) {
    const id = parseCustomerId(term.value);
    if (term.comparator === ">" || term.comparator === ">=") search.idAfter = Math.max(search.idAfter ?? -Infinity, id - (term.comparator === ">=" ? 1 : 0));
    if (term.comparator === "<" || term.comparator === "<=") search.idBefore = Math.min(search.idBefore ?? Infinity, id + (term.comparator === "<=" ? 1 : 0));
  }
  return search;
}

/** `id:123` or `id:gid://shopify/Customer/123`. */
function parseCustomerId(text: string): number {
  const match = /^(?:gid:\/\/shopify\/Customer\/)?(\d+)$/.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

const amount = (text: string) => (/^\d+(\.\d{1,2})?$/.test(text) ? Math.round(Number(text) * 100) : Number.NaN);

function customerFields(time: TimeContext): SearchFields<SandboxCustomer> {
  return {
    default: (term) => {
      const wanted = term.value.toLowerCase();
      return (c) =>
        [displayName(c), c.email?.address, c.phone?.number].some((text) => text?.toLowerCase().includes(wanted));
    },
    id: numberField((c) => c.id, parseCustomerId),
    updated_at: timeField((c) => c.updatedAt, time),
    customer_date: timeField((c) => c.createdAt, time),
    created_at: timeField((c) => c.createdAt, time),
    order_date: (term) => orderDateMatcher(term, time),
    email: emailMatcher,
    phone: (term) => {
      if (term.value === "*") return (c) => c.phone !== null;
      const digits = term.value.replace(/[^\d+]/g, "");
      return (c) => c.phone?.number === digits;
    },
    first_name: textField((c) => c.firstName),
    last_name: textField((c) => c.lastName),
    country: (term) => {
      const wanted = term.value.toLowerCase();
      return (c) => c.address !== null && (c.address.countryCode.toLowerCase() === wanted || c.address.country.toLowerCase() === wanted);
    },
    state: textField((c) => c.state),
    tag: (term) => {
      const wanted = tagList(term);
      return (c) => c.tags.some((tag) => wanted.has(tag.toLowerCase()));
    },
    tag_not: (term) => {
      const unwanted = tagList(term);
      return (c) => !c.tags.some((tag) => unwanted.has(tag.toLowerCase()));
    },
    orders_count: numberField((c) => c.numberOfOrders),
    total_spent: numberField((c) => c.amountSpentCents, amount),
    accepts_marketing: (term) => {
      if (term.value !== "true" && term.value !== "false") {
        throw new SearchQueryError(`Invalid value '${term.value}' for query filter \`accepts_marketing\`: expected true or false.`, "INVALID_SEARCH_VALUE");
      }
      return (c) => (c.email?.marketingState === "SUBSCRIBED") === (term.value === "true");
    },
  };
}

const tagList = (term: SearchTerm) => new Set(term.value.split(",").map((tag) => tag.trim().toLowerCase()));

/** Quoted: the exact address. Unquoted: Shopify tokenizes the address, so `email:example.com` matches the domain. */
function emailMatcher(term: SearchTerm): (c: SandboxCustomer) => boolean {
  if (term.value === "*") return (c) => c.email !== null;
  const wanted = term.value.toLowerCase();
  if (term.quoted) return (c) => c.email?.address.toLowerCase() === wanted;
  const tokens = (text: string) => text.split(/[^a-z0-9]+/).filter(Boolean);
  const needle = tokens(wanted).join(" ");
  return (c) => c.email !== null && ` ${tokens(c.email.address.toLowerCase()).join(" ")} `.includes(` ${needle} `);
}

function orderDateMatcher(term: SearchTerm, time: TimeContext): (c: SandboxCustomer) => boolean {
  const interval = parseTimeInterval(term, time);
  return (c) => {
    if (!c.firstOrderAt || !c.lastOrder) return false;
    const first = Date.parse(c.firstOrderAt);
    const last = Date.parse(c.lastOrder.createdAt);
    switch (term.comparator) {
      case ">":
      case ">=":
        return compareInterval(term, last, interval);
      case "<":
      case "<=":
        return compareInterval(term, first, interval);
      case ":":
        return first < interval.endMs && last >= interval.startMs;
    }
  };
}
