import type { ShopifyCustomer } from "../../../shopify/customer";

/** A complete ShopifyCustomer for the APSIS unit tests; override what the test is about. */
export function customer(overrides: Partial<ShopifyCustomer> = {}): ShopifyCustomer {
  return {
    id: "gid://shopify/Customer/1001",
    email: "ada@example.com",
    emailMarketingState: "SUBSCRIBED",
    emailMarketingOptInLevel: "SINGLE_OPT_IN",
    emailMarketingUpdatedAt: "2026-01-02T10:00:00Z",
    phone: "+46701234567",
    smsMarketingState: "NOT_SUBSCRIBED",
    firstName: "Ada",
    lastName: "Lovelace",
    displayName: "Ada Lovelace",
    tags: ["newsletter", "vip"],
    countryCode: "SE",
    country: "Sweden",
    province: null,
    provinceCode: null,
    city: "Stockholm",
    zip: "111 22",
    locale: "sv-SE",
    numberOfOrders: 3,
    amountSpent: { amount: "123.50", currencyCode: "SEK" },
    lastOrderAt: "2026-03-01T23:30:00Z",
    createdAt: "2024-05-06T07:08:09Z",
    updatedAt: "2026-03-02T12:00:00Z",
    ...overrides,
  };
}
