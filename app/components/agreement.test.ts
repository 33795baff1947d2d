import { describe, expect, it } from "vitest";
import type { ShopifyConsentCounts } from "../shopify/consent-segments";
import { adminCustomerUrl, agreementRow, changedSinceWrite, driftTally, shopifyCount } from "./agreement";

const row = (shopify: number | null, written: number) =>
  agreementRow({ key: "k", shopifyLabel: "Subscribed", writtenLabel: "Opted in", shopify, written, drillStates: ["SUBSCRIBED"], more: ["not synced yet", "never sent"], fewer: ["deleted"] });

describe("a comparison row", () => {
  it("says nothing when Shopify and the app agree", () => {
    expect(row(1200, 1200)).toMatchObject({ difference: 0, explanation: null });
  });

  it("explains a shortfall with the usual reasons, and a surplus with its own", () => {
    expect(row(1234, 200)).toMatchObject({ difference: 1034, explanation: "Shopify has 1,034 more. Usually: not synced yet; never sent." });
    expect(row(10, 13)).toMatchObject({ difference: -3, explanation: "The app wrote 3 more than Shopify has now. Usually: deleted." });
  });

  it("cannot compare a state Shopify did not count", () => {
    expect(row(null, 5)).toMatchObject({ shopify: null, difference: null, explanation: expect.stringContaining("did not count") });
  });
});

describe("Shopify's count of several states", () => {
  const shopify: ShopifyConsentCounts = {
    customers: 100,
    email: { SUBSCRIBED: 40, NOT_SUBSCRIBED: 30, PENDING: 10, UNSUBSCRIBED: 12, INVALID: 3 },
    noEmail: 5,
    sms: { SUBSCRIBED: 20, UNSUBSCRIBED: 4 },
  };
  it("adds the states (and the customers without email when asked), unknown when one is", () => {
    expect(shopifyCount(shopify, ["NOT_SUBSCRIBED", "PENDING", "INVALID"], true)).toBe(48);
    expect(shopifyCount(shopify, ["SUBSCRIBED"])).toBe(40);
    expect(shopifyCount({ ...shopify, email: { ...shopify.email, PENDING: null } }, ["NOT_SUBSCRIBED", "PENDING"])).toBeNull();
  });
});

describe("the drill-down tally", () => {
  const member = (n: number) => ({ customerId: `gid://shopify/Customer/${n}`, emailState: "SUBSCRIBED" as const, emailStateUpdatedAt: "2026-12-01T10:00:00Z" });

  it("counts every verdict but keeps only the first customers that differ, and says the list is cut", () => {
    const tally = driftTally({ shown: 2 });
    tally.add(member(1), { kind: "agrees" });
    tally.add(member(2), { kind: "never_written" });
    for (const n of [3, 4, 5]) tally.add(member(n), { kind: "differs", written: "email opt-out", writtenAt: new Date("2026-11-30T09:00:00Z"), reason: "changed" });
    const view = tally.view({ destination: "apsis", title: "APSIS One", state: "SUBSCRIBED", after: "cursor" });
    expect(view).toMatchObject({ read: 5, agreeing: 1, neverWritten: 1, differing: 3, listCut: true, after: "cursor", stateLabel: "Subscribed" });
    expect(view.customers).toEqual([3, 4].map((n) => ({
      customerId: `gid://shopify/Customer/${n}`,
      adminUrl: `shopify://admin/customers/${n}`,
      shopifyState: "SUBSCRIBED",
      shopifyStateAt: "2026-12-01T10:00:00Z",
      written: "email opt-out",
      writtenAt: "2026-11-30T09:00:00.000Z",
      reason: "changed",
    })));
  });

  it("links a customer to their Shopify admin page by number", () => {
    expect(adminCustomerUrl("gid://shopify/Customer/7064055069303")).toBe("shopify://admin/customers/7064055069303");
  });
});

describe("changed since the write", () => {
  const writtenAt = new Date("2026-12-01T10:00:00.600Z");
  it("compares at Shopify's whole seconds: a change in the second of the write is after it", () => {
    expect(changedSinceWrite({ shopifyStateAt: "2026-12-01T10:00:00Z", writtenAt })).toBe(true);
    expect(changedSinceWrite({ shopifyStateAt: "2026-12-01T09:59:59Z", writtenAt })).toBe(false);
    expect(changedSinceWrite({ shopifyStateAt: null, writtenAt })).toBe(false);
  });
});
