import { describe, expect, it } from "vitest";
import { contactHash, unsubHash } from "./hash";

describe("hashes", () => {
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
