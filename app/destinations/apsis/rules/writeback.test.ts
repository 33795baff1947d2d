import { describe, expect, it } from "vitest";
import { APSIS_CHANNELS, type ConsentState } from "./consent";
import { recordWriteBacks, writeBacksOf } from "./writeback";

const NEWS = "usercreated.topics.news-a1";
const OFFERS = "usercreated.topics.offers-b2";
const TEXTS = "usercreated.topics.texts-c3";
const topics = { email: [NEWS, OFFERS], sms: [TEXTS] };
const optOut = (topic: string, at: string, channel: string = APSIS_CHANNELS.email) => ({ channel_discriminator: channel, topic_discriminator: topic, type: "opt-out", modified_at: at });
const optedIn: ConsentState = {
  email: { address: "ann@example.com", topics: { [NEWS]: "opt-in", [OFFERS]: "opt-in" } },
  sms: { address: "+46701234567", topics: { [TEXTS]: "opt-in" } },
};
const subscribed = { email: { state: "SUBSCRIBED", updatedAt: "2026-11-01T10:00:00Z" }, sms: { state: "SUBSCRIBED", updatedAt: "2026-11-01T10:00:00Z" } };

describe("writeBacksOf: which APSIS opt-outs become UNSUBSCRIBED in Shopify", () => {
  it("an opt-out on a mapped email topic the app had opted in comes back, dated when it was made", () => {
    expect(writeBacksOf({ consents: [optOut(NEWS, "2026-12-01T09:30:12.345Z")], topics, written: optedIn, shopify: subscribed })).toEqual([
      { channel: "email", topics: [NEWS], consentAt: new Date("2026-12-01T09:30:12.345Z") },
    ]);
  });

  it("an SMS topic's opt-out goes to SMS marketing; each channel is dated by its own latest opt-out", () => {
    const consents = [optOut(NEWS, "2026-12-01T09:00:00Z"), optOut(OFFERS, "2026-12-02T09:00:00Z"), optOut(TEXTS, "2026-12-03T09:00:00Z", APSIS_CHANNELS.sms)];
    expect(writeBacksOf({ consents, topics, written: optedIn, shopify: subscribed })).toEqual([
      { channel: "email", topics: [NEWS, OFFERS], consentAt: new Date("2026-12-02T09:00:00Z") },
      { channel: "sms", topics: [TEXTS], consentAt: new Date("2026-12-03T09:00:00Z") },
    ]);
  });

  it("an opt-in in APSIS is never written back", () => {
    const consents = [{ channel_discriminator: APSIS_CHANNELS.email, topic_discriminator: NEWS, type: "opt-in", modified_at: "2026-12-01T09:00:00Z" }];
    expect(writeBacksOf({ consents, topics, written: null, shopify: { email: { state: "NOT_SUBSCRIBED", updatedAt: null }, sms: null } })).toEqual([]);
  });

  it("an opt-out the app wrote itself (or already wrote back) does not come back: no loop", () => {
    const written: ConsentState = { email: { address: "ann@example.com", topics: { [NEWS]: "opt-out", [OFFERS]: "opt-in" } } };
    expect(writeBacksOf({ consents: [optOut(NEWS, "2026-12-01T09:00:00Z")], topics, written, shopify: subscribed })).toEqual([]);
  });

  it("an unmapped topic, another channel's topic and an opt-out without a time are ignored", () => {
    const consents = [optOut("usercreated.topics.other-z9", "2026-12-01T09:00:00Z"), optOut(NEWS, "2026-12-01T09:00:00Z", APSIS_CHANNELS.sms), { ...optOut(OFFERS, ""), modified_at: undefined }];
    expect(writeBacksOf({ consents, topics, written: optedIn, shopify: subscribed })).toEqual([]);
  });

  it("Shopify's newer consent wins: a customer who subscribed again in Shopify after the opt-out stays subscribed", () => {
    const shopify = { ...subscribed, email: { state: "SUBSCRIBED", updatedAt: "2026-12-01T09:00:05Z" } };
    expect(writeBacksOf({ consents: [optOut(NEWS, "2026-12-01T09:00:00Z")], topics, written: optedIn, shopify })).toEqual([]);
    // Same second: Shopify keeps seconds only, so it is not older.
    const tie = { ...subscribed, email: { state: "SUBSCRIBED", updatedAt: "2026-12-01T09:00:00Z" } };
    expect(writeBacksOf({ consents: [optOut(NEWS, "2026-12-01T09:00:00.900Z")], topics, written: optedIn, shopify: tie })).toEqual([]);
  });

  it("nothing when Shopify already says UNSUBSCRIBED, the state is REDACTED or the customer has no address on the channel", () => {
    const consents = [optOut(NEWS, "2026-12-01T09:00:00Z"), optOut(TEXTS, "2026-12-01T09:00:00Z", APSIS_CHANNELS.sms)];
    expect(writeBacksOf({ consents, topics, written: optedIn, shopify: { email: { state: "UNSUBSCRIBED", updatedAt: null }, sms: { state: "REDACTED", updatedAt: null } } })).toEqual([]);
    expect(writeBacksOf({ consents, topics, written: optedIn, shopify: { email: null, sms: null } })).toEqual([]);
  });
});

describe("recordWriteBacks: what the link holds once Shopify took the write-back", () => {
  const customer = { email: "ann@example.com", phone: "+46701234567" };
  it("the opted-out topics become opt-out; settled only when every mapped topic of the channel is", () => {
    const one = recordWriteBacks({ written: optedIn, writeBacks: [{ channel: "email", topics: [NEWS], consentAt: new Date() }], customer, topics });
    expect(one.consent.email).toEqual({ address: "ann@example.com", topics: { [NEWS]: "opt-out", [OFFERS]: "opt-in" } });
    expect(one.consent.sms).toEqual(optedIn.sms);
    expect(one.settled).toBe(false);
    const both = recordWriteBacks({ written: optedIn, writeBacks: [{ channel: "email", topics: [NEWS, OFFERS], consentAt: new Date() }], customer, topics });
    expect(both.settled).toBe(true);
  });

  it("a channel the app never wrote gets the customer's current address", () => {
    const { consent } = recordWriteBacks({ written: null, writeBacks: [{ channel: "sms", topics: [TEXTS], consentAt: new Date() }], customer, topics });
    expect(consent).toEqual({ sms: { address: "+46701234567", topics: { [TEXTS]: "opt-out" } } });
  });
});
