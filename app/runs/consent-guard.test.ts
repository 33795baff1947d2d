import { describe, expect, it } from "vitest";
import { mayRaiseConsent } from "./consent-guard";

const at = (s: string) => new Date(s);
const ask = (shopifyState: string | null, shopifyConsentAt: string | null, optOut: { at: Date | null } | null) =>
  mayRaiseConsent({ shopifyState, shopifyConsentAt, optOut, destination: "APSIS One" });

describe("mayRaiseConsent", () => {
  it("raises consent only on Shopify SUBSCRIBED", () => {
    for (const state of ["NOT_SUBSCRIBED", "PENDING", "UNSUBSCRIBED", "INVALID", null]) {
      expect(ask(state, "2026-01-02T00:00:00Z", null).raise).toBe(false);
    }
    expect(ask("SUBSCRIBED", null, null)).toEqual({ raise: true, reason: "Shopify's consent is SUBSCRIBED and APSIS One holds no opt-out" });
  });

  it("leaves a destination opt-out newer than (or as new as) Shopify's consent alone", () => {
    expect(ask("SUBSCRIBED", "2026-01-01T10:00:00Z", { at: at("2026-01-02T10:00:00Z") })).toEqual({
      raise: false,
      reason: "left alone: APSIS One's opt-out at 2026-01-02T10:00:00.000Z is newer than Shopify's consent at 2026-01-01T10:00:00.000Z",
    });
    expect(ask("SUBSCRIBED", "2026-01-02T10:00:00Z", { at: at("2026-01-02T10:00:00Z") }).raise).toBe(false);
  });

  it("raises over an older opt-out", () => {
    expect(ask("SUBSCRIBED", "2026-01-03T00:00:00+02:00", { at: at("2026-01-02T10:00:00Z") })).toEqual({
      raise: true,
      reason: "Shopify's consent at 2026-01-02T22:00:00.000Z is newer than APSIS One's opt-out at 2026-01-02T10:00:00.000Z",
    });
  });

  it("never raises on a guess: an opt-out of unknown time, or a consent without a time against an opt-out", () => {
    expect(ask("SUBSCRIBED", "2026-01-03T00:00:00Z", { at: null })).toEqual({
      raise: false,
      reason: "left alone: APSIS One holds an opt-out of unknown time; Shopify's consent is at 2026-01-03T00:00:00.000Z",
    });
    expect(ask("SUBSCRIBED", null, { at: at("2026-01-02T10:00:00Z") }).raise).toBe(false);
    expect(ask("SUBSCRIBED", "not a date", { at: at("2026-01-02T10:00:00Z") }).raise).toBe(false);
  });

  it("an opt-out the app wrote itself does not block; one made in the destination after it does", () => {
    const own = at("2026-01-05T00:00:00Z");
    const verdict = (optOutAt: string) =>
      mayRaiseConsent({ shopifyState: "SUBSCRIBED", shopifyConsentAt: "2026-01-01T00:00:00Z", optOut: { at: at(optOutAt) }, ownOptOutAt: own, destination: "APSIS One" });
    expect(verdict("2026-01-04T23:59:59Z").raise).toBe(true);
    expect(verdict("2026-01-05T00:00:00Z").raise).toBe(true);
    expect(verdict("2026-01-06T00:00:00Z")).toEqual({
      raise: false,
      reason: "left alone: APSIS One's opt-out at 2026-01-06T00:00:00.000Z is newer than Shopify's consent at 2026-01-01T00:00:00.000Z",
    });
    expect(mayRaiseConsent({ shopifyState: "SUBSCRIBED", shopifyConsentAt: "2026-01-01T00:00:00Z", optOut: { at: null }, ownOptOutAt: own, destination: "APSIS One" }).raise).toBe(false);
  });
});
