import { describe, expect, it } from "vitest";
import { activityWindow, decideCustomer, isActiveWithin, lastActivityAt } from "./filter";
import { shopifyCustomer } from "../../../../tests/support/factories";

describe("lastActivityAt", () => {
  it("is the later of the last update and the last order", () => {
    expect(lastActivityAt({ updatedAt: "2026-03-02T00:00:00Z", lastOrderAt: "2026-03-01T00:00:00Z" })).toBe("2026-03-02T00:00:00Z");
    expect(lastActivityAt({ updatedAt: "2026-03-02T00:00:00Z", lastOrderAt: "2026-03-05T00:00:00Z" })).toBe("2026-03-05T00:00:00Z");
    expect(lastActivityAt({ updatedAt: "2026-03-02T00:00:00Z", lastOrderAt: null })).toBe("2026-03-02T00:00:00Z");
  });
});

describe("activity window in the shop's timezone", () => {
  const stockholm = activityWindow({ activityFrom: "2026-03-01", activityTo: "2026-03-31", timeZone: "Europe/Stockholm" });

  it("starts at local midnight of the first day and ends at local midnight after the last", () => {
    expect(new Date(stockholm.startMs!).toISOString()).toBe("2026-02-28T23:00:00.000Z");
    // DST starts on 2026-03-29 in Stockholm: the end is midnight CEST, 22:00 UTC.
    expect(new Date(stockholm.endMs!).toISOString()).toBe("2026-03-31T22:00:00.000Z");
  });

  it.each([
    ["2026-02-28T22:59:59Z", false], // 23:59:59 local on 28 Feb
    ["2026-02-28T23:00:00Z", true], // 00:00 local on 1 Mar
    ["2026-03-31T21:59:59Z", true], // 23:59:59 local on 31 Mar
    ["2026-03-31T22:00:00Z", false], // 00:00 local on 1 Apr
  ])("activity at %s is in the range: %s", (at, inside) => {
    expect(isActiveWithin({ updatedAt: at, lastOrderAt: null }, stockholm)).toBe(inside);
  });

  it("the same instant is in or out depending on the shop's zone", () => {
    const at = { updatedAt: "2026-03-01T03:00:00Z", lastOrderAt: null }; // 1 Mar in Stockholm, 28 Feb in New York
    const window = { activityFrom: "2026-03-01", activityTo: "2026-03-01" };
    expect(isActiveWithin(at, activityWindow({ ...window, timeZone: "Europe/Stockholm" }))).toBe(true);
    expect(isActiveWithin(at, activityWindow({ ...window, timeZone: "America/New_York" }))).toBe(false);
  });

  it("open ends are no limit", () => {
    const window = activityWindow({ timeZone: "UTC" });
    expect(window).toEqual({ startMs: null, endMs: null });
    expect(isActiveWithin({ updatedAt: "2001-01-01T00:00:00Z", lastOrderAt: null }, window)).toBe(true);
  });

  it("an order in the range counts even if the profile was updated after it", () => {
    const window = activityWindow({ activityFrom: "2026-03-01", activityTo: "2026-03-31", timeZone: "UTC" });
    // Activity is the later date (the update, in April): out of a March range.
    expect(isActiveWithin({ updatedAt: "2026-04-02T00:00:00Z", lastOrderAt: "2026-03-10T00:00:00Z" }, window)).toBe(false);
    // An order in March after an update in February: in.
    expect(isActiveWithin({ updatedAt: "2026-02-02T00:00:00Z", lastOrderAt: "2026-03-10T00:00:00Z" }, window)).toBe(true);
  });
});

describe("decideCustomer: consent rules", () => {
  const window = activityWindow({ timeZone: "UTC" });
  const states = ["SUBSCRIBED", "NOT_SUBSCRIBED", "UNSUBSCRIBED", "PENDING", "INVALID"] as const;

  it.each(states)("subscribers only sends %s only if SUBSCRIBED", (state) => {
    const decision = decideCustomer({ customer: shopifyCustomer({ emailMarketingState: state }), profileGroup: "subscribers", window });
    expect(decision.action).toBe(state === "SUBSCRIBED" ? "send" : "not_chosen");
    expect(decision.suppress).toBe(state === "UNSUBSCRIBED");
  });

  it.each(states)("all profiles sends %s, and suppresses it if UNSUBSCRIBED", (state) => {
    const decision = decideCustomer({ customer: shopifyCustomer({ emailMarketingState: state }), profileGroup: "all", window });
    expect(decision).toEqual({ action: "send", suppress: state === "UNSUBSCRIBED" });
  });

  it("no email: skipped with All profiles; not a subscriber, so not in the group, with Email subscribers only; never suppressed", () => {
    const customer = shopifyCustomer({ email: null, emailMarketingState: null });
    expect(decideCustomer({ customer, profileGroup: "all", window })).toEqual({ action: "no_email", suppress: false });
    expect(decideCustomer({ customer, profileGroup: "subscribers", window })).toEqual({ action: "not_chosen", suppress: false });
  });

  it("an unsubscribed customer outside the date range is still suppressed", () => {
    const march = activityWindow({ activityFrom: "2026-03-01", activityTo: "2026-03-31", timeZone: "UTC" });
    const old = shopifyCustomer({ emailMarketingState: "UNSUBSCRIBED", updatedAt: "2020-01-01T00:00:00Z", lastOrderAt: null });
    expect(decideCustomer({ customer: old, profileGroup: "all", window: march })).toEqual({ action: "not_chosen", suppress: true });
  });
});
