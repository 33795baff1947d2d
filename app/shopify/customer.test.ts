import { describe, expect, it } from "vitest";
import { parseCustomer } from "./customer";
import { ShopifyMalformedDataError } from "./errors";

function customerNode(overrides: Record<string, unknown> = {}) {
  return {
    id: "gid://shopify/Customer/1001",
    firstName: "Ada",
    lastName: "Lovelace",
    displayName: "Ada Lovelace",
    defaultEmailAddress: {
      emailAddress: "ada@example.com",
      marketingState: "SUBSCRIBED",
      marketingOptInLevel: "CONFIRMED_OPT_IN",
      marketingUpdatedAt: "2026-03-01T10:00:00Z",
    },
    defaultPhoneNumber: { phoneNumber: "+46701234567", marketingState: "UNSUBSCRIBED", marketingUpdatedAt: "2026-02-01T08:00:00Z" },
    tags: ["vip", "newsletter"],
    defaultAddress: { city: "Malmö", province: "Skåne", provinceCode: "M", country: "Sweden", countryCodeV2: "SE", zip: "211 22" },
    locale: "sv-SE",
    numberOfOrders: "12",
    amountSpent: { amount: "1234.50", currencyCode: "SEK" },
    lastOrder: { id: "gid://shopify/Order/77", createdAt: "2026-05-04T08:30:00+02:00" },
    createdAt: "2024-01-02T03:04:05Z",
    updatedAt: "2026-05-04T08:31:00Z",
    ...overrides,
  };
}

describe("parseCustomer", () => {
  it("flattens a complete node", () => {
    expect(parseCustomer({ node: customerNode(), path: "data.customer" })).toEqual({
      id: "gid://shopify/Customer/1001",
      email: "ada@example.com",
      emailMarketingState: "SUBSCRIBED",
      emailMarketingOptInLevel: "CONFIRMED_OPT_IN",
      emailMarketingUpdatedAt: "2026-03-01T10:00:00Z",
      phone: "+46701234567",
      smsMarketingState: "UNSUBSCRIBED",
      smsMarketingUpdatedAt: "2026-02-01T08:00:00Z",
      firstName: "Ada",
      lastName: "Lovelace",
      displayName: "Ada Lovelace",
      tags: ["vip", "newsletter"],
      countryCode: "SE",
      country: "Sweden",
      province: "Skåne",
      provinceCode: "M",
      city: "Malmö",
      zip: "211 22",
      locale: "sv-SE",
      numberOfOrders: 12,
      amountSpent: { amount: "1234.50", currencyCode: "SEK" },
      lastOrderAt: "2026-05-04T08:30:00+02:00",
      createdAt: "2024-01-02T03:04:05Z",
      updatedAt: "2026-05-04T08:31:00Z",
    });
  });

  it("a customer without email, phone, address, name or orders has nulls, not guesses", () => {
    const customer = parseCustomer({
      node: customerNode({
        firstName: null,
        lastName: null,
        defaultEmailAddress: null,
        defaultPhoneNumber: null,
        defaultAddress: null,
        lastOrder: null,
        tags: [],
        numberOfOrders: "0",
        amountSpent: { amount: "0.0", currencyCode: "SEK" },
      }),
      path: "data.customer",
    });
    expect(customer).toMatchObject({
      email: null,
      emailMarketingState: null,
      emailMarketingOptInLevel: null,
      phone: null,
      smsMarketingState: null,
      firstName: null,
      countryCode: null,
      city: null,
      lastOrderAt: null,
      numberOfOrders: 0,
      amountSpent: { amount: "0.0", currencyCode: "SEK" },
    });
  });

  it("an email with no recorded consent change keeps the state and a null date", () => {
    const node = customerNode({
      defaultEmailAddress: { emailAddress: "b@example.com", marketingState: "NOT_SUBSCRIBED", marketingOptInLevel: null, marketingUpdatedAt: null },
    });
    expect(parseCustomer({ node, path: "x" })).toMatchObject({ emailMarketingState: "NOT_SUBSCRIBED", emailMarketingUpdatedAt: null });
  });

  it.each([
    ["an unknown email marketing state", { defaultEmailAddress: { ...customerNode().defaultEmailAddress, marketingState: "YES" } }, "data.customers.nodes[3].defaultEmailAddress.marketingState"],
    ["a numeric amount (floats lose cents)", { amountSpent: { amount: 12.5, currencyCode: "SEK" } }, "data.customers.nodes[3].amountSpent.amount"],
    ["a missing key", { updatedAt: undefined }, "data.customers.nodes[3].updatedAt"],
    ["a non-GID id", { id: "1001" }, "data.customers.nodes[3].id"],
    ["a negative order count", { numberOfOrders: -1 }, "data.customers.nodes[3].numberOfOrders"],
    ["a tag that is not a string", { tags: ["ok", 7] }, "data.customers.nodes[3].tags[1]"],
    ["a date that is not ISO 8601", { createdAt: "yesterday" }, "data.customers.nodes[3].createdAt"],
  ])("rejects %s, naming the field", (_case, overrides, field) => {
    const parsing = () => parseCustomer({ node: customerNode(overrides), path: "data.customers.nodes[3]" });
    expect(parsing).toThrow(ShopifyMalformedDataError);
    expect(parsing).toThrow(expect.objectContaining({ field }));
  });

  it("rejects a node that is not an object", () => {
    expect(() => parseCustomer({ node: null, path: "line 4" })).toThrow(expect.objectContaining({ field: "line 4" }));
  });
});
