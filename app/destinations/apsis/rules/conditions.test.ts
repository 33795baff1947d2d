import { describe, expect, it } from "vitest";
import { conditionErrors, conditionRule, listConditionFields, pickSection, type SyncCondition, SyncConditionSchema, SyncConditionsSchema } from "./conditions";
import type { ShopifyCustomer } from "../../../shopify/customer";
import { shopifyCustomer } from "../../../../tests/support/factories";

const parse = (rules: unknown[]) => SyncConditionsSchema.parse(rules);
/** A Swedish customer with the values the rules below test, unless a test changes them. */
const customer = (overrides: Partial<ShopifyCustomer> = {}) =>
  shopifyCustomer({
    email: "ada@example.com",
    emailMarketingState: "SUBSCRIBED",
    smsMarketingState: "NOT_SUBSCRIBED",
    tags: ["newsletter", "vip"],
    countryCode: "SE",
    country: "Sweden",
    city: "Stockholm",
    locale: "sv-SE",
    numberOfOrders: 3,
    amountSpent: { amount: "123.50", currencyCode: "SEK" },
    ...overrides,
  });

describe("SyncConditionSchema", () => {
  it("normalises values: numbers from text, states upper-cased, comma lists for in", () => {
    expect(SyncConditionSchema.parse({ section: "s", field: "number_of_orders", operator: "gt", value: "2" })).toEqual({ section: "s", field: "number_of_orders", operator: "gt", value: 2 });
    expect(SyncConditionSchema.parse({ section: "s", field: "email_marketing_state", operator: "equals", value: "subscribed" })).toMatchObject({ value: "SUBSCRIBED" });
    expect(SyncConditionSchema.parse({ section: "s", field: "country", operator: "in", value: "SE, NO" })).toMatchObject({ value: ["SE", "NO"] });
    expect(SyncConditionSchema.parse({ section: "s", always: true })).toEqual({ section: "s", always: true });
  });

  it("a condition on an unknown field is a validation error naming it", () => {
    const result = SyncConditionsSchema.safeParse([{ section: "s", field: "shoe_size", operator: "equals", value: "42" }]);
    expect(result.success).toBe(false);
    expect(conditionErrors(result.error!)).toEqual([{ index: 0, path: "field", message: expect.stringContaining('Unknown field "shoe_size"') }]);
  });

  it("refuses operators a field does not have, values of the wrong kind, missing values and a Section-less rule", () => {
    const result = SyncConditionsSchema.safeParse([
      { section: "s", field: "country", operator: "gt", value: "SE" },
      { section: "s", field: "number_of_orders", operator: "gt", value: "many" },
      { section: "s", field: "email_marketing_state", operator: "equals", value: "MAYBE" },
      { section: "s", field: "city", operator: "equals" },
      { section: "", field: "city", operator: "equals", value: "Oslo" },
      { section: "s", field: "tags", operator: "contains", value: "vip", and: [{ field: "planet", operator: "equals", value: "Mars" }] },
    ]);
    expect(result.success).toBe(false);
    expect(conditionErrors(result.error!).map((e) => [e.index, e.path])).toEqual([
      [0, "operator"],
      [1, "value"],
      [2, "value"],
      [3, "value"],
      [4, "section"],
      [5, "and.0.field"],
    ]);
  });

  it('"otherwise" must come last', () => {
    const result = SyncConditionsSchema.safeParse([{ section: "a", always: true }, { section: "b", field: "country", operator: "equals", value: "SE" }]);
    expect(result.success).toBe(false);
    expect(conditionErrors(result.error!)[0]).toMatchObject({ index: 0, path: "always" });
  });

  it("stores the rule without its Section (it has its own column)", () => {
    const [rule] = parse([{ section: "s", field: "tags", operator: "contains", value: "vip" }]);
    expect(conditionRule(rule)).toEqual({ field: "tags", operator: "contains", value: "vip" });
  });

  it("lists every field with its operators", () => {
    const fields = listConditionFields();
    expect(fields.map((f) => f.key)).toEqual(expect.arrayContaining(["country", "tags", "email_marketing_state", "number_of_orders", "amount_spent", "locale"]));
    expect(fields.find((f) => f.key === "email_marketing_state")!.values).toContain("SUBSCRIBED");
  });
});

describe("pickSection: the first matching rule wins, none → not synced", () => {
  const rules: SyncCondition[] = parse([
    { section: "sweden", field: "country", operator: "equals", value: "SE" },
    { section: "vip", field: "tags", operator: "contains", value: "VIP" },
    { section: "global", always: true },
  ]);

  it("country SE → Sweden, otherwise Global", () => {
    expect(pickSection(customer({ countryCode: "SE", tags: [] }), rules)).toBe("sweden");
    expect(pickSection(customer({ countryCode: "NO", country: "Norway", tags: [] }), rules)).toBe("global");
    // A Swedish VIP matches both: the first rule wins.
    expect(pickSection(customer({ countryCode: "SE", tags: ["vip"] }), rules)).toBe("sweden");
    expect(pickSection(customer({ countryCode: "DE", country: "Germany", tags: ["vip"] }), rules)).toBe("vip");
  });

  it("without an otherwise rule, a customer matching nothing is not synced", () => {
    const onlyVip = parse([{ section: "vip", field: "tags", operator: "contains", value: "vip" }]);
    expect(pickSection(customer({ tags: ["newsletter"] }), onlyVip)).toBeNull();
    expect(pickSection(customer({ tags: ["newsletter", "vip"] }), onlyVip)).toBe("vip");
    expect(pickSection(customer(), [])).toBeNull();
  });

  it("country matches the code or the name, case-insensitively; no address matches only not_equals", () => {
    const byName = parse([{ section: "x", field: "country", operator: "equals", value: "sweden" }]);
    expect(pickSection(customer(), byName)).toBe("x");
    const noAddress = customer({ countryCode: null, country: null, city: null });
    expect(pickSection(noAddress, byName)).toBeNull();
    expect(pickSection(noAddress, parse([{ section: "x", field: "country", operator: "not_equals", value: "SE" }]))).toBe("x");
  });

  it.each([
    [{ field: "tags", operator: "not_contains", value: "vip" }, false],
    [{ field: "tags", operator: "in", value: ["wholesale", "newsletter"] }, true],
    [{ field: "email_marketing_state", operator: "equals", value: "SUBSCRIBED" }, true],
    [{ field: "email_marketing_state", operator: "in", value: ["PENDING", "INVALID"] }, false],
    [{ field: "sms_marketing_state", operator: "not_equals", value: "SUBSCRIBED" }, true],
    [{ field: "number_of_orders", operator: "gt", value: 2 }, true],
    [{ field: "number_of_orders", operator: "lt", value: 3 }, false],
    [{ field: "number_of_orders", operator: "equals", value: 3 }, true],
    [{ field: "amount_spent", operator: "gt", value: "123.49" }, true],
    [{ field: "amount_spent", operator: "gt", value: 123.5 }, false],
    [{ field: "locale", operator: "equals", value: "sv-se" }, true],
    [{ field: "language", operator: "equals", value: "sv" }, true],
    [{ field: "email", operator: "contains", value: "@EXAMPLE.com" }, true],
    [{ field: "city", operator: "not_contains", value: "holm" }, false],
    [{ field: "country", operator: "in", value: "NO,SE" }, true],
  ])("%j → %s", (clause, expected) => {
    const rules = parse([{ section: "x", ...clause }]);
    expect(pickSection(customer(), rules) === "x").toBe(expected);
  });

  it("`and` clauses must all hold", () => {
    const rules = parse([{ section: "se-vip", field: "country", operator: "equals", value: "SE", and: [{ field: "tags", operator: "contains", value: "vip" }] }]);
    expect(pickSection(customer({ tags: ["vip"] }), rules)).toBe("se-vip");
    expect(pickSection(customer({ tags: [] }), rules)).toBeNull();
  });
});

describe("sync conditions: bounds (utils/input-bounds.ts)", () => {
  const errorsOf = (conditions: unknown) => {
    const parsed = SyncConditionsSchema.safeParse(conditions);
    return parsed.success ? [] : conditionErrors(parsed.error);
  };

  it("refuses a 5 MB value with the message on the rule's value", () => {
    expect(errorsOf([{ field: "country", operator: "equals", value: "S".repeat(5_000_000), section: "s" }])).toEqual([
      { index: 0, path: "value", message: "The value is at most 255 characters" },
    ]);
  });

  it("bounds each value of an \"in\" list (text or array), the number of values, and the clauses' values", () => {
    expect(errorsOf([{ field: "tags", operator: "in", value: `vip, ${"t".repeat(256)}`, section: "s" }])[0]).toMatchObject({ path: "value", message: "Each value is at most 255 characters" });
    expect(errorsOf([{ field: "tags", operator: "in", value: Array.from({ length: 101 }, (_, i) => `t${i}`), section: "s" }])[0]).toMatchObject({ path: "value", message: "At most 100 values" });
    expect(errorsOf([{ field: "country", operator: "equals", value: "SE", section: "s", and: [{ field: "city", operator: "equals", value: "x".repeat(256) }] }])[0]).toMatchObject({
      index: 0,
      path: "and.0.value",
    });
    expect(errorsOf([{ field: "tags", operator: "in", value: Array.from({ length: 100 }, () => "t".repeat(255)), section: "s" }])).toEqual([]);
  });

  it("bounds the Section id and the field and operator names (they are echoed in messages)", () => {
    expect(errorsOf([{ field: "country", operator: "equals", value: "SE", section: "s".repeat(201) }])[0]).toMatchObject({ path: "section", message: "A Section id is at most 200 characters" });
    expect(errorsOf([{ field: "f".repeat(51), operator: "equals", value: "SE", section: "s" }])[0]).toMatchObject({ path: "field", message: "A field name is at most 50 characters" });
    expect(errorsOf([{ field: "country", operator: "o".repeat(51), value: "SE", section: "s" }])[0]).toMatchObject({ path: "operator" });
  });
});
