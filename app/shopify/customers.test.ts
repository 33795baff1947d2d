import { describe, expect, it } from "vitest";
import { countCustomers, readCustomer, readCustomerPages } from "./customers";
import { CUSTOMER_QUERY, CUSTOMERS_COUNT_QUERY, CUSTOMERS_PAGE_QUERY, SHOP_QUERY } from "./documents";
import { ShopifyMalformedDataError } from "./errors";
import type { ShopifyGraphql } from "./graphql-client";
import { readShop } from "./shop";
import { customerNode } from "../../tests/support/factories";

/** Customer n, without an email address (the reads below only check ids and the missing email). */
const node = (n: number) => customerNode({ id: `gid://shopify/Customer/${n}`, email: null, emailMarketingState: null });

/** A fake transport: answers each call with the next scripted `data`, recording what was asked. */
function scripted(answers: unknown[]) {
  const calls: { document: string; variables?: Record<string, unknown> }[] = [];
  const graphql: ShopifyGraphql = async (document, options) => {
    calls.push({ document, variables: options?.variables });
    return answers.shift();
  };
  return { graphql, calls };
}

async function collect<T>(iterable: AsyncIterable<T>) {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe("readCustomerPages", () => {
  it("follows the cursor until the last page and yields every customer once", async () => {
    const { graphql, calls } = scripted([
      { customers: { pageInfo: { hasNextPage: true, endCursor: "c2" }, nodes: [node(1), node(2)] } },
      { customers: { pageInfo: { hasNextPage: false, endCursor: "c3" }, nodes: [node(3)] } },
    ]);
    const customers = await collect(readCustomerPages({ graphql, query: "tag:vip", pageSize: 2, sortKey: "UPDATED_AT" }));

    expect(customers.map((c) => c.id)).toEqual([1, 2, 3].map((n) => `gid://shopify/Customer/${n}`));
    expect(calls.map((c) => c.document)).toEqual([CUSTOMERS_PAGE_QUERY, CUSTOMERS_PAGE_QUERY]);
    expect(calls.map((c) => c.variables)).toEqual([
      { first: 2, after: null, query: "tag:vip", sortKey: "UPDATED_AT" },
      { first: 2, after: "c2", query: "tag:vip", sortKey: "UPDATED_AT" },
    ]);
  });

  it("names the bad node and field of a malformed page", async () => {
    const { graphql } = scripted([
      { customers: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [node(1), { ...node(2), tags: "vip" }] } },
    ]);
    await expect(collect(readCustomerPages({ graphql }))).rejects.toThrow(
      expect.objectContaining({ name: "ShopifyMalformedDataError", field: "data.customers.nodes[1].tags" }),
    );
  });

  it("refuses a page size Shopify would refuse", async () => {
    await expect(collect(readCustomerPages({ graphql: scripted([]).graphql, pageSize: 251 }))).rejects.toThrow(RangeError);
  });
});

describe("single reads", () => {
  it("readCustomer returns the customer, or null when Shopify has none", async () => {
    const { graphql, calls } = scripted([{ customer: node(7) }, { customer: null }]);
    expect(await readCustomer({ graphql, id: "gid://shopify/Customer/7" })).toMatchObject({ id: "gid://shopify/Customer/7", email: null });
    expect(await readCustomer({ graphql, id: "gid://shopify/Customer/8" })).toBeNull();
    expect(calls[0]).toEqual({ document: CUSTOMER_QUERY, variables: { id: "gid://shopify/Customer/7" } });
  });

  it("countCustomers returns the count and its precision", async () => {
    const { graphql, calls } = scripted([{ customersCount: { count: 12_345, precision: "EXACT" } }]);
    expect(await countCustomers({ graphql, query: "email_marketing_state:SUBSCRIBED" })).toEqual({ count: 12_345, precision: "EXACT" });
    expect(calls[0]).toEqual({ document: CUSTOMERS_COUNT_QUERY, variables: { query: "email_marketing_state:SUBSCRIBED" } });
  });

  it("readShop returns the shop and refuses a time zone that is not IANA", async () => {
    const shop = { name: "Acme", ianaTimezone: "Europe/Stockholm", currencyCode: "SEK", myshopifyDomain: "acme.myshopify.com" };
    const { graphql, calls } = scripted([{ shop }, { shop: { ...shop, ianaTimezone: "CET+1" } }]);
    expect(await readShop({ graphql })).toEqual(shop);
    expect(calls[0].document).toBe(SHOP_QUERY);
    await expect(readShop({ graphql })).rejects.toThrow(ShopifyMalformedDataError);
  });
});
