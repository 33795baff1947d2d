import { describe, expect, it } from "vitest";
import type { FullSyncRunSettings } from "./run-settings";
import { setupChanged } from "./setup-changed";

const base: FullSyncRunSettings = {
  keyspace: "ks-shopify",
  conditions: [{ field: "country", operator: "equals", value: "SE", section: "se" }, { always: true, section: "global" }],
  attributes: { se: [{ field: "first_name", attribute: "fn", attributeType: "text" }, { field: "last_name", attribute: "ln", attributeType: "text" }] },
  consents: { se: { email: ["news", "offers"], sms: [] } },
};

describe("setupChanged", () => {
  it("is false for the same set-up saved again in another order, or with an empty Section added", () => {
    const again: FullSyncRunSettings = {
      ...base,
      attributes: { se: [...base.attributes.se].reverse(), global: [] },
      consents: { se: { email: ["offers", "news"], sms: [] }, global: { email: [], sms: [] } },
    };
    expect(setupChanged(base, again)).toBe(false);
  });

  it("is true when a condition, its order, an attribute, a consent topic or the keyspace changed", () => {
    expect(setupChanged(base, { ...base, conditions: [...base.conditions].reverse() })).toBe(true);
    expect(setupChanged(base, { ...base, conditions: [{ field: "country", operator: "equals", value: "NO", section: "se" }, base.conditions[1]] })).toBe(true);
    expect(setupChanged(base, { ...base, attributes: { se: [{ field: "first_name", attribute: "fn", attributeType: "text" }] } })).toBe(true);
    expect(setupChanged(base, { ...base, consents: { se: { email: ["news"], sms: [] } } })).toBe(true);
    expect(setupChanged(base, { ...base, consents: { se: { email: ["news", "offers"], sms: ["sms-news"] } } })).toBe(true);
    expect(setupChanged(base, { ...base, keyspace: "ks-other" })).toBe(true);
  });
});
