import { describe, expect, it } from "vitest";
import type { SandboxCustomer } from "../customer";
import { seedCustomer } from "../seed";
import { compileSegmentQuery, SegmentQueryError } from "./segment-query";

const base = seedCustomer(1, 0);
const withEmail = (marketingState: NonNullable<SandboxCustomer["email"]>["marketingState"]): SandboxCustomer => ({
  ...base,
  email: { address: "a@example.com", marketingState, marketingOptInLevel: null, marketingUpdatedAt: null },
  phone: null,
});
const noEmail: SandboxCustomer = { ...base, email: null, phone: null };
const selects = (query: string, c: SandboxCustomer) => compileSegmentQuery(query)(c);

describe("segment queries (the consent filters)", () => {
  it("selects customers by email subscription status, with = and !=", () => {
    expect(selects("email_subscription_status = 'SUBSCRIBED'", withEmail("SUBSCRIBED"))).toBe(true);
    expect(selects("email_subscription_status = 'SUBSCRIBED'", withEmail("PENDING"))).toBe(false);
    expect(selects("email_subscription_status != 'SUBSCRIBED'", withEmail("PENDING"))).toBe(true);
    expect(selects("email_subscription_status != 'SUBSCRIBED'", withEmail("SUBSCRIBED"))).toBe(false);
  });

  it("a customer without an email address has no status: neither = nor != selects them", () => {
    expect(selects("email_subscription_status = 'NOT_SUBSCRIBED'", noEmail)).toBe(false);
    expect(selects("email_subscription_status != 'SUBSCRIBED'", noEmail)).toBe(false);
  });

  it("joins conditions with AND, OR and parentheses, keywords in any case", () => {
    const query = "(email_subscription_status = 'NOT_SUBSCRIBED' or email_subscription_status = 'UNSUBSCRIBED') AND email_subscription_status != 'PENDING'";
    expect(selects(query, withEmail("UNSUBSCRIBED"))).toBe(true);
    expect(selects(query, withEmail("SUBSCRIBED"))).toBe(false);
  });

  it("refuses, naming it, what it does not simulate: other filters, operators and values, and broken syntax", () => {
    expect(() => compileSegmentQuery("number_of_orders > 1")).toThrow(/does not simulate the filter 'number_of_orders'/);
    expect(() => compileSegmentQuery("email_subscription_status IS NULL")).toThrow(/takes = or !=/);
    expect(() => compileSegmentQuery("email_subscription_status = 'subscribed'")).toThrow(/takes one of 'SUBSCRIBED'/);
    expect(() => compileSegmentQuery("(email_subscription_status = 'SUBSCRIBED'")).toThrow(/unclosed parenthesis/);
    expect(() => compileSegmentQuery("email_subscription_status = 'SUBSCRIBED' x")).toThrow(SegmentQueryError);
    expect(() => compileSegmentQuery("  ")).toThrow(/empty/);
  });
});
