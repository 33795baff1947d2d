import { describe, expect, it } from "vitest";
import { joinTags, localDay, mapCustomer, truncate, twoDecimals } from "./map-customer";
import { shopifyCustomer } from "../../../../tests/support/factories";

describe("mapCustomer", () => {
  it("maps every documented field, as text", () => {
    const ada = shopifyCustomer({
      id: "gid://shopify/Customer/7064055069303700841",
      email: "ada@example.com",
      firstName: "Ada",
      lastName: "Lovelace",
      phone: "+46701234567",
      countryCode: "SE",
      city: "Stockholm",
      zip: "111 22",
      tags: ["vip", "newsletter"],
      numberOfOrders: 3,
      amountSpent: { amount: "123.5", currencyCode: "SEK" },
      createdAt: "2024-05-06T07:08:09Z",
      lastOrderAt: "2026-03-01T12:00:00Z",
    });
    const result = mapCustomer({ customer: ada, timeZone: "Europe/Stockholm" });
    expect(result).toEqual({
      ok: true,
      contact: {
        email: "ada@example.com",
        first_name: "Ada",
        last_name: "Lovelace",
        phone: "+46701234567",
        country: "SE",
        city: "Stockholm",
        postcode: "111 22",
        tags: "vip, newsletter",
        orders_count: "3",
        total_spent: "123.50",
        customer_since: "2024-05-06",
        last_order_date: "2026-03-01",
        shopify_customer_id: "7064055069303700841",
      },
    });
  });

  it("sends empty text for what Shopify does not have, so stale values are cleared", () => {
    const result = mapCustomer({
      customer: shopifyCustomer({ firstName: null, lastName: null, phone: null, countryCode: null, city: null, zip: null, tags: [], lastOrderAt: null, numberOfOrders: 0, amountSpent: { amount: "0.0", currencyCode: "SEK" } }),
      timeZone: "UTC",
    });
    expect(result.ok && result.contact).toMatchObject({ first_name: "", last_name: "", phone: "", country: "", city: "", postcode: "", tags: "", last_order_date: "", orders_count: "0", total_spent: "0.00" });
  });

  it("dates are days in the shop's timezone", () => {
    const late = shopifyCustomer({ createdAt: "2026-01-01T23:30:00Z" });
    expect(mapCustomer({ customer: late, timeZone: "Europe/Stockholm" })).toMatchObject({ contact: { customer_since: "2026-01-02" } });
    expect(mapCustomer({ customer: late, timeZone: "America/Los_Angeles" })).toMatchObject({ contact: { customer_since: "2026-01-01" } });
  });

  it("no email, or an email longer than Adestra's field: not mapped, with a reason", () => {
    expect(mapCustomer({ customer: shopifyCustomer({ email: null }), timeZone: "UTC" })).toEqual({ ok: false, reason: "the customer has no email address" });
    const long = `${"a".repeat(250)}@example.com`;
    expect(mapCustomer({ customer: shopifyCustomer({ email: long }), timeZone: "UTC" })).toMatchObject({ ok: false, reason: expect.stringContaining("255") });
  });

  it("no value is over 255 characters", () => {
    const result = mapCustomer({
      customer: shopifyCustomer({ firstName: "Å".repeat(300), city: "😀".repeat(300), tags: Array.from({ length: 100 }, (_, i) => `tag-${i}`) }),
      timeZone: "UTC",
    });
    expect(result.ok).toBe(true);
    for (const value of Object.values(result.ok ? result.contact : {})) expect(value.length).toBeLessThanOrEqual(255);
  });
});

describe("truncate", () => {
  it("fits 255 UTF-16 units and never splits a character made of two", () => {
    expect(truncate("😀".repeat(300))).toBe("😀".repeat(127));
    expect(truncate(`a${"😀".repeat(300)}`)).toBe(`a${"😀".repeat(127)}`);
    expect(truncate("å".repeat(300))).toBe("å".repeat(255));
  });
  it("trims and leaves short text alone", () => {
    expect(truncate("  Ada ")).toBe("Ada");
    expect(truncate(null)).toBe("");
  });
});

describe("joinTags", () => {
  it("drops whole tags from the end so the text fits", () => {
    const tags = ["a".repeat(100), "b".repeat(100), "c".repeat(100)];
    expect(joinTags(tags)).toBe(`${"a".repeat(100)}, ${"b".repeat(100)}`);
  });
});

describe("twoDecimals", () => {
  it.each([
    ["12.5", "12.50"],
    ["0.0", "0.00"],
    ["7", "7.00"],
    ["-3.1", "-3.10"],
    ["1.005", "1.01"],
    ["99999999999999999.99", "99999999999999999.99"],
  ])("%s → %s", (input, output) => expect(twoDecimals(input)).toBe(output));
});

describe("localDay", () => {
  it("is the calendar day in the zone", () => {
    expect(localDay("2026-03-29T00:30:00Z", "Asia/Tokyo")).toBe("2026-03-29");
    expect(localDay("2026-03-29T00:30:00Z", "America/New_York")).toBe("2026-03-28");
  });
});
