import { describe, expect, it } from "vitest";
import { profileHash, profileKeyOf, sectionOfTarget, sectionTarget } from "./profile";

describe("profile identity", () => {
  it("the profile key is the numeric customer id", () => {
    expect(profileKeyOf("gid://shopify/Customer/7064055069303")).toBe("7064055069303");
    expect(() => profileKeyOf("gid://shopify/Order/x")).toThrow();
  });
  it("targets are section:<discriminator>", () => {
    expect(sectionTarget("usercreated.sections.se-1")).toBe("section:usercreated.sections.se-1");
    expect(sectionOfTarget("section:usercreated.sections.se-1")).toBe("usercreated.sections.se-1");
    expect(sectionOfTarget("list:3")).toBeNull();
  });
});

describe("profileHash", () => {
  const base = {
    keyspace: "ks",
    section: "s1",
    attributes: { "com.apsis1.attributes.email": "a@example.com", n: 3 },
    consent: { email: { address: "a@example.com", topics: { t: "opt-in" as const } } },
  };
  it("is stable whatever the key order", () => {
    expect(profileHash(base)).toBe(profileHash({ ...base, attributes: { n: 3, "com.apsis1.attributes.email": "a@example.com" } }));
  });
  it("changes with the keyspace, the Section, any attribute value and any consent", () => {
    const h = profileHash(base);
    expect(profileHash({ ...base, keyspace: "other" })).not.toBe(h);
    expect(profileHash({ ...base, section: "s2" })).not.toBe(h);
    expect(profileHash({ ...base, attributes: { ...base.attributes, n: 4 } })).not.toBe(h);
    expect(profileHash({ ...base, attributes: { ...base.attributes, extra: null } })).not.toBe(h);
    expect(profileHash({ ...base, consent: { email: { address: "a@example.com", topics: { t: "opt-out" as const } } } })).not.toBe(h);
    expect(profileHash({ ...base, consent: {} })).not.toBe(h);
  });
});
