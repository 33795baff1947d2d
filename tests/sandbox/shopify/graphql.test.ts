import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerGid } from "../../../sandbox/shopify/customer";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { exchangeToken, graphql, startTestSandbox, TEST_SHOP } from "./test-support";

const CUSTOMERS = 620;
const SEED = 7;
let sandbox: ShopifySandbox;
let token: string;
const query = (text: string, variables?: Record<string, unknown>) => graphql(sandbox, token, text, variables);

beforeAll(async () => {
  // A bucket this test never empties: throttling has its own tests.
  sandbox = await startTestSandbox({ customers: CUSTOMERS, throttle: { maximumAvailable: 1_000_000, restoreRate: 1_000_000 } });
  token = (await exchangeToken(sandbox)).access_token;
});
afterAll(() => sandbox.close());

const PAGE = `query Page($after: String, $query: String, $sortKey: CustomerSortKeys, $reverse: Boolean) {
  customers(first: 250, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) {
    nodes { id updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}`;

async function allPages(variables: Record<string, unknown> = {}) {
  const nodes: { id: string; updatedAt: string }[] = [];
  let after: string | null = null;
  do {
    const { body } = await query(PAGE, { ...variables, after });
    expect(body.errors).toBeUndefined();
    nodes.push(...body.data.customers.nodes);
    after = body.data.customers.pageInfo.hasNextPage ? body.data.customers.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

describe("Admin GraphQL", () => {
  it("answers the app's customer query with the seeded data", async () => {
    const { status, body } = await query(`{
      shop { name ianaTimezone currencyCode myshopifyDomain id }
      customers(first: 1) { nodes {
        id legacyResourceId firstName lastName displayName
        defaultEmailAddress { emailAddress marketingState marketingOptInLevel marketingUpdatedAt validFormat }
        tags locale numberOfOrders amountSpent { amount currencyCode } createdAt updatedAt state verifiedEmail note
      } }
    }`);
    expect(status).toBe(200);
    const expected = seedCustomer(SEED, 0);
    expect(body.data.shop).toEqual({ name: "Test Shop", ianaTimezone: "Europe/Stockholm", currencyCode: "SEK", myshopifyDomain: TEST_SHOP, id: expect.stringMatching(/^gid:\/\/shopify\/Shop\/\d+$/) });
    expect(body.data.customers.nodes[0]).toMatchObject({
      id: customerGid(expected.id),
      legacyResourceId: String(expected.id),
      firstName: expected.firstName,
      tags: expected.tags,
      numberOfOrders: String(expected.numberOfOrders),
      updatedAt: expected.updatedAt,
      defaultEmailAddress: expected.email && { emailAddress: expected.email.address, marketingState: expected.email.marketingState },
    });
    expect(body.extensions.cost).toMatchObject({ requestedQueryCost: 6, actualQueryCost: expect.any(Number), throttleStatus: { maximumAvailable: 1_000_000, restoreRate: 1_000_000 } });
  });

  it("reports validation errors as Shopify does: HTTP 200, located, with a code", async () => {
    const { status, body } = await query("{ customers(first: 1) { nodes { id bogusField } } }");
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      { message: expect.stringContaining('"bogusField"'), locations: [{ line: 1, column: 36 }], extensions: { code: "undefinedField" } },
    ]);
  });

  it("pages through every customer exactly once, also after changes between pages", async () => {
    const seeded = Array.from({ length: CUSTOMERS }, (_, i) => customerGid(seedCustomer(SEED, i).id));
    expect((await allPages()).map((n) => n.id)).toEqual(seeded);

    const store = sandbox.store(TEST_SHOP);
    const created = store.createCustomer();
    store.deleteCustomer(seedCustomer(SEED, 3).id);
    const ids = (await allPages()).map((n) => n.id);
    expect(ids).toHaveLength(CUSTOMERS);
    expect(new Set(ids).size).toBe(CUSTOMERS);
    expect(ids.at(-1)).toBe(customerGid(created.id));
    expect(ids).not.toContain(customerGid(seedCustomer(SEED, 3).id));

    const byUpdate = await allPages({ sortKey: "UPDATED_AT", reverse: true });
    expect(byUpdate.map((n) => n.id).sort()).toEqual([...ids].sort());
    expect(byUpdate.every((n, i) => i === 0 || n.updatedAt <= byUpdate[i - 1].updatedAt)).toBe(true);
    expect(byUpdate[0].id).toBe(customerGid(created.id));
  });

  it("filters with the search syntax, and counts with the same filter", async () => {
    const store = sandbox.store(TEST_SHOP);
    const expected = [...store.customers()].filter((c) => c.address?.countryCode === "SE" && c.tags.includes("newsletter"));
    const filter = "country:SE AND tag:newsletter";
    expect((await allPages({ query: filter })).map((n) => n.id)).toEqual(expected.map((c) => customerGid(c.id)));
    const { body } = await query("query($q: String) { customersCount(query: $q) { count precision } all: customersCount { count } capped: customersCount(limit: 10) { count precision } }", { q: filter });
    expect(body.data).toEqual({ customersCount: { count: expected.length, precision: "EXACT" }, all: { count: CUSTOMERS }, capped: { count: 10, precision: "AT_LEAST" } });

    const pivot = [...store.customers()][100];
    const after = await allPages({ query: `id:>${pivot.id} updated_at:>='2020-01-01T00:00:00Z'` });
    expect(after[0].id).toBe(customerGid([...store.customers()][101].id));
  });

  it("sees the store's overlay in customer(id)", async () => {
    const target = seedCustomer(SEED, 42);
    sandbox.store(TEST_SHOP).updateCustomer(target.id, { firstName: "Changed" });
    const { body } = await query("query($id: ID!) { customer(id: $id) { firstName updatedAt } missing: customer(id: \"gid://shopify/Customer/1\") { id } }", { id: customerGid(target.id) });
    expect(body.data.customer.firstName).toBe("Changed");
    expect(body.data.customer.updatedAt > target.updatedAt).toBe(true);
    expect(body.data.missing).toBeNull();
  });

  it("refuses what Shopify refuses: page sizes, missing first/last, bad cursors, unknown filters, no token", async () => {
    const error = async (text: string) => (await query(text)).body.errors[0];
    expect(await error("{ customers(first: 251) { nodes { id } } }")).toMatchObject({ message: expect.stringContaining("251"), path: ["customers"] });
    expect(await error("{ customers { nodes { id } } }")).toMatchObject({ message: "you must provide one of first or last" });
    expect(await error('{ customers(first: 1, after: "bm90IGEgY3Vyc29y") { nodes { id } } }')).toMatchObject({ message: "Invalid cursor for current pagination sort." });
    expect(await error('{ customers(first: 1, query: "favourite_colour:blue") { nodes { id } } }')).toMatchObject({
      message: expect.stringContaining("'favourite_colour'"),
      extensions: { code: "UNSUPPORTED_SEARCH_FILTER" },
    });
    expect((await graphql(sandbox, "shpat_unknown", "{ shop { name } }")).status).toBe(401);
    const noQuery = await fetch(`${sandbox.url}/store/${TEST_SHOP}/admin/api/2026-07/graphql.json`, {
      method: "POST",
      headers: { "x-shopify-access-token": token, "content-type": "application/json" },
      body: "{}",
    });
    expect(noQuery.status).toBe(400);
    expect((await fetch(`${sandbox.url}/store/${TEST_SHOP}/admin/api/2024-01/graphql.json`, { method: "POST" })).status).toBe(404);
  });

  it("resolves unmodelled fields to neutral values instead of failing, but refuses unsimulated mutations", async () => {
    const { body } = await query("{ customers(first: 1) { nodes { image { url } statistics { predictedSpendTier } orders(first: 5) { nodes { id } } } } }");
    expect(body.errors).toBeUndefined();
    expect(body.data.customers.nodes[0].orders.nodes).toEqual([]);
    const mutation = await query('mutation { customerDelete(input: { id: "gid://shopify/Customer/1" }) { deletedCustomerId } }');
    expect(mutation.body.errors[0].extensions.code).toBe("NOT_SIMULATED");
  });
});
