import { describe, expect, it } from "vitest";
import { countCustomersByConsent, readEmailStateMembers } from "./consent-segments";
import { CUSTOMERS_COUNT_QUERY, SEGMENT_MEMBERS_COUNT_QUERY, SEGMENT_MEMBERS_PAGE_QUERY } from "./documents";
import { ShopifyGraphqlError } from "./errors";
import type { ShopifyGraphql } from "./graphql-client";

/** Answers by document and segment query; records what was asked. */
function fakeShopify({ total, counts, refused = [] }: { total: number; counts: Record<string, number>; refused?: string[] }) {
  const asked: string[] = [];
  const graphql: ShopifyGraphql = async (document, options) => {
    const query = options?.variables?.query as string | undefined;
    if (document === CUSTOMERS_COUNT_QUERY) return { customersCount: { count: total, precision: "EXACT" } };
    if (document !== SEGMENT_MEMBERS_COUNT_QUERY || !query) throw new Error(`unexpected document ${document}`);
    asked.push(query);
    if (refused.includes(query)) throw new ShopifyGraphqlError([`Invalid segment query: ${query}`], ["INVALID_SEGMENT_QUERY"]);
    return { customerSegmentMembers: { totalCount: counts[query] ?? 0 } };
  };
  return { graphql, asked };
}

const q = (channel: string, state: string) => `${channel}_subscription_status = '${state}'`;
const counts = {
  [q("email", "SUBSCRIBED")]: 450,
  [q("email", "NOT_SUBSCRIBED")]: 260,
  [q("email", "PENDING")]: 80,
  [q("email", "UNSUBSCRIBED")]: 160,
  [q("email", "INVALID")]: 20,
  [q("sms", "SUBSCRIBED")]: 200,
  [q("sms", "UNSUBSCRIBED")]: 40,
};

describe("Shopify's customers by consent state", () => {
  it("counts each state with a segment query, and the customers without email as what is left", async () => {
    const { graphql, asked } = fakeShopify({ total: 1000, counts });
    expect(await countCustomersByConsent({ graphql })).toEqual({
      customers: 1000,
      email: { SUBSCRIBED: 450, NOT_SUBSCRIBED: 260, PENDING: 80, UNSUBSCRIBED: 160, INVALID: 20 },
      noEmail: 30,
      sms: { SUBSCRIBED: 200, UNSUBSCRIBED: 40 },
    });
    expect(asked.sort()).toEqual(Object.keys(counts).sort());
  });

  it("a state Shopify refuses to count is unknown, and so is 'no email'; the others still count", async () => {
    const { graphql } = fakeShopify({ total: 1000, counts, refused: [q("email", "INVALID")] });
    const result = await countCustomersByConsent({ graphql });
    expect(result.email).toMatchObject({ SUBSCRIBED: 450, INVALID: null });
    expect(result.noEmail).toBeNull();
  });

  it("anything but a refused query (auth, HTTP) still fails the count", async () => {
    const graphql: ShopifyGraphql = async () => {
      throw new Error("HTTP 503");
    };
    await expect(countCustomersByConsent({ graphql })).rejects.toThrow("HTTP 503");
  });
});

describe("the customers in one email state", () => {
  const edge = (n: number, state: string | null) => ({
    node: { id: `gid://shopify/CustomerSegmentMember/${n}`, defaultEmailAddress: state ? { marketingState: state, marketingUpdatedAt: "2026-11-30T10:00:00Z" } : null },
  });

  it("pages through the members from a cursor, naming each by its customer id", async () => {
    const calls: unknown[] = [];
    const pages = [
      { customerSegmentMembers: { pageInfo: { hasNextPage: true, endCursor: "c2" }, edges: [edge(1, "SUBSCRIBED"), edge(2, "SUBSCRIBED")] } },
      { customerSegmentMembers: { pageInfo: { hasNextPage: false, endCursor: "c3" }, edges: [edge(3, null)] } },
    ];
    const graphql: ShopifyGraphql = async (document, options) => {
      expect(document).toBe(SEGMENT_MEMBERS_PAGE_QUERY);
      calls.push(options?.variables);
      return pages.shift();
    };
    const read = [];
    for await (const page of readEmailStateMembers({ graphql, state: "SUBSCRIBED", after: "c0", pageSize: 2 })) read.push(page);
    expect(calls).toEqual([
      { query: "email_subscription_status = 'SUBSCRIBED'", first: 2, after: "c0" },
      { query: "email_subscription_status = 'SUBSCRIBED'", first: 2, after: "c2" },
    ]);
    expect(read.map((p) => [p.members.map((m) => m.customerId), p.endCursor, p.hasNextPage])).toEqual([
      [["gid://shopify/Customer/1", "gid://shopify/Customer/2"], "c2", true],
      [["gid://shopify/Customer/3"], "c3", false],
    ]);
    expect(read[0].members[0]).toEqual({ customerId: "gid://shopify/Customer/1", emailState: "SUBSCRIBED", emailStateUpdatedAt: "2026-11-30T10:00:00Z" });
    expect(read[1].members[0]).toMatchObject({ emailState: null, emailStateUpdatedAt: null });
  });

  it("refuses a member id that does not name a customer", async () => {
    const graphql: ShopifyGraphql = async () => ({
      customerSegmentMembers: { pageInfo: { hasNextPage: false, endCursor: null }, edges: [{ node: { id: "gid://shopify/Segment/1", defaultEmailAddress: null } }] },
    });
    const read = async () => {
      for await (const _ of readEmailStateMembers({ graphql, state: "PENDING" })) void _;
    };
    await expect(read()).rejects.toThrow(expect.objectContaining({ name: "ShopifyMalformedDataError", field: "data.customerSegmentMembers.edges[0].node.id" }));
  });
});
