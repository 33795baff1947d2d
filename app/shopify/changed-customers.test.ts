import { describe, expect, it } from "vitest";
import { compileCustomerSearch } from "../../sandbox/shopify/graphql/customer-search";
import { type ChangedCustomerPage, changedSinceQuery, readChangedCustomerPages } from "./changed-customers";
import { CHANGED_CUSTOMERS_QUERY } from "./documents";
import { ShopifyMalformedDataError } from "./errors";
import type { ShopifyGraphql } from "./graphql-client";

const gid = (n: number) => `gid://shopify/Customer/${n}`;
const node = (n: number, updatedAt: string) => ({ id: gid(n), updatedAt });

/** Shopify as a list of pages (`next`: the cursor when more follow); keeps the variables of every read. */
function shopifyWith(pages: { nodes: unknown[]; next?: string }[]) {
  const asked: Record<string, unknown>[] = [];
  const graphql: ShopifyGraphql = async (document, options) => {
    expect(document).toBe(CHANGED_CUSTOMERS_QUERY);
    const page = pages[asked.push(options?.variables ?? {}) - 1];
    return { customers: { pageInfo: { hasNextPage: page.next !== undefined, endCursor: page.next ?? null }, nodes: page.nodes } };
  };
  return { graphql, asked };
}

async function readAll(options: Parameters<typeof readChangedCustomerPages>[0]) {
  const pages: ChangedCustomerPage[] = [];
  for await (const page of readChangedCustomerPages(options)) pages.push(page);
  return pages;
}

describe("changedSinceQuery", () => {
  it("quotes the timestamp (unquoted, Shopify matches the whole day) and rounds down to Shopify's whole seconds", () => {
    expect(changedSinceQuery(new Date("2026-12-07T10:15:42.987Z"))).toBe("updated_at:>='2026-12-07T10:15:42Z'");
  });

  it("selects exactly the customers changed at or after that second, as the sandbox reads Shopify's syntax", () => {
    const search = compileCustomerSearch(changedSinceQuery(new Date("2026-12-07T10:15:42.500Z")), { zone: "Europe/Stockholm", nowMs: Date.now() });
    const changedAt = (updatedAt: string) => search.matches({ updatedAt } as Parameters<typeof search.matches>[0]);
    expect(changedAt("2026-12-07T10:15:41Z")).toBe(false);
    expect(changedAt("2026-12-07T10:15:42Z")).toBe(true);
    expect(changedAt("2026-12-08T00:00:00Z")).toBe(true);
  });
});

describe("readChangedCustomerPages", () => {
  it("pages oldest change first with the filter, and says whether Shopify has more", async () => {
    const { graphql, asked } = shopifyWith([{ nodes: [node(1, "2026-12-07T10:00:00Z"), node(2, "2026-12-07T10:00:01Z")], next: "c2" }, { nodes: [node(3, "2026-12-07T10:00:05Z")] }]);
    const pages = await readAll({ graphql, since: new Date("2026-12-07T09:58:00Z"), maxCustomers: 100, pageSize: 2 });
    expect(pages.map((p) => ({ ids: p.customers.map((c) => c.id), more: p.more }))).toEqual([
      { ids: [gid(1), gid(2)], more: true },
      { ids: [gid(3)], more: false },
    ]);
    expect(pages[1].customers[0].updatedAt).toEqual(new Date("2026-12-07T10:00:05Z"));
    expect(asked).toEqual([
      { first: 2, after: null, query: "updated_at:>='2026-12-07T09:58:00Z'" },
      { first: 2, after: "c2", query: "updated_at:>='2026-12-07T09:58:00Z'" },
    ]);
  });

  it("stops at its bound, the last page saying Shopify has more", async () => {
    const { graphql, asked } = shopifyWith([{ nodes: [node(1, "2026-12-07T10:00:00Z"), node(2, "2026-12-07T10:00:00Z")], next: "c2" }, { nodes: [node(3, "2026-12-07T10:00:01Z")], next: "c3" }]);
    const pages = await readAll({ graphql, since: new Date("2026-12-07T10:00:00Z"), maxCustomers: 3, pageSize: 2 });
    expect(pages.map((p) => p.more)).toEqual([true, true]);
    expect(asked.map((c) => c.first)).toEqual([2, 1]);
  });

  it("refuses a node without its update time", async () => {
    const { graphql } = shopifyWith([{ nodes: [{ id: gid(1) }] }]);
    await expect(readAll({ graphql, since: new Date(), maxCustomers: 10 })).rejects.toThrow(ShopifyMalformedDataError);
  });
});
