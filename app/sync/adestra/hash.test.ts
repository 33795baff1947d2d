import { describe, expect, it } from "vitest";
import { canonicalJson, contactHash, unsubHash } from "./hash";

describe("hashes", () => {
  it("canonical JSON sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
  });
  it("the same contact in any key order hashes the same; any change hashes differently", () => {
    const a = contactHash({ email: "a@x.se", first_name: "A" });
    expect(contactHash({ first_name: "A", email: "a@x.se" })).toBe(a);
    expect(contactHash({ email: "a@x.se", first_name: "B" })).not.toBe(a);
    expect(contactHash({ email: "a@x.se", first_name: "A", city: "" })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
  it("unsub hashes ignore case and surrounding space", () => {
    expect(unsubHash(" Ada@Example.com")).toBe(unsubHash("ada@example.com"));
  });
});
