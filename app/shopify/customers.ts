import { z } from "zod";
import { parseCustomer, type ShopifyCustomer } from "./customer";
import { CUSTOMER_QUERY, CUSTOMERS_COUNT_QUERY, CUSTOMERS_PAGE_QUERY } from "./documents";
import type { ShopifyGraphql } from "./graphql-client";
import { parseOrThrow } from "./parse";

/**
 * 100 customers cost about 600 points (each node holds ~5 objects); Shopify refuses any single query over
 * 1000, so 250 — the connection maximum — would be refused with this selection.
 */
export const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 250;

export type CustomerSortKey = "CREATED_AT" | "ID" | "LOCATION" | "NAME" | "RELEVANCE" | "UPDATED_AT";

const PageSchema = z.object({
  customers: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
    nodes: z.array(z.unknown()),
  }),
});

/**
 * Every customer matching `query` (Shopify search syntax), page by page, for small reads; a whole store
 * goes through the bulk export instead (cursor paging stops at 25,000 objects).
 */
export async function* readCustomerPages({
  graphql,
  query,
  sortKey,
  pageSize = DEFAULT_PAGE_SIZE,
  signal,
}: {
  graphql: ShopifyGraphql;
  query?: string;
  sortKey?: CustomerSortKey;
  pageSize?: number;
  signal?: AbortSignal;
}): AsyncIterable<ShopifyCustomer> {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  let after: string | null = null;
  for (;;) {
    const data = await graphql(CUSTOMERS_PAGE_QUERY, { variables: { first: pageSize, after, query, sortKey }, signal });
    const { customers } = parseOrThrow({ schema: PageSchema, value: data, path: "data" });
    for (const [i, node] of customers.nodes.entries()) yield parseCustomer({ node, path: `data.customers.nodes[${i}]` });
    if (!customers.pageInfo.hasNextPage || !customers.pageInfo.endCursor) return;
    after = customers.pageInfo.endCursor;
  }
}

/** One customer by GID, or null when Shopify has no such customer (deleted, or another shop's id). */
export async function readCustomer({ graphql, id, signal }: { graphql: ShopifyGraphql; id: string; signal?: AbortSignal }) {
  const data = await graphql(CUSTOMER_QUERY, { variables: { id }, signal });
  const { customer } = parseOrThrow({ schema: z.object({ customer: z.unknown() }), value: data, path: "data" });
  return customer === null ? null : parseCustomer({ node: customer, path: "data.customer" });
}

const CountSchema = z.object({
  customersCount: z.object({ count: z.number().int().nonnegative(), precision: z.enum(["EXACT", "AT_LEAST"]) }),
});

/** How many customers match `query`, uncapped (Shopify's default caps at 10,000). */
export async function countCustomers({ graphql, query, signal }: { graphql: ShopifyGraphql; query?: string; signal?: AbortSignal }) {
  const data = await graphql(CUSTOMERS_COUNT_QUERY, { variables: { query }, signal });
  return parseOrThrow({ schema: CountSchema, value: data, path: "data" }).customersCount;
}
