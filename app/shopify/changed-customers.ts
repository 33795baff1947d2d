import { z } from "zod";
import { CHANGED_CUSTOMERS_QUERY } from "./documents";
import type { ShopifyGraphql } from "./graphql-client";
import { parseOrThrow } from "./parse";

/**
 * Customers Shopify changed since a time, oldest change first, by id and update time (the reconciliation's
 * read: app/destinations/apsis/reconcile.server.ts). Shopify's `updated_at` keeps its time only when the
 * timestamp is quoted (unquoted it matches the whole day), and its DateTimes have whole seconds.
 */

export const CHANGED_CUSTOMERS_PAGE_SIZE = 250;

export type ChangedCustomer = { id: string; updatedAt: Date };

/** One page; `more`: Shopify has more after it (the read stopped at its bound when it is the last page read). */
export type ChangedCustomerPage = { customers: ChangedCustomer[]; more: boolean };

/** `updated_at:>='2026-12-07T10:15:00Z'`: every customer changed at or after `since`, to the second (rounded down). */
export function changedSinceQuery(since: Date): string {
  const seconds = new Date(Math.floor(since.getTime() / 1000) * 1000);
  return `updated_at:>='${seconds.toISOString().replace(".000Z", "Z")}'`;
}

const PageSchema = z.object({
  customers: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
    nodes: z.array(z.object({ id: z.string().min(1), updatedAt: z.iso.datetime({ offset: true }) })),
  }),
});

/**
 * Page by page (each page one array), stopping after `maxCustomers` (cursor paging ends at 25,000 objects in
 * Shopify; a caller that reaches the bound goes on from the last page's time in a new read).
 */
export async function* readChangedCustomerPages({ graphql, since, maxCustomers, pageSize = CHANGED_CUSTOMERS_PAGE_SIZE, signal }: {
  graphql: ShopifyGraphql;
  since: Date;
  maxCustomers: number;
  pageSize?: number;
  signal?: AbortSignal;
}): AsyncIterable<ChangedCustomerPage> {
  const query = changedSinceQuery(since);
  let after: string | null = null;
  for (let read = 0; read < maxCustomers; ) {
    const first = Math.min(pageSize, maxCustomers - read);
    const data = await graphql(CHANGED_CUSTOMERS_QUERY, { variables: { first, after, query }, signal });
    const { customers } = parseOrThrow({ schema: PageSchema, value: data, path: "data" });
    read += customers.nodes.length;
    const more = customers.pageInfo.hasNextPage && customers.pageInfo.endCursor !== null;
    yield { customers: customers.nodes.map((node) => ({ id: node.id, updatedAt: new Date(node.updatedAt) })), more };
    if (!more) return;
    after = customers.pageInfo.endCursor;
  }
}
