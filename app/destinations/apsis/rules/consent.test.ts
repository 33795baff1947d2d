import { describe, expect, it } from "vitest";
import { EmailMarketingStateSchema, SmsMarketingStateSchema } from "../../../shopify/customer";
import {
  APSIS_CHANNELS,
  changedAddressChannels,
  changedConsentWrites,
  consentStateOf,
  consentTypeOf,
  consentWrites,
  mergedAwayWrites,
  parseConsentState,
  plannedConsentWrites,
  type ConsentWrite,
} from "./consent";
import type { ShopifyCustomer } from "../../../shopify/customer";
import { shopifyCustomer } from "../../../../tests/support/factories";

const topics = { email: ["topic.news", "topic.offers"], sms: ["topic.sms-offers"] };
/** The customer whose consent is written: the addresses and states the expectations name, unless a test changes them. */
const customer = (overrides: Partial<ShopifyCustomer> = {}) =>
  shopifyCustomer({ email: "ada@example.com", emailMarketingState: "SUBSCRIBED", phone: "+46701234567", smsMarketingState: "NOT_SUBSCRIBED", ...overrides });
const EXPECTED: Record<string, "opt-in" | "opt-out" | null> = {
  SUBSCRIBED: "opt-in",
  UNSUBSCRIBED: "opt-out",
  NOT_SUBSCRIBED: null,
  PENDING: null,
  INVALID: null,
  REDACTED: null,
};

describe("email consent: every Shopify email marketing state", () => {
  it.each(EmailMarketingStateSchema.options)("%s", (state) => {
    const c = customer({ emailMarketingState: state, phone: null, smsMarketingState: null });
    const writes = consentWrites({ customer: c, topics });
    const expected = EXPECTED[state];
    if (expected === null) {
      expect(writes).toEqual([]);
      return;
    }
    expect(writes).toEqual(
      topics.email.map((topic) => ({
        channel: "email",
        channelDiscriminator: APSIS_CHANNELS.email,
        topic,
        type: expected,
        address: "ada@example.com",
        reason: `Shopify email marketing state is ${state}`,
        shopify: { state, at: c.emailMarketingUpdatedAt },
      })),
    );
  });
});

describe("SMS consent: every Shopify SMS marketing state", () => {
  it.each(SmsMarketingStateSchema.options)("%s", (state) => {
    const writes = consentWrites({ customer: customer({ email: null, emailMarketingState: null, smsMarketingState: state, smsMarketingUpdatedAt: "2026-02-01T08:00:00Z" }), topics });
    const expected = EXPECTED[state];
    if (expected === null) {
      expect(writes).toEqual([]);
      return;
    }
    expect(writes).toEqual([
      { channel: "sms", channelDiscriminator: APSIS_CHANNELS.sms, topic: "topic.sms-offers", type: expected, address: "+46701234567", reason: `Shopify SMS marketing state is ${state}`, shopify: { state, at: "2026-02-01T08:00:00Z" } },
    ]);
  });
});

describe("the consent rules", () => {
  it("every state × channel: opt-in only ever from SUBSCRIBED", () => {
    for (const email of [...EmailMarketingStateSchema.options, null]) {
      for (const sms of [...SmsMarketingStateSchema.options, null]) {
        const c = customer({
          email: email ? "a@example.com" : null,
          emailMarketingState: email,
          phone: sms ? "+46700000000" : null,
          smsMarketingState: sms,
        });
        const writes = consentWrites({ customer: c, topics });
        const emailWrites = writes.filter((w) => w.channel === "email");
        const smsWrites = writes.filter((w) => w.channel === "sms");
        expect(emailWrites.map((w) => w.type)).toEqual(email && EXPECTED[email] ? topics.email.map(() => EXPECTED[email]) : []);
        expect(smsWrites.map((w) => w.type)).toEqual(sms && EXPECTED[sms] ? topics.sms.map(() => EXPECTED[sms]) : []);
        for (const w of writes) if (w.type === "opt-in") expect(w.channel === "email" ? email : sms).toBe("SUBSCRIBED");
      }
    }
  });

  it("no address, no write — whatever the state says", () => {
    expect(consentWrites({ customer: customer({ email: null, emailMarketingState: "SUBSCRIBED", phone: null, smsMarketingState: "SUBSCRIBED" }), topics })).toEqual([]);
  });

  it("no topic mapped for a channel: nothing written on it", () => {
    const writes = consentWrites({ customer: customer({ smsMarketingState: "SUBSCRIBED" }), topics: { email: [], sms: ["t.sms"] } });
    expect(writes.map((w) => [w.channel, w.topic, w.type])).toEqual([["sms", "t.sms", "opt-in"]]);
  });

  it("a topic listed twice is written once", () => {
    expect(consentWrites({ customer: customer(), topics: { email: ["t", "t"], sms: [] } })).toHaveLength(1);
  });

  it("consentTypeOf", () => {
    expect(consentTypeOf("SUBSCRIBED")).toBe("opt-in");
    expect(consentTypeOf("UNSUBSCRIBED")).toBe("opt-out");
    expect(consentTypeOf("PENDING")).toBeNull();
    expect(consentTypeOf(null)).toBeNull();
  });
});

describe("only what changed in Shopify is written again", () => {
  const writes = consentWrites({ customer: customer({ smsMarketingState: "UNSUBSCRIBED" }), topics });
  const state = consentStateOf(writes);

  it("keeps the address and each topic's type per channel, and round-trips as JSON", () => {
    expect(state).toEqual({
      email: { address: "ada@example.com", topics: { "topic.news": "opt-in", "topic.offers": "opt-in" } },
      sms: { address: "+46701234567", topics: { "topic.sms-offers": "opt-out" } },
    });
    expect(parseConsentState(JSON.stringify(state))).toEqual(state);
    expect(parseConsentState("not json")).toBeNull();
  });

  it("nothing written before: everything; the same again: nothing", () => {
    expect(changedConsentWrites(writes, null)).toEqual(writes);
    expect(changedConsentWrites(writes, state)).toEqual([]);
  });

  it("a changed state, a new topic or a new address is written; the rest is not", () => {
    const now = consentWrites({
      customer: customer({ email: "new@example.com", smsMarketingState: "SUBSCRIBED" }),
      topics: { email: ["topic.news", "topic.offers"], sms: ["topic.sms-offers"] },
    });
    expect(changedConsentWrites(now, state).map((w) => [w.channel, w.topic, w.type])).toEqual([
      ["email", "topic.news", "opt-in"],
      ["email", "topic.offers", "opt-in"],
      ["sms", "topic.sms-offers", "opt-in"],
    ]);
    const moreTopics = consentWrites({ customer: customer({ smsMarketingState: "UNSUBSCRIBED" }), topics: { ...topics, email: [...topics.email, "topic.third"] } });
    expect(changedConsentWrites(moreTopics, state).map((w) => w.topic)).toEqual(["topic.third"]);
  });
});

describe("an address change moves consent (plannedConsentWrites)", () => {
  const before = consentStateOf(consentWrites({ customer: customer({ email: "old@example.com", emailMarketingState: "SUBSCRIBED", phone: null }), topics }));
  const row = (w: ConsentWrite) => [w.address, w.topic, w.type, !!w.addressChange];
  const plan = (overrides: Parameters<typeof customer>[0], previous = before) => {
    const c = customer({ phone: null, smsMarketingState: null, ...overrides });
    const { release, writes } = plannedConsentWrites({ customer: c, writes: consentWrites({ customer: c, topics }), previous });
    return { release: release.map(row), writes: writes.map(row) };
  };
  const onBothTopics = (address: string, type: string, addressChange: boolean) => [
    [address, "topic.news", type, addressChange],
    [address, "topic.offers", type, addressChange],
  ];
  const releaseOld = onBothTopics("old@example.com", "opt-out", true);

  it("SUBSCRIBED new address: the old address is opted out first, then the new one opted in on every topic, nothing twice", () => {
    expect(plan({ email: "new@example.com", emailMarketingState: "SUBSCRIBED" })).toEqual({ release: releaseOld, writes: onBothTopics("new@example.com", "opt-in", true) });
  });

  it.each(["NOT_SUBSCRIBED", "PENDING", "INVALID"] as const)("%s new address: the old address is opted out, nothing is written for the new one", (state) => {
    expect(plan({ email: "new@example.com", emailMarketingState: state })).toEqual({ release: releaseOld, writes: [] });
  });

  it("UNSUBSCRIBED new address: the old address is opted out, and the new one gets its own opt-out", () => {
    expect(plan({ email: "new@example.com", emailMarketingState: "UNSUBSCRIBED" })).toEqual({ release: releaseOld, writes: onBothTopics("new@example.com", "opt-out", false) });
  });

  it("a change of letter case is not a change of address; no address means no move", () => {
    expect(changedAddressChannels(customer({ email: "OLD@example.com", phone: null }), before)).toEqual([]);
    expect(plan({ email: "OLD@example.com", emailMarketingState: "SUBSCRIBED" })).toEqual({ release: [], writes: [] });
    expect(plan({ email: null, emailMarketingState: null })).toEqual({ release: [], writes: [] });
  });

  it("topics only opted out before are not moved", () => {
    const optedOut = consentStateOf(consentWrites({ customer: customer({ email: "old@example.com", emailMarketingState: "UNSUBSCRIBED", phone: null }), topics }));
    expect(plan({ email: "new@example.com", emailMarketingState: "NOT_SUBSCRIBED" }, optedOut)).toEqual({ release: [], writes: [] });
  });
});

describe("a customer merged away in Shopify (mergedAwayWrites)", () => {
  it("opts out every topic the app opted them in to, on the address it was given for, and nothing else", () => {
    const previous = {
      email: { address: "old@example.com", topics: { "topic.news": "opt-in", "topic.offers": "opt-out" } },
      sms: { address: "+46700000001", topics: { "topic.sms-offers": "opt-in" } },
    } as const;
    const writes = mergedAwayWrites(previous, "gid://shopify/Customer/7");
    expect(writes.map(({ channel, topic, type, address }) => ({ channel, topic, type, address }))).toEqual([
      { channel: "email", topic: "topic.news", type: "opt-out", address: "old@example.com" },
      { channel: "sms", topic: "topic.sms-offers", type: "opt-out", address: "+46700000001" },
    ]);
    expect(writes.every((w) => w.reason.includes("Merged in Shopify into customer gid://shopify/Customer/7"))).toBe(true);
    expect(writes.map((w) => w.channelDiscriminator)).toEqual([APSIS_CHANNELS.email, APSIS_CHANNELS.sms]);
  });

  it("writes nothing for a customer the app never opted in", () => {
    expect(mergedAwayWrites(null, "gid://shopify/Customer/7")).toEqual([]);
    expect(mergedAwayWrites({ email: { address: "a@example.com", topics: { "topic.news": "opt-out" } } }, "gid://shopify/Customer/7")).toEqual([]);
  });
});
