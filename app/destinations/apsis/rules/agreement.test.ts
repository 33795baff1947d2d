import { describe, expect, it } from "vitest";
import type { ShopifyConsentCounts } from "../../../shopify/consent-segments";
import { apsisAgreementRows, apsisVerdict, writtenConsentOf, writtenConsentTally } from "./agreement";

const consent = (email?: "opt-in" | "opt-out", sms?: "opt-in" | "opt-out") =>
  JSON.stringify({
    ...(email ? { email: { address: "a@example.com", topics: { newsletter: email, offers: email } } } : {}),
    ...(sms ? { sms: { address: "+46701234567", topics: { sms: sms } } } : {}),
  });
const link = (target: string, json: string | null, at = "2026-11-30T09:00:00Z") => ({ target, consent: json, lastSyncedAt: new Date(at) });

describe("what a profile link says was written", () => {
  it("reads each channel of the consent JSON: opt-in, opt-out or nothing", () => {
    expect(writtenConsentOf(consent("opt-in", "opt-out"), "email")).toBe("opt-in");
    expect(writtenConsentOf(consent("opt-in", "opt-out"), "sms")).toBe("opt-out");
    expect(writtenConsentOf(consent(), "email")).toBe("none");
    expect(writtenConsentOf(null, "email")).toBe("none");
    expect(writtenConsentOf("not json", "email")).toBe("none");
  });

  it("counts links by channel and Section, with the latest write", () => {
    const tally = writtenConsentTally();
    [
      link("section:se", consent("opt-in", "opt-in")),
      link("section:se", consent("opt-out"), "2026-12-01T08:00:00Z"),
      link("section:global", consent()),
    ].forEach(tally.add);
    expect(tally.counts()).toEqual({
      profiles: 3,
      sections: { se: 2, global: 1 },
      email: { "opt-in": 1, "opt-out": 1, none: 1 },
      sms: { "opt-in": 1, "opt-out": 0, none: 2 },
      lastWrittenAt: new Date("2026-12-01T08:00:00Z"),
    });
  });
});

describe("APSIS One's rows beside Shopify's counts", () => {
  const shopify: ShopifyConsentCounts = {
    customers: 100,
    email: { SUBSCRIBED: 45, NOT_SUBSCRIBED: 26, PENDING: 8, UNSUBSCRIBED: 16, INVALID: 2 },
    noEmail: 3,
    sms: { SUBSCRIBED: 20, UNSUBSCRIBED: 5 },
  };
  const written = { profiles: 90, sections: { se: 90 }, email: { "opt-in": 40, "opt-out": 16, none: 34 }, sms: { "opt-in": 22, "opt-out": 5, none: 63 }, lastWrittenAt: null };

  it("puts each Shopify state beside the consent the rule writes for it, with the difference", () => {
    const rows = apsisAgreementRows({ shopify, written });
    expect(rows.map((r) => [r.key, r.shopify, r.written, r.difference, r.drillStates])).toEqual([
      ["email-opt-in", 45, 40, 5, ["SUBSCRIBED"]],
      ["email-opt-out", 16, 16, 0, ["UNSUBSCRIBED"]],
      ["email-none", 39, 34, 5, ["NOT_SUBSCRIBED", "PENDING", "INVALID"]],
      ["sms-opt-in", 20, 22, -2, []],
      ["sms-opt-out", 5, 5, 0, []],
    ]);
    expect(rows[0].explanation).toMatch(/^Shopify has 5 more\. Usually: customers changed in Shopify after the app last wrote them .*sync conditions send to no Section/);
    expect(rows[3].explanation).toMatch(/^The app wrote 2 more than Shopify has now/);
  });
});

describe("one customer against their APSIS One profiles", () => {
  const member = (emailState: "SUBSCRIBED" | "UNSUBSCRIBED" | "PENDING", changedAt = "2026-11-01T00:00:00Z") => ({ customerId: "gid://shopify/Customer/1", emailState, emailStateUpdatedAt: changedAt });
  const mapped = new Set(["se"]);

  it("agrees when the profile holds what the consent rule says for Shopify's state", () => {
    expect(apsisVerdict({ member: member("SUBSCRIBED"), links: [link("section:se", consent("opt-in"))], emailTopicSections: mapped })).toEqual({ kind: "agrees" });
    expect(apsisVerdict({ member: member("PENDING"), links: [link("section:se", consent())], emailTopicSections: mapped })).toEqual({ kind: "agrees" });
    // A Section with no email topic mapped holds no email consent, whatever Shopify says.
    expect(apsisVerdict({ member: member("SUBSCRIBED"), links: [link("section:other", consent())], emailTopicSections: mapped })).toEqual({ kind: "agrees" });
  });

  it("is never written without a profile", () => {
    expect(apsisVerdict({ member: member("SUBSCRIBED"), links: [], emailTopicSections: mapped })).toEqual({ kind: "never_written" });
  });

  it("differs when the profile holds another consent, saying whether Shopify changed after the write", () => {
    const changed = apsisVerdict({ member: member("UNSUBSCRIBED", "2026-12-01T00:00:00Z"), links: [link("section:se", consent("opt-in"))], emailTopicSections: mapped });
    expect(changed).toEqual({ kind: "differs", written: "email opt-in in Section se", writtenAt: new Date("2026-11-30T09:00:00Z"), reason: expect.stringMatching(/^Changed in Shopify after the app wrote the profile/) });
    const unchanged = apsisVerdict({ member: member("PENDING"), links: [link("section:se", consent("opt-in"))], emailTopicSections: mapped });
    expect(unchanged).toMatchObject({ kind: "differs", reason: expect.stringMatching(/has not changed since/) });
  });

  it("checks every Section the customer was written to (an old one counts too)", () => {
    const links = [link("section:se", consent("opt-out"), "2026-12-01T00:00:00Z"), link("section:global", consent("opt-in"), "2026-10-01T00:00:00Z")];
    expect(apsisVerdict({ member: member("UNSUBSCRIBED"), links, emailTopicSections: new Set(["se", "global"]) })).toMatchObject({ kind: "differs", written: "email opt-in in Section global" });
  });
});
