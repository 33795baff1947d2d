import { describe, expect, it } from "vitest";
import type { ShopifyConsentCounts } from "../../../shopify/consent-segments";
import { adestraAgreementRows, adestraVerdict, describeTarget } from "./agreement";

const shopify: ShopifyConsentCounts = {
  customers: 1000,
  email: { SUBSCRIBED: 450, NOT_SUBSCRIBED: 260, PENDING: 80, UNSUBSCRIBED: 160, INVALID: 20 },
  noEmail: 30,
  sms: { SUBSCRIBED: 200, UNSUBSCRIBED: 40 },
};
const names = new Map([["list:12", "Newsletter"], ["unsub:7", "Shopify unsubscribes"]]);
const at = new Date("2026-11-30T09:00:00Z");

describe("Adestra's rows beside Shopify's counts", () => {
  it("one row per list (subscribers) and per unsub list (unsubscribed), named when the name is known", () => {
    const rows = adestraAgreementRows({
      shopify,
      names,
      subscribersOnly: true,
      targets: [
        { target: "list:12", customers: 440, lastSyncedAt: at },
        { target: "list:15", customers: 3, lastSyncedAt: at },
        { target: "unsub:7", customers: 160, lastSyncedAt: at },
      ],
    });
    expect(rows.map((r) => [r.writtenLabel, r.shopify, r.written, r.difference, r.drillStates])).toEqual([
      ["Contacts on list Newsletter", 450, 440, 10, ["SUBSCRIBED"]],
      ["Contacts on list 15", 450, 3, 447, ["SUBSCRIBED"]],
      ["Addresses on unsub list Shopify unsubscribes", 160, 160, 0, ["UNSUBSCRIBED"]],
    ]);
    expect(rows[0].explanation).toMatch(/date range/);
  });

  it("shows Shopify's side with nothing written before the first send; All profiles explains a fuller list", () => {
    const none = adestraAgreementRows({ shopify, names, subscribersOnly: true, targets: [] });
    expect(none.map((r) => [r.writtenLabel, r.written])).toEqual([["Contacts on a list", 0], ["Addresses on the unsub list", 0]]);
    const all = adestraAgreementRows({ shopify, names, subscribersOnly: false, targets: [{ target: "list:12", customers: 900, lastSyncedAt: at }] });
    expect(all[0].explanation).toMatch(/^The app wrote 450 more .*All profiles/);
  });

  it("names targets", () => {
    expect(describeTarget("unsub:9", names)).toBe("unsub list 9");
    expect(describeTarget("list:12", names)).toBe("list Newsletter");
  });
});

describe("one customer against where the app put them", () => {
  const member = (emailState: "SUBSCRIBED" | "UNSUBSCRIBED" | "NOT_SUBSCRIBED", changedAt = "2026-11-01T00:00:00Z") => ({ customerId: "gid://shopify/Customer/1", emailState, emailStateUpdatedAt: changedAt });
  const list = { target: "list:12", lastSyncedAt: at };
  const unsub = { target: "unsub:7", lastSyncedAt: at };
  const verdict = (m: ReturnType<typeof member>, links: (typeof list)[], subscribersOnly = true) => adestraVerdict({ member: m, links, names, subscribersOnly });

  it("an unsubscribed customer belongs on the unsub list", () => {
    expect(verdict(member("UNSUBSCRIBED"), [list, unsub])).toEqual({ kind: "agrees" });
    expect(verdict(member("UNSUBSCRIBED"), [])).toEqual({ kind: "never_written" });
    expect(verdict(member("UNSUBSCRIBED", "2026-12-01T00:00:00Z"), [list])).toEqual({
      kind: "differs",
      written: "on list Newsletter",
      writtenAt: at,
      reason: expect.stringMatching(/^Unsubscribed in Shopify after the last send: the next send puts the address on the unsub list/),
    });
  });

  it("a subscriber belongs on a list and not on the unsub list", () => {
    expect(verdict(member("SUBSCRIBED"), [list])).toEqual({ kind: "agrees" });
    expect(verdict(member("SUBSCRIBED"), [])).toEqual({ kind: "never_written" });
    expect(verdict(member("SUBSCRIBED"), [list, unsub])).toMatchObject({ kind: "differs", written: "on unsub list Shopify unsubscribes", reason: expect.stringMatching(/never takes an address off it/) });
  });

  it("anyone else belongs on no list with Email subscribers only, and may with All profiles", () => {
    expect(verdict(member("NOT_SUBSCRIBED"), [])).toEqual({ kind: "agrees" });
    expect(verdict(member("NOT_SUBSCRIBED"), [list])).toMatchObject({ kind: "differs", written: "on list Newsletter", reason: expect.stringMatching(/does not take contacts off lists/) });
    expect(verdict(member("NOT_SUBSCRIBED"), [list], false)).toEqual({ kind: "agrees" });
    expect(verdict(member("NOT_SUBSCRIBED"), [], false)).toEqual({ kind: "never_written" });
  });
});
