/**
 * customerSegmentMembers as the agreement report asks it, over HTTP: customers by email (or SMS) subscription
 * status with the segment query language, counted (totalCount) and paged (members named
 * gid://shopify/CustomerSegmentMember/{customer id}), expectations from the seed; what it does not simulate
 * is refused, naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { exchangeToken, graphql, startTestSandbox, TEST_SHOP } from "./test-support";

const CUSTOMERS = 300;
let sandbox: ShopifySandbox;
let token: string;
const ask = (text: string, variables?: Record<string, unknown>) => graphql(sandbox, token, text, variables);
const seeded = () => Array.from({ length: CUSTOMERS }, (_, i) => seedCustomer(7, i));

beforeAll(async () => {
  sandbox = await startTestSandbox({ customers: CUSTOMERS, throttle: { maximumAvailable: 1_000_000, restoreRate: 1_000_000 } });
  token = (await exchangeToken(sandbox)).access_token;
});
afterAll(() => sandbox.close());

const COUNT = `query($q: String!) { customerSegmentMembers(query: $q, first: 1) { totalCount } }`;
const PAGE = `query($q: String!, $after: String) {
  customerSegmentMembers(query: $q, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id defaultEmailAddress { marketingState } } }
  }
}`;

describe("customerSegmentMembers", () => {
  it("counts the customers in each email subscription status, as the seed has them", async () => {
    for (const state of ["SUBSCRIBED", "NOT_SUBSCRIBED", "PENDING", "UNSUBSCRIBED", "INVALID"]) {
      const { body } = await ask(COUNT, { q: `email_subscription_status = '${state}'` });
      expect(body.errors, state).toBeUndefined();
      expect(body.data.customerSegmentMembers.totalCount, state).toBe(seeded().filter((c) => c.email?.marketingState === state).length);
    }
    const sms = await ask(COUNT, { q: "sms_subscription_status = 'SUBSCRIBED'" });
    expect(sms.body.data.customerSegmentMembers.totalCount).toBe(seeded().filter((c) => c.phone?.marketingState === "SUBSCRIBED").length);
  });

  it("pages through the members in id order, each named by its customer's number, and sees changes", async () => {
    const store = sandbox.store(TEST_SHOP);
    const changed = seeded().find((c) => c.email?.marketingState === "PENDING")!;
    store.updateCustomer(changed.id, { email: { ...changed.email!, marketingState: "UNSUBSCRIBED" } });
    const ids: string[] = [];
    let after: string | null = null;
    do {
      const { body } = await ask(PAGE, { q: "email_subscription_status = 'UNSUBSCRIBED'", after });
      expect(body.errors).toBeUndefined();
      const page = body.data.customerSegmentMembers;
      for (const { node } of page.edges) {
        expect(node.defaultEmailAddress.marketingState).toBe("UNSUBSCRIBED");
        ids.push(node.id);
      }
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    const expected = seeded()
      .filter((c) => c.email?.marketingState === "UNSUBSCRIBED" || c.id === changed.id)
      .map((c) => `gid://shopify/CustomerSegmentMember/${c.id}`);
    expect(ids).toEqual(expected);
  });

  it("refuses, naming it, a segment filter or argument it does not simulate", async () => {
    const filter = await ask(COUNT, { q: "number_of_orders > 1" });
    expect(filter.body.errors[0]).toMatchObject({ message: expect.stringContaining("'number_of_orders'"), extensions: { code: "INVALID_SEGMENT_QUERY" } });
    const saved = await ask(`{ customerSegmentMembers(segmentId: "gid://shopify/Segment/1", first: 1) { totalCount } }`);
    expect(saved.body.errors[0]).toMatchObject({ message: expect.stringContaining("'segmentId'"), extensions: { code: "NOT_SIMULATED" } });
    const big = await ask(`{ customerSegmentMembers(query: "email_subscription_status = 'SUBSCRIBED'", first: 1001) { totalCount } }`);
    expect(big.body.errors[0].message).toMatch(/page size from 0 to 1000/);
  });
});
