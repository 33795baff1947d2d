import { describe, expect, it } from "vitest";
import { type ApsisAttributeDefinition, checkMappingTypes, convertValue, mapAttributes, normalizeAttributeType } from "./attribute-values";
import { guessMappings, normalizeName } from "./guess-mappings";
import { extractField, listShopifyFields, SHOPIFY_FIELD_KEYS } from "./shopify-fields";
import { shopifyCustomer } from "../../../../tests/support/factories";

const ctx = { timeZone: "Europe/Stockholm" };
const attr = (discriminator: string, name: string, type?: string, versions: { id: string; deprecated_at: string | null }[] = [{ id: "1", deprecated_at: null }]): ApsisAttributeDefinition => ({
  discriminator,
  name,
  type,
  versions,
});

/** A customer with every field the catalogue reads set to the value the expectations below name. */
const ada = () =>
  shopifyCustomer({
    id: "gid://shopify/Customer/1001",
    email: "ada@example.com",
    emailMarketingState: "SUBSCRIBED",
    phone: "+46701234567",
    smsMarketingState: "NOT_SUBSCRIBED",
    firstName: "Ada",
    lastName: "Lovelace",
    displayName: "Ada Lovelace",
    tags: ["newsletter", "vip"],
    countryCode: "SE",
    country: "Sweden",
    province: null,
    city: "Stockholm",
    zip: "111 22",
    locale: "sv-SE",
    numberOfOrders: 3,
    amountSpent: { amount: "123.50", currencyCode: "SEK" },
    lastOrderAt: "2026-03-01T23:30:00Z",
    createdAt: "2024-05-06T07:08:09Z",
  });

describe("field extraction", () => {
  const c = ada();
  it.each([
    ["shopify_customer_id", "1001"],
    ["email", "ada@example.com"],
    ["first_name", "Ada"],
    ["last_name", "Lovelace"],
    ["full_name", "Ada Lovelace"],
    ["phone", "46701234567"],
    ["country_code", "SE"],
    ["country", "Sweden"],
    ["province", null],
    ["city", "Stockholm"],
    ["zip", "111 22"],
    ["locale", "sv-SE"],
    ["language", "sv"],
    ["tags", "newsletter, vip"],
    ["number_of_orders", 3],
    ["amount_spent", "123.50"],
    ["currency", "SEK"],
    ["created_at", "2024-05-06T07:08:09Z"],
    ["last_order_at", "2026-03-01T23:30:00Z"],
    ["email_marketing_state", "SUBSCRIBED"],
    ["email_subscribed", true],
    ["sms_marketing_state", "NOT_SUBSCRIBED"],
    ["sms_subscribed", false],
  ] as const)("%s → %j", (field, expected) => {
    expect(extractField(field, c, ctx)).toEqual(expected);
  });

  it("absent values are null (so the attribute is cleared), never an empty string", () => {
    const bare = shopifyCustomer({ email: null, emailMarketingState: null, phone: null, smsMarketingState: null, tags: [], lastOrderAt: null, countryCode: null, city: null });
    for (const field of ["email", "phone", "tags", "last_order_at", "country_code", "city", "email_marketing_state"] as const) {
      expect(extractField(field, bare, ctx)).toBeNull();
    }
    expect(extractField("email_subscribed", bare, ctx)).toBe(false);
  });

  it("normalises timestamps to UTC", () => {
    expect(extractField("updated_at", shopifyCustomer({ updatedAt: "2026-03-02T14:00:00+02:00" }), ctx)).toBe("2026-03-02T12:00:00Z");
  });

  it("every field of the catalogue is listed with a label and a type", () => {
    const listed = listShopifyFields();
    expect(listed.map((f) => f.key)).toEqual(SHOPIFY_FIELD_KEYS);
    for (const f of listed) expect(f.label.length).toBeGreaterThan(0);
    for (const wanted of ["email", "first_name", "last_name", "phone", "country_code", "city", "zip", "language", "tags", "number_of_orders", "amount_spent", "created_at", "last_order_at"]) {
      expect(SHOPIFY_FIELD_KEYS).toContain(wanted);
    }
  });
});

describe("values as written to an attribute", () => {
  it("into text: everything becomes text, cut at 1000 characters", () => {
    expect(convertValue(3, "number", "text", ctx)).toBe("3");
    expect(convertValue(true, "boolean", "text", ctx)).toBe("true");
    expect(convertValue("x".repeat(1200), "text", "text", ctx)).toHaveLength(1000);
  });
  it("decimals become JSON numbers; a timestamp into a date is the shop-local day", () => {
    expect(convertValue("123.50", "decimal", "decimal", ctx)).toBe(123.5);
    expect(convertValue(3, "number", "decimal", ctx)).toBe(3);
    // 23:30 UTC on March 1st is March 2nd in Stockholm.
    expect(convertValue("2026-03-01T23:30:00Z", "timestamp", "date", ctx)).toBe("2026-03-02");
    expect(convertValue("2026-03-02", "date", "timestamp", ctx)).toBe("2026-03-01T23:00:00Z");
  });
  it("an attribute APSIS gives no type for gets the field in its own type", () => {
    expect(convertValue("123.50", "decimal", null, ctx)).toBe(123.5);
    expect(convertValue("a", "text", null, ctx)).toBe("a");
    expect(convertValue(null, "text", "text", ctx)).toBeNull();
  });
  it("mapAttributes writes exactly the mapped fields, keyed by attribute discriminator", () => {
    const out = mapAttributes({
      customer: ada(),
      mappings: [
        { field: "email", attribute: "com.apsis1.attributes.email", attributeType: "text" },
        { field: "amount_spent", attribute: "usercreated.attributes.spent-aaaaaaaaa1", attributeType: "decimal" },
        { field: "last_order_at", attribute: "usercreated.attributes.last-aaaaaaaaa2", attributeType: "date" },
        { field: "province", attribute: "usercreated.attributes.prov-aaaaaaaaa3", attributeType: "text" },
      ],
      context: ctx,
    });
    expect(out).toEqual({
      "com.apsis1.attributes.email": "ada@example.com",
      "usercreated.attributes.spent-aaaaaaaaa1": 123.5,
      "usercreated.attributes.last-aaaaaaaaa2": "2026-03-02",
      "usercreated.attributes.prov-aaaaaaaaa3": null,
    });
  });
});

describe("attribute types", () => {
  it.each([
    ["Text", "text"],
    ["string", "text"],
    ["Number", "number"],
    ["integer", "number"],
    ["Number with decimals", "decimal"],
    ["number_with_decimals", "decimal"],
    ["double", "decimal"],
    ["Date", "date"],
    ["Timestamp", "timestamp"],
    ["date-time", "timestamp"],
    ["True/False", "boolean"],
    ["boolean", "boolean"],
    ["something-new", null],
    [undefined, null],
  ] as const)("%s → %s", (raw, expected) => {
    expect(normalizeAttributeType(raw)).toBe(expected);
  });
});

describe("checkMappingTypes", () => {
  const attributes = [
    attr("com.apsis1.attributes.email", "Email", "text"),
    attr("usercreated.attributes.orders-abc1234567", "Orders", "number"),
    attr("usercreated.attributes.spent-abc1234567", "Spent", "decimal"),
    attr("usercreated.attributes.since-abc1234567", "Customer since", "date"),
    attr("usercreated.attributes.vip-abc1234567", "VIP", "boolean"),
    attr("usercreated.attributes.old-abc1234567", "Old", "text", [{ id: "9", deprecated_at: "2025-01-01" }]),
    attr("usercreated.attributes.free-abc1234567", "Untyped"),
  ];

  it("accepts compatible pairs", () => {
    expect(
      checkMappingTypes(
        [
          { field: "email", attribute: "com.apsis1.attributes.email" },
          { field: "number_of_orders", attribute: "usercreated.attributes.orders-abc1234567" },
          { field: "number_of_orders", attribute: "usercreated.attributes.spent-abc1234567" },
          { field: "created_at", attribute: "usercreated.attributes.since-abc1234567" },
          { field: "email_subscribed", attribute: "usercreated.attributes.vip-abc1234567" },
          { field: "tags", attribute: "usercreated.attributes.free-abc1234567" },
        ],
        attributes,
      ),
    ).toEqual([]);
  });

  it("flags a text field into a number attribute, a decimal into a whole number, a boolean into a date", () => {
    const issues = checkMappingTypes(
      [
        { field: "city", attribute: "usercreated.attributes.orders-abc1234567" },
        { field: "amount_spent", attribute: "usercreated.attributes.orders-abc1234567x" },
        { field: "email_subscribed", attribute: "usercreated.attributes.since-abc1234567" },
      ],
      [...attributes, attr("usercreated.attributes.orders-abc1234567x", "Orders 2", "number")],
    );
    expect(issues.map((i) => [i.index, i.code])).toEqual([
      [0, "type_mismatch"],
      [1, "type_mismatch"],
      [2, "type_mismatch"],
    ]);
    expect(issues[0].message).toBe('City is text but "Orders" is a whole number attribute');
  });

  it("flags unknown fields, unknown attributes, an attribute fed twice, and an attribute with only deprecated versions", () => {
    const issues = checkMappingTypes(
      [
        { field: "shoe_size", attribute: "com.apsis1.attributes.email" },
        { field: "email", attribute: "usercreated.attributes.gone" },
        { field: "email", attribute: "com.apsis1.attributes.email" },
        { field: "first_name", attribute: "com.apsis1.attributes.email" },
        { field: "city", attribute: "usercreated.attributes.old-abc1234567" },
      ],
      attributes,
    );
    expect(issues.map((i) => i.code)).toEqual(["unknown_field", "unknown_attribute", "duplicate_attribute", "deprecated_attribute"]);
    expect(issues.map((i) => i.index)).toEqual([0, 1, 3, 4]);
  });
});

describe("guessMappings", () => {
  it("normalises names and discriminators", () => {
    expect(normalizeName("usercreated.attributes.press_-_newsletter-omm8pihlcr")).toBe("press newsletter");
    expect(normalizeName("com.apsis1.attributes.firstname")).toBe("firstname");
    expect(normalizeName("Postal Code")).toBe("postal code");
    expect(normalizeName("lastOrderDate")).toBe("last order date");
  });

  it("proposes APSIS's defaults, exact names and synonyms, each attribute once, type-compatible only", () => {
    const attributes = [
      attr("com.apsis1.attributes.email", "Email", "text"),
      attr("com.apsis1.attributes.firstname", "First name", "text"),
      attr("com.apsis1.attributes.lastname", "Last name", "text"),
      attr("com.apsis1.attributes.mobile", "Mobile", "text"),
      attr("com.apsis1.attributes.birthdate", "Birthdate", "date"),
      attr("usercreated.attributes.country-x1x1x1x1x1", "Country", "text"),
      attr("usercreated.attributes.countryname-x1x1x1x1x2", "Country name", "text"),
      attr("usercreated.attributes.zip-x1x1x1x1x3", "Postal code", "text"),
      attr("usercreated.attributes.since-x1x1x1x1x4", "Customer since", "date"),
      attr("usercreated.attributes.orders-x1x1x1x1x5", "Orders count", "number"),
      attr("usercreated.attributes.spent-x1x1x1x1x6", "Total spent", "decimal"),
      attr("usercreated.attributes.lang-x1x1x1x1x7", "Language", "text"),
      attr("usercreated.attributes.tags-x1x1x1x1x8", "Tags", "text"),
      attr("usercreated.attributes.lastorder-x1x1x1x1x9", "Last order date", "date"),
      attr("usercreated.attributes.scid-x1x1x1x1y1", "Shopify Customer Id", "text"),
      attr("usercreated.attributes.points-x1x1x1x1y2", "Loyalty points", "number"),
      // A number attribute called "City" is not proposed for the text field City.
      attr("usercreated.attributes.city-x1x1x1x1y3", "City", "number"),
    ];
    const guessed = Object.fromEntries(guessMappings(attributes).map((m) => [m.attribute, m.field]));
    expect(guessed).toEqual({
      "com.apsis1.attributes.email": "email",
      "com.apsis1.attributes.firstname": "first_name",
      "com.apsis1.attributes.lastname": "last_name",
      "com.apsis1.attributes.mobile": "phone",
      "usercreated.attributes.country-x1x1x1x1x1": "country_code",
      "usercreated.attributes.countryname-x1x1x1x1x2": "country",
      "usercreated.attributes.zip-x1x1x1x1x3": "zip",
      "usercreated.attributes.since-x1x1x1x1x4": "created_at",
      "usercreated.attributes.orders-x1x1x1x1x5": "number_of_orders",
      "usercreated.attributes.spent-x1x1x1x1x6": "amount_spent",
      "usercreated.attributes.lang-x1x1x1x1x7": "language",
      "usercreated.attributes.tags-x1x1x1x1x8": "tags",
      "usercreated.attributes.lastorder-x1x1x1x1x9": "last_order_at",
      "usercreated.attributes.scid-x1x1x1x1y1": "shopify_customer_id",
    });
    // What it proposes always passes the checks.
    expect(checkMappingTypes(guessMappings(attributes), attributes)).toEqual([]);
  });

  it("proposes nothing for an account with nothing alike", () => {
    expect(guessMappings([attr("usercreated.attributes.shoe-x1x1x1x1x1", "Shoe size", "number")])).toEqual([]);
  });
});
