import { describe, expect, it } from "vitest";
import { coerceAttributeValue } from "./attribute-values";

describe("coerceAttributeValue", () => {
  it("accepts each type's JSON value and its string form, stored normalised", () => {
    expect(coerceAttributeValue("text", "Åsa")).toEqual({ value: "Åsa" });
    expect(coerceAttributeValue("boolean", false)).toEqual({ value: false });
    expect(coerceAttributeValue("boolean", "true")).toEqual({ value: true });
    expect(coerceAttributeValue("number", 12)).toEqual({ value: 12 });
    expect(coerceAttributeValue("number", "-7")).toEqual({ value: -7 });
    expect(coerceAttributeValue("decimal", "99.50")).toEqual({ value: 99.5 });
    expect(coerceAttributeValue("decimal", 3)).toEqual({ value: 3 });
    expect(coerceAttributeValue("date", "2024-02-29")).toEqual({ value: "2024-02-29" });
    expect(coerceAttributeValue("timestamp", "2026-05-01T12:00:00+02:00")).toEqual({ value: "2026-05-01T12:00:00+02:00" });
    expect(coerceAttributeValue("timestamp", "2026-05-01T10:00:00.123Z")).toEqual({ value: "2026-05-01T10:00:00.123Z" });
  });

  it("refuses values of another type, impossible dates and overlong text", () => {
    const refused = [
      ["text", 5],
      ["text", "x".repeat(1_001)],
      ["boolean", "TRUE"],
      ["boolean", 1],
      ["number", 1.5],
      ["number", "12abc"],
      ["decimal", "1,5"],
      ["date", "2023-02-29"],
      ["date", "2026-05-01T00:00:00Z"],
      ["timestamp", "2026-05-01 12:00"],
      ["timestamp", "2026-05-01T12:00:00"],
    ] as const;
    for (const [type, value] of refused) expect(coerceAttributeValue(type, value), `${type} ${String(value).slice(0, 20)}`).toHaveProperty("error");
  });
});
