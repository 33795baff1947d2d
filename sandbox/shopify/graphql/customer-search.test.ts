import { describe, expect, it } from "vitest";
import type { SandboxCustomer } from "../customer";
import { seedCustomer } from "../seed";
import { compileCustomerSearch } from "./customer-search";
import { parseSearchQuery, SearchQueryError } from "./search-query";

const time = { zone: "Europe/Stockholm", nowMs: Date.parse("2026-11-01T00:00:00Z") };
const base = seedCustomer(1, 0);
const customer = (patch: Partial<SandboxCustomer>): SandboxCustomer => ({ ...base, ...patch });
const matches = (query: string, c: SandboxCustomer) => compileCustomerSearch(query, time).matches(c);

describe("search syntax", () => {
  it("parses implicit AND, OR, NOT, '-', parentheses, comparators and quotes", () => {
    expect(parseSearchQuery("a:1 b:>=2 OR -(c:'x y' AND NOT d:<3)")).toEqual({
      kind: "or",
      nodes: [
        {
          kind: "and",
          nodes: [
            { kind: "term", field: "a", comparator: ":", value: "1", quoted: false },
            { kind: "term", field: "b", comparator: ">=", value: "2", quoted: false },
          ],
        },
        {
          kind: "not",
          node: {
            kind: "and",
            nodes: [
              { kind: "term", field: "c", comparator: ":", value: "x y", quoted: true },
              { kind: "not", node: { kind: "term", field: "d", comparator: "<", value: "3", quoted: false } },
            ],
          },
        },
      ],
    });
    expect(parseSearchQuery("customer_date: >='2024-01-01'")).toMatchObject({ field: "customer_date", comparator: ">=", value: "2024-01-01" });
    expect(parseSearchQuery("   ")).toBeNull();
  });

  it("rejects broken syntax and names unsupported filters", () => {
    expect(() => parseSearchQuery("(a:1")).toThrow(/unclosed parenthesis/);
    expect(() => parseSearchQuery("a:'x")).toThrow(/unterminated quote/);
    expect(() => compileCustomerSearch("last_abandoned_order_date:>2024-01-01", time)).toThrow(
      expect.objectContaining({ code: "UNSUPPORTED_SEARCH_FILTER", message: expect.stringContaining("'last_abandoned_order_date'") }),
    );
    expect(() => compileCustomerSearch("updated_at:>='yesterday'", time)).toThrow(SearchQueryError);
  });
});

describe("customer filters", () => {
  const updated = customer({ updatedAt: "2024-06-15T10:30:00Z" });

  it("honours the time of a quoted timestamp", () => {
    expect(matches("updated_at:>='2024-06-15T10:30:00Z'", updated)).toBe(true);
    expect(matches("updated_at:>'2024-06-15T10:30:00Z'", updated)).toBe(false);
    expect(matches("updated_at:<='2024-06-15T10:30:00Z'", updated)).toBe(true);
    expect(matches("updated_at:<'2024-06-15T10:30:00Z'", updated)).toBe(false);
  });

  it("matches a whole day (in the shop's zone) for dates and unquoted timestamps", () => {
    expect(matches("updated_at:2024-06-15", updated)).toBe(true);
    expect(matches("updated_at:>2024-06-15", updated)).toBe(false);
    // Unquoted, the time is ignored: 10:30 is not "after 09:00" but within the same day.
    expect(matches("updated_at:>2024-06-15T09:00:00Z", updated)).toBe(false);
    expect(matches("updated_at:<=2024", updated)).toBe(true);
    expect(matches("updated_at:2024-06-15..2024-06-16", updated)).toBe(true);
    // 23:30 UTC on the 14th is the 15th in Stockholm.
    expect(matches("updated_at:2024-06-15", customer({ updatedAt: "2024-06-14T23:30:00Z" }))).toBe(true);
  });

  it("filters ids, including gids and ranges, and exposes bounds for the store", () => {
    const c = customer({ id: 100 });
    expect(matches("id:>99", c)).toBe(true);
    expect(matches("id:>100", c)).toBe(false);
    expect(matches("id:gid://shopify/Customer/100", c)).toBe(true);
    expect(compileCustomerSearch("id:>=10 id:<20 tag:vip", time)).toMatchObject({ idAfter: 9, idBefore: 20 });
    expect(compileCustomerSearch("id:>10 OR tag:vip", time).idAfter).toBeUndefined();
  });

  it("filters email (tokenized unquoted, exact quoted, * for any), country, tags and counts", () => {
    const c = customer({
      email: { address: "anna.berg12@example.com", marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: null },
      tags: ["newsletter", "vip"],
      numberOfOrders: 3,
      amountSpentCents: 12_050,
    });
    expect(matches("email:example.com", c)).toBe(true);
    expect(matches("email:'anna.berg12@example.com'", c)).toBe(true);
    expect(matches("email:'anna@example.com'", c)).toBe(false);
    expect(matches("email:*", c)).toBe(true);
    expect(matches("email:*", customer({ email: null }))).toBe(false);
    expect(matches(`country:${c.address?.countryCode ?? "XX"}`, c)).toBe(c.address !== null);
    expect(matches("tag:vip", c)).toBe(true);
    expect(matches("tag:'wholesale,VIP'", c)).toBe(true);
    expect(matches("tag_not:vip", c)).toBe(false);
    expect(matches("orders_count:>=3 total_spent:>120.49", c)).toBe(true);
    expect(matches("total_spent:>120.50", c)).toBe(false);
    expect(matches("accepts_marketing:true AND -tag:wholesale", c)).toBe(true);
  });

  it("approximates order_date by the first and last order", () => {
    const c = customer({ firstOrderAt: "2024-01-10T00:00:00Z", lastOrder: { id: 1, name: "#1001", createdAt: "2024-05-10T00:00:00Z" } });
    expect(matches("order_date:>='2024-05-01'", c)).toBe(true);
    expect(matches("order_date:<'2024-01-01'", c)).toBe(false);
    expect(matches("order_date:'2024-02-01..2024-03-01'", c)).toBe(true);
    expect(matches("order_date:>2020-01-01", customer({ firstOrderAt: null, lastOrder: null }))).toBe(false);
  });
});
