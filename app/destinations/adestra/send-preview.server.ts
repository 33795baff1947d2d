import { countCustomers, readCustomerPages } from "../../shopify/customers";
import type { ShopContext } from "../../models/shop.server";
import { getShopifyAdmin } from "../../shopify/admin.server";
import { type PreviewChoices, PreviewChoicesSchema, refusedChoices, refusedChoicesError, resolveChoices, sendChoicesFieldErrors } from "./rules/choices";
import { todayIn } from "../../utils/format-date";
import { activityWindow, decideCustomer, lastActivityAt } from "./rules/filter";
import { customerSearchQuery } from "./rules/search-query";

/** Data Sync → the preview: how many profiles a send with these choices would send, with examples. */

/** Stores up to this size are read whole for the preview (exact); larger ones are counted by Shopify search. */
export const PREVIEW_READ_LIMIT = 500;
const EXAMPLES = 5;

export type SendPreview = {
  count: number;
  examples: { email: string; firstName: string | null; lastName: string | null; lastActivityAt: string }[];
  /** "read": every customer read and decided here (exact). "search": Shopify's customersCount with the same rule as a query. */
  method: "read" | "search";
  /** Customers in the store. */
  storeCustomers: number;
};

/**
 * How many customers the choice sends, and a few of them. A small store is read whole and every customer
 * decided by the send's own rule (filter.ts): exact. A large store would take minutes to read under
 * Shopify's rate limit, so it is counted by `customersCount` with a search query that states the same rule
 * term by term (search-query.ts; its unit test proves the two agree customer by customer); Shopify's search
 * index can lag recent edits by seconds to minutes. The examples are always decided by filter.ts.
 */
export async function previewSend({ shop, choices }: { shop: ShopContext; choices: unknown }): Promise<SendPreview> {
  const parsed = PreviewChoicesSchema.safeParse(choices);
  if (!parsed.success) throw refusedChoicesError(refusedChoices(sendChoicesFieldErrors(parsed.error)));
  const { graphql } = await getShopifyAdmin({ shop: shop.domain });
  const timeZone = shop.ianaTimezone;
  // As a send started now would: a relative range covers the days up to today.
  const { choices: resolved } = resolveChoices(parsed.data, todayIn(timeZone));
  const window = activityWindow({ ...resolved, timeZone });
  const decide = (c: Parameters<typeof decideCustomer>[0]["customer"]) => decideCustomer({ customer: c, profileGroup: resolved.profileGroup, window }).action === "send";
  const storeCustomers = (await countCustomers({ graphql })).count;
  const examples: SendPreview["examples"] = [];
  const example = (c: { email: string | null; firstName: string | null; lastName: string | null; updatedAt: string; lastOrderAt: string | null }) => {
    if (examples.length < EXAMPLES) examples.push({ email: c.email ?? "", firstName: c.firstName, lastName: c.lastName, lastActivityAt: lastActivityAt(c) });
  };

  if (storeCustomers <= PREVIEW_READ_LIMIT) {
    let count = 0;
    for await (const customer of readCustomerPages({ graphql, sortKey: "ID" })) {
      if (!decide(customer)) continue;
      count += 1;
      example(customer);
    }
    return { count, examples, method: "read", storeCustomers };
  }
  const query = customerSearchQuery(resolved);
  const { count } = await countCustomers({ graphql, query });
  let read = 0;
  for await (const customer of readCustomerPages({ graphql, query, sortKey: "UPDATED_AT", pageSize: 25 })) {
    if (decide(customer)) example(customer);
    if (examples.length >= EXAMPLES || ++read >= 50) break;
  }
  return { count, examples, method: "search", storeCustomers };
}


export type { PreviewChoices };
