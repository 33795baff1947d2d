import type { ErrorVerdict } from "../../../runs/batch-engine";
import { describe, expect, it } from "vitest";
import type { ShopifyCustomer } from "../../../shopify/customer";
import { SyncConditionsSchema } from "./conditions";
import type { ConsentState } from "./consent";
import {
  type FullSyncCheckpoint,
  type FullSyncCounters,
  type FullSyncEngineOptions,
  syncProfiles,
  type SectionPlan,
  type StoredLink,
  zeroFullSyncCounters,
} from "./profile-engine";
import { shopifyCustomer } from "../../../../tests/support/factories";

class Refused extends Error {}
class Down extends Error {}

const conditions = SyncConditionsSchema.parse([
  { section: "sweden", field: "country", operator: "equals", value: "SE" },
  { section: "global", field: "tags", operator: "contains", value: "vip" },
]);
const plan: SectionPlan = {
  attributes: [
    { field: "email", attribute: "email", attributeType: "text", versionId: "1" },
    { field: "number_of_orders", attribute: "orders", attributeType: "number", versionId: "2" },
  ],
  topics: { email: ["news"], sms: ["sms"] },
  refused: new Set(),
};
const sections = new Map([
  ["sweden", plan],
  ["global", plan],
]);

/** 30 customers: ids 100..129; every third is Norwegian without vip (skipped), states vary. */
function store(n = 30): ShopifyCustomer[] {
  const states = ["SUBSCRIBED", "UNSUBSCRIBED", "NOT_SUBSCRIBED", "PENDING", "INVALID"] as const;
  return Array.from({ length: n }, (_, i) =>
    shopifyCustomer({
      id: `gid://shopify/Customer/${100 + i}`,
      email: `c${i}@example.com`,
      phone: `+4670000${String(i).padStart(4, "0")}`,
      updatedAt: "2026-03-02T12:00:00Z",
      emailMarketingState: states[i % states.length],
      smsMarketingState: i % 4 === 0 ? "SUBSCRIBED" : "NOT_SUBSCRIBED",
      countryCode: i % 3 === 0 ? "NO" : i % 2 ? "SE" : "DE",
      country: null,
      tags: i % 2 === 0 && i % 3 !== 0 ? ["vip"] : [],
      numberOfOrders: i,
    }),
  );
}

/**
 * A fake APSIS account and ProfileLink table. `binding`: consent kept per profile (Consent 2.0) or per the
 * address the profile has when the consent is written (keys `section|channel|address|topic`).
 */
function world({ binding = "profile" }: { binding?: "profile" | "address" } = {}) {
  const profiles = new Map<string, { sections: Map<string, Record<string, unknown>>; consents: Map<string, string> }>();
  /** When each opt-out was made (key as in consents): the app's own at Shopify's consent time, or one set by optOutInApsis. */
  const optOutTimes = new Map<string, Date | null>();
  const links = new Map<string, Map<string, StoredLink>>();
  const events: { customerId: string; topic: string; type: string }[] = [];
  /** The same, with each one's result and reason (what the consent history records). */
  const history: { customerId: string; topic: string; type: string; result: string; reason: string }[] = [];
  /** Every write APSIS accepted, in order: ["attributes", key, email] or ["consent", key, address, topic, type]. */
  const calls: string[][] = [];
  let requests = 0;
  let failOn: ((key: string, what: string) => Error | null) | null = null;
  const writer: FullSyncEngineOptions["writer"] = {
    async writeAttributes({ profileKey, section, attributes }) {
      requests += 1;
      const error = failOn?.(profileKey, "attributes");
      if (error) throw error;
      await Promise.resolve();
      const p = profiles.get(profileKey) ?? { sections: new Map(), consents: new Map() };
      profiles.set(profileKey, p);
      p.sections.set(section, { ...(p.sections.get(section) ?? {}), ...attributes });
      calls.push(["attributes", profileKey, String(attributes.email)]);
    },
    async writeConsent({ profileKey, section, write }) {
      requests += 1;
      const error = failOn?.(profileKey, "consent");
      if (error) throw error;
      const p = profiles.get(profileKey)!;
      const address = write.channel === "email" ? String(p.sections.get(section)?.email) : "phone";
      const key = binding === "address" ? `${section}|${write.channel}|${address}|${write.topic}` : `${section}|${write.channel}|${write.topic}`;
      calls.push(["consent", profileKey, address, write.topic, write.type]);
      const before = p.consents.get(key);
      p.consents.set(key, write.type);
      if (write.type === "opt-out" && before !== "opt-out") optOutTimes.set(`${profileKey}|${key}`, write.shopify.at ? new Date(write.shopify.at) : null);
      return before === undefined ? "created" : before === write.type ? "unchanged" : "updated";
    },
    async optOuts({ profileKey, section }) {
      requests += 1;
      const p = profiles.get(profileKey);
      const out = new Map<string, { at: Date | null }>();
      for (const [key, type] of p?.consents ?? []) {
        const [inSection, channel, ...rest] = key.split("|");
        if (inSection !== section || type !== "opt-out" || binding === "address") continue;
        out.set(`${channel} ${rest.at(-1)}`, { at: optOutTimes.get(`${profileKey}|${key}`) ?? null });
      }
      return out;
    },
  };
  /** The person opts out in APSIS One (an unsubscribe link) at `at`. */
  const optOutInApsis = (profileKey: string, section: string, channel: string, topic: string, at: Date) => {
    const key = `${section}|${channel}|${topic}`;
    if (!profiles.has(profileKey)) profiles.set(profileKey, { sections: new Map([[section, {}]]), consents: new Map() });
    profiles.get(profileKey)!.consents.set(key, "opt-out");
    optOutTimes.set(`${profileKey}|${key}`, at);
  };
  const linkStore: FullSyncEngineOptions["links"] = {
    async find(ids) {
      return new Map(ids.filter((id) => links.has(id)).map((id) => [id, new Map(links.get(id))]));
    },
    async save({ customer: c, section, payloadHash, consent, consents }) {
      const byId = links.get(c.id) ?? new Map<string, StoredLink>();
      byId.set(section, { payloadHash, consent: consent as ConsentState, sourceUpdatedAt: new Date(c.updatedAt), lastSyncedAt: new Date() });
      links.set(c.id, byId);
      for (const { write, result } of consents) {
        if (result !== "left_alone") events.push({ customerId: c.id, topic: write.topic, type: write.type });
        history.push({ customerId: c.id, topic: write.topic, type: write.type, result, reason: write.reason });
      }
    },
    async recordConsents({ customer: c, consents }) {
      for (const { write, result } of consents) {
        if (result !== "left_alone") events.push({ customerId: c.id, topic: write.topic, type: write.type });
        history.push({ customerId: c.id, topic: write.topic, type: write.type, result, reason: write.reason });
      }
    },
  };
  return {
    profiles,
    links,
    events,
    history,
    calls,
    writer,
    linkStore,
    optOutInApsis,
    requests: () => requests,
    failWith: (f: typeof failOn) => (failOn = f),
  };
}

const classify = (error: unknown): ErrorVerdict => (error instanceof Refused ? { kind: "record", reason: error.message, response: null } : { kind: "stop" });

async function* from(customers: ShopifyCustomer[]) {
  for (const c of customers) yield c;
}

function run(w: ReturnType<typeof world>, customers: ShopifyCustomer[], extra: Partial<FullSyncEngineOptions> = {}) {
  const progress: { counters: FullSyncCounters; checkpoint: FullSyncCheckpoint | null }[] = [];
  const failures: { customerId: string; reason: string }[] = [];
  const result = syncProfiles({
    customers: from(customers),
    conditions,
    sections,
    keyspace: "ks",
    context: { timeZone: "UTC" },
    writer: w.writer,
    links: w.linkStore,
    classifyError: classify,
    onProgress: async (p) => void progress.push(p),
    onFailures: async (f) => void failures.push(...f),
    batchSize: 7,
    concurrency: 3,
    progressEveryRecords: 5,
    ...extra,
  });
  return { result, progress, failures };
}

const expectedSkipped = (customers: ShopifyCustomer[]) => customers.filter((c) => c.countryCode !== "SE" && !c.tags.includes("vip")).length;

describe("syncProfiles", () => {
  it("writes every matching customer once into its Section, skips the rest, counts exactly", async () => {
    const w = world();
    const customers = store();
    const { result, progress } = run(w, customers);
    const { counters, stoppedBy, checkpoint } = await result;
    const skipped = expectedSkipped(customers);
    expect(stoppedBy).toBeUndefined();
    expect(counters).toEqual({ ...zeroFullSyncCounters(), seen: 30, matched: 30 - skipped, created: 30 - skipped, skipped });
    expect(w.profiles.size).toBe(30 - skipped);
    expect(w.profiles.get("101")!.sections.get("sweden")).toEqual({ email: "c1@example.com", orders: 1 });
    expect(w.profiles.get("102")!.sections.get("global")).toEqual({ email: "c2@example.com", orders: 2 });
    // Consent: SUBSCRIBED → opt-in, UNSUBSCRIBED → opt-out, nothing else.
    expect(w.profiles.get("101")!.consents.get("sweden|email|news")).toBe("opt-out");
    expect(w.profiles.get("105")!.consents.get("sweden|email|news")).toBe("opt-in");
    expect(w.profiles.get("107")!.consents.has("sweden|email|news")).toBe(false);
    expect(checkpoint).toEqual({ afterId: "129", counters });
    expect(progress.at(-1)!.counters).toEqual(counters);
    expect((await result).halted).toBeUndefined();
  });

  it("a second run writes nothing: every matched customer is unchanged", async () => {
    const w = world();
    await run(w, store()).result;
    const before = w.requests();
    const { counters } = await run(w, store()).result;
    expect(w.requests()).toBe(before);
    expect(counters.unchanged).toBe(counters.matched);
    expect(counters.created + counters.updated).toBe(0);
  });

  it("a customer older than what was last written (a real-time write got there first) is left alone", async () => {
    const w = world();
    const newer = store().map((c) => ({ ...c, updatedAt: "2026-03-05T12:00:00Z", numberOfOrders: 50 }));
    await run(w, newer).result;
    const before = w.requests();
    // The same customers from an older export: nothing is written back over the newer state.
    const { counters } = await run(w, store()).result;
    expect(w.requests()).toBe(before);
    expect(counters.unchanged).toBe(counters.matched);
    expect(w.profiles.get("101")!.sections.get("sweden")).toMatchObject({ orders: 50 });
  });

  it("an email change moves consent from the old address to the new one", async () => {
    const w = world();
    await run(w, store()).result;
    const moved = store().map((c) => (c.id.endsWith("/105") ? { ...c, email: "c5.new@example.com" } : c));
    const { counters } = await run(w, moved).result;
    expect(counters).toMatchObject({ updated: 1, created: 0 });
    // 105 was SUBSCRIBED: the old address opted out, then the new one opted in, on the mapped topic.
    expect(w.events.slice(-2)).toEqual([
      { customerId: "gid://shopify/Customer/105", topic: "news", type: "opt-out" },
      { customerId: "gid://shopify/Customer/105", topic: "news", type: "opt-in" },
    ]);
    expect(w.profiles.get("105")!.consents.get("sweden|email|news")).toBe("opt-in");
  });

  const changeEmailOf105 = (state: "SUBSCRIBED" | "NOT_SUBSCRIBED" | "UNSUBSCRIBED") =>
    store().map((c) => (c.id.endsWith("/105") ? { ...c, email: "c5.new@example.com", emailMarketingState: state, updatedAt: "2026-03-03T12:00:00Z" } : c));

  it.each([
    ["profile", "SUBSCRIBED", "opt-in"],
    ["profile", "UNSUBSCRIBED", "opt-out"],
    ["profile", "NOT_SUBSCRIBED", undefined],
    ["address", "SUBSCRIBED", "opt-in"],
    ["address", "UNSUBSCRIBED", "opt-out"],
    ["address", "NOT_SUBSCRIBED", undefined],
  ] as const)("consent bound to the %s, new address %s: the old address opted out before the new one is written; the new one gets %s", async (binding, state, expected) => {
    const w = world({ binding });
    await run(w, store()).result;
    const from = w.calls.length;
    await run(w, changeEmailOf105(state)).result;
    const calls = w.calls.slice(from).filter(([, key]) => key === "105");
    // The opt-out is written while the profile still has the old address, then the new address goes on it.
    expect(calls.slice(0, 2)).toEqual([
      ["consent", "105", "c5@example.com", "news", "opt-out"],
      ["attributes", "105", "c5.new@example.com"],
    ]);
    // Written for the new address: exactly Shopify's consent for it (nothing for NOT_SUBSCRIBED).
    const forNew = calls.filter(([what, , address]) => what === "consent" && address === "c5.new@example.com").map(([, , , , type]) => type);
    expect(forNew).toEqual(expected ? [expected] : []);
    const consents = w.profiles.get("105")!.consents;
    if (binding === "address") {
      expect(consents.get("sweden|email|c5@example.com|news")).toBe("opt-out");
      expect(consents.get("sweden|email|c5.new@example.com|news")).toBe(expected);
    } else {
      // One consent per profile: the new address's, or (NOT_SUBSCRIBED) the old address's opt-out, never an opt-in.
      expect(consents.get("sweden|email|news")).toBe(expected ?? "opt-out");
    }
  });

  it("a failure after the new address is on the profile: the retry never opts the new address out", async () => {
    const w = world({ binding: "address" });
    await run(w, store()).result;
    let consentWrites105 = 0;
    // The old address's opt-out passes, the new address's opt-in fails (APSIS down).
    w.failWith((key, what) => (key === "105" && what === "consent" && ++consentWrites105 === 2 ? new Down("APSIS 503") : null));
    const from = w.calls.length;
    expect((await run(w, changeEmailOf105("SUBSCRIBED")).result).stoppedBy).toBeInstanceOf(Down);
    w.failWith(null);
    const { counters } = await run(w, changeEmailOf105("SUBSCRIBED")).result;
    expect(counters).toMatchObject({ updated: 1, failed: 0 });
    const consents = w.calls.slice(from).filter(([what, key]) => what === "consent" && key === "105");
    expect(consents).toEqual([
      ["consent", "105", "c5@example.com", "news", "opt-out"],
      ["consent", "105", "c5.new@example.com", "news", "opt-in"],
    ]);
    expect(w.profiles.get("105")!.consents.get("sweden|email|c5.new@example.com|news")).toBe("opt-in");
    expect(w.profiles.get("105")!.consents.get("sweden|email|c5@example.com|news")).toBe("opt-out");
    // A third run: unchanged.
    expect((await run(w, changeEmailOf105("SUBSCRIBED")).result).counters).toMatchObject({ updated: 0, unchanged: expect.any(Number) });
  });

  /** 105: Swedish, email SUBSCRIBED (opted in to "news" in Section sweden), moved by its country and tags. */
  const move105 = (change: Partial<ShopifyCustomer>) =>
    store().map((c) => (c.id.endsWith("/105") ? { ...c, ...change, updatedAt: "2026-03-03T12:00:00Z" } : c));

  it("a customer moved to another Section: opted out of the old Section's topics first, then written in the new one; the next run writes nothing", async () => {
    const w = world();
    await run(w, store()).result;
    const from = w.calls.length;
    const moved = move105({ countryCode: "DE", tags: ["vip"] });
    const { counters } = await run(w, moved).result;
    expect(counters).toMatchObject({ created: 1, updated: 0, failed: 0 });
    expect(w.calls.slice(from)).toEqual([
      ["consent", "105", "c5@example.com", "news", "opt-out"],
      ["attributes", "105", "c5@example.com"],
      ["consent", "105", "c5@example.com", "news", "opt-in"],
    ]);
    const consents = w.profiles.get("105")!.consents;
    expect(consents.get("sweden|email|news")).toBe("opt-out");
    expect(consents.get("global|email|news")).toBe("opt-in");
    // The old Section keeps its attributes; its link says what APSIS holds there now.
    expect(w.profiles.get("105")!.sections.get("sweden")).toEqual({ email: "c5@example.com", orders: 5 });
    expect(w.links.get("gid://shopify/Customer/105")!.get("sweden")!.consent).toEqual({ email: { address: "c5@example.com", topics: { news: "opt-out" } } });

    const before = w.requests();
    const again = await run(w, moved).result;
    expect(w.requests()).toBe(before);
    expect(again.counters.unchanged).toBe(again.counters.matched);
  });

  it("a customer the conditions no longer match: opted out where the app opted them in, counted skipped, nothing written again", async () => {
    const w = world();
    await run(w, store()).result;
    const from = w.calls.length;
    const gone = move105({ countryCode: "NO" });
    const { counters } = await run(w, gone).result;
    expect(counters).toMatchObject({ skipped: expectedSkipped(gone), created: 0, updated: 0, failed: 0 });
    expect(w.calls.slice(from)).toEqual([["consent", "105", "c5@example.com", "news", "opt-out"]]);
    expect(w.events.at(-1)).toEqual({ customerId: "gid://shopify/Customer/105", topic: "news", type: "opt-out" });

    const before = w.requests();
    await run(w, gone).result;
    expect(w.requests()).toBe(before);
  });

  it("a customer with only opt-outs leaving every Section: nothing is written", async () => {
    const w = world();
    await run(w, store()).result;
    const from = w.calls.length;
    // 101 is Swedish and UNSUBSCRIBED: its Section holds an opt-out, no opt-in to withdraw.
    await run(w, store().map((c) => (c.id.endsWith("/101") ? { ...c, countryCode: "NO" } : c))).result;
    expect(w.calls.slice(from)).toEqual([]);
  });

  it("a stale Shopify SUBSCRIBED never overwrites a newer APSIS opt-out; it is asked again each run, and a newer consent is written", async () => {
    const w = world();
    // The person opted out in APSIS One (before the app ever wrote them) after Shopify's consent.
    w.optOutInApsis("105", "sweden", "email", "news", new Date("2026-03-01T00:00:00Z"));
    const stale = (c: ShopifyCustomer) => (c.id.endsWith("/105") ? { ...c, emailMarketingUpdatedAt: "2026-02-01T00:00:00Z" } : c);
    const first = await run(w, store().map(stale)).result;
    expect(first.counters).toMatchObject({ leftAlone: 1 });
    expect(w.profiles.get("105")!.consents.get("sweden|email|news")).toBe("opt-out");
    expect(w.calls.filter(([what, key]) => what === "consent" && key === "105")).toEqual([]);
    expect(w.history.filter((h) => h.customerId.endsWith("/105"))).toEqual([
      {
        customerId: "gid://shopify/Customer/105",
        topic: "news",
        type: "opt-in",
        result: "left_alone",
        reason: "left alone: APSIS One's opt-out at 2026-03-01T00:00:00.000Z is newer than Shopify's consent at 2026-02-01T00:00:00.000Z",
      },
    ]);
    // The link says what APSIS holds: the next run asks again (not "unchanged") and still leaves it alone.
    expect(w.links.get("gid://shopify/Customer/105")!.get("sweden")!.consent).toMatchObject({ email: { topics: { news: "opt-out" } } });
    const second = await run(w, store().map(stale)).result;
    expect(second.counters).toMatchObject({ leftAlone: 1, unchanged: first.counters.matched - 1 });
    expect(w.profiles.get("105")!.consents.get("sweden|email|news")).toBe("opt-out");
    // Shopify records a consent after the opt-out: it is written.
    const fresh = store().map((c) => (c.id.endsWith("/105") ? { ...c, emailMarketingUpdatedAt: "2026-03-05T00:00:00Z", updatedAt: "2026-03-05T00:00:00Z" } : c));
    const third = await run(w, fresh).result;
    expect(third.counters).toMatchObject({ leftAlone: 0, updated: 1 });
    expect(w.profiles.get("105")!.consents.get("sweden|email|news")).toBe("opt-in");
    expect(w.history.at(-1)).toMatchObject({ type: "opt-in", result: "updated" });
  });

  it("a customer back in a Section they left is opted in again there (Shopify still says SUBSCRIBED)", async () => {
    const w = world();
    await run(w, store()).result;
    await run(w, move105({ countryCode: "NO" })).result;
    expect(w.profiles.get("105")!.consents.get("sweden|email|news")).toBe("opt-out");
    const { counters } = await run(w, move105({ countryCode: "SE", updatedAt: "2026-03-04T12:00:00Z" })).result;
    expect(counters).toMatchObject({ updated: 1 });
    expect(w.profiles.get("105")!.consents.get("sweden|email|news")).toBe("opt-in");
  });

  it("a failed opt-out in the Section left is retried by the next run; the new Section is not written before it", async () => {
    const w = world();
    await run(w, store()).result;
    w.failWith((key, what) => (key === "105" && what === "consent" ? new Down("APSIS 503") : null));
    const moved = move105({ countryCode: "DE", tags: ["vip"] });
    const from = w.calls.length;
    expect((await run(w, moved).result).stoppedBy).toBeInstanceOf(Down);
    expect(w.calls.slice(from).filter(([, key]) => key === "105")).toEqual([]);
    w.failWith(null);
    expect((await run(w, moved).result).counters).toMatchObject({ created: 1, failed: 0 });
    expect(w.profiles.get("105")!.consents.get("sweden|email|news")).toBe("opt-out");
    expect(w.profiles.get("105")!.consents.get("global|email|news")).toBe("opt-in");
  });

  it("a changed customer is updated; only consents that changed in Shopify are written again", async () => {
    const w = world();
    await run(w, store()).result;
    const changed = store().map((c) => (c.id.endsWith("/105") ? { ...c, emailMarketingState: "UNSUBSCRIBED" as const } : c.id.endsWith("/101") ? { ...c, numberOfOrders: 99 } : c));
    const events = w.events.length;
    const { counters } = await run(w, changed).result;
    expect(counters).toMatchObject({ updated: 2, created: 0 });
    expect(w.profiles.get("105")!.consents.get("sweden|email|news")).toBe("opt-out");
    expect(w.profiles.get("101")!.sections.get("sweden")).toMatchObject({ orders: 99 });
    // 105's email opt-out only; 101's consent did not change, so none was re-sent.
    expect(w.events.slice(events)).toEqual([{ customerId: "gid://shopify/Customer/105", topic: "news", type: "opt-out" }]);
  });

  it("a refused profile is recorded with the reason and not linked; the others carry on", async () => {
    const w = world();
    w.failWith((key, what) => (key === "104" && what === "consent" ? new Refused("Bad Request: topic is not on this channel") : null));
    const { result, failures } = run(w, store());
    const { counters } = await result;
    expect(counters.failed).toBe(1);
    expect(failures).toEqual([expect.objectContaining({ customerId: "gid://shopify/Customer/104", reason: expect.stringContaining("topic is not on this channel") })]);
    expect(w.links.has("gid://shopify/Customer/104")).toBe(false);
    expect(counters.created).toBe(counters.matched - 1);
  });

  it("a topic APSIS refused is written first: a customer it refuses again has no other consent written, and each failure says what landed", async () => {
    const w = world();
    // "promo" takes SMS only in APSIS, but it is mapped under Email after "news".
    const refused = new Set<string>();
    const promo: SectionPlan = { ...plan, topics: { email: ["news", "promo"], sms: [] }, refused };
    w.failWith((_key, what) => (what === "consent" && consentTopic === "promo" ? new Refused("Bad Request: Topic 'promo' takes consent on com.apsis1.channels.sms only") : null));
    let consentTopic = "";
    const writer = { ...w.writer, writeConsent: (work: Parameters<typeof w.writer.writeConsent>[0]) => ((consentTopic = work.write.topic), w.writer.writeConsent(work)) };
    const matched = (c: ShopifyCustomer) => c.countryCode === "SE" || c.tags.includes("vip");
    const customers = store().filter((c) => matched(c) && (c.emailMarketingState === "SUBSCRIBED" || c.emailMarketingState === "UNSUBSCRIBED"));
    // The first customer: "news" lands before APSIS refuses "promo" (the writer then learns the refusal).
    const first = run(w, customers.slice(0, 1), { sections: new Map([["sweden", promo], ["global", promo]]), writer, concurrency: 1 });
    await first.result;
    expect(first.failures[0].reason).toMatch(/^writing email consent \(opt-\w+\) to topic promo failed \(already written for this customer: email opt-\w+ to news\): Bad Request: Topic 'promo' takes consent on com.apsis1.channels.sms only/);
    refused.add("email promo");
    // The others: "promo" goes first and is refused; "news" is never written for them.
    const others = customers.slice(1);
    const rest = run(w, customers.slice(1), { sections: new Map([["sweden", promo], ["global", promo]]), writer });
    expect((await rest.result).counters.failed).toBe(others.length);
    for (const failure of rest.failures) expect(failure.reason).toContain("to topic promo failed (no other consent written for this customer)");
    for (const c of others) expect([...w.profiles.get(c.id.split("/").pop()!)!.consents.keys()]).toEqual([]);
    expect(w.calls.filter(([call, key, , topic]) => call === "consent" && topic === "news" && key !== customers[0].id.split("/").pop())).toEqual([]);
  });

  it("stopped mid-way and resumed from its checkpoint: same final state, exact counters, nothing linked that was not written", async () => {
    const clean = world();
    const { counters: cleanCounters } = await run(clean, store()).result;

    const w = world();
    let writes = 0;
    w.failWith(() => (++writes > 20 ? new Down("APSIS 503") : null));
    const first = run(w, store());
    const stopped = await first.result;
    expect(stopped.stoppedBy).toBeInstanceOf(Down);
    // Every link is backed by a written profile.
    for (const id of w.links.keys()) expect(w.profiles.has(id.split("/").pop()!)).toBe(true);
    const saved = first.progress.map((p) => p.checkpoint).filter((c): c is FullSyncCheckpoint => c !== null).at(-1)!;
    expect(Number(saved.afterId)).toBeLessThan(129);

    w.failWith(null);
    const rest = store().filter((c) => Number(c.id.split("/").pop()) > Number(saved.afterId));
    const resumed = await run(w, rest, { resumeFrom: saved }).result;
    expect(resumed.stoppedBy).toBeUndefined();
    // Customers written after the checkpoint but before the stop are found unchanged, not written twice.
    expect(resumed.counters.created + resumed.counters.unchanged).toBe(cleanCounters.created);
    expect({ ...resumed.counters, created: 0, unchanged: 0 }).toEqual({ ...cleanCounters, created: 0, unchanged: 0 });
    expect([...w.profiles.entries()].map(([k, p]) => [k, [...p.sections], [...p.consents]]).sort()).toEqual(
      [...clean.profiles.entries()].map(([k, p]) => [k, [...p.sections], [...p.consents]]).sort(),
    );
  });

  it("shouldStop stops before the next write, leaving the unwritten after the checkpoint", async () => {
    const w = world();
    let n = 0;
    const { result } = run(w, store(), { shouldStop: () => ++n > 10 });
    const { counters, stoppedBy, checkpoint, halted } = await result;
    expect(stoppedBy).toBeUndefined();
    expect(halted).toBe(true);
    expect(counters.seen).toBeLessThan(30);
    expect(Number(checkpoint!.afterId)).toBeLessThan(129);
  });

  it("ids out of order: the checkpoint stops moving", async () => {
    const w = world();
    const customers = store(14);
    const shuffled = [...customers.slice(7), ...customers.slice(0, 7)];
    const { checkpoint } = await run(w, shuffled).result;
    expect(checkpoint!.afterId).toBe("113");
  });

  it("customers without email or phone are still synced (the key is the customer id), with no consent", async () => {
    const w = world();
    const bare = shopifyCustomer({ id: "gid://shopify/Customer/5", email: null, emailMarketingState: null, phone: null, smsMarketingState: null, countryCode: "SE", numberOfOrders: 3 });
    const { counters } = await run(w, [bare]).result;
    expect(counters.created).toBe(1);
    expect(w.profiles.get("5")!.consents.size).toBe(0);
    expect(w.profiles.get("5")!.sections.get("sweden")).toEqual({ email: null, orders: 3 });
  });

  it("a database failure (not an APSIS answer) is thrown after the writes in flight land", async () => {
    const w = world();
    const save = w.linkStore.save;
    let saves = 0;
    w.linkStore.save = async (link) => {
      if (++saves === 5) throw new Error("database is locked");
      return save(link);
    };
    await expect(run(w, store()).result).rejects.toThrow("database is locked");
  });
});
