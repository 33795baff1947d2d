/**
 * Full Sync end to end: the real worker reads the Shopify sandbox and writes to the APSIS sandbox over HTTP;
 * the outcome is checked where a merchant would look — the profiles, their Section, attributes and consent in
 * APSIS, and the run's counters — against what the seeded store must produce.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import {
  configureDemo,
  connectDemo,
  DEMO,
  demoDefinitions,
  expectedFullSync,
  expectProfileInApsis,
  type ExpectedProfile,
  setUpShop,
  type Stack,
  startStack,
  type Store,
  waitForRun,
  writeRequests,
} from "./stack";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-full.myshopify.com", customers: 300, seed: 41, ianaTimezone: "Europe/Stockholm" };

let stack: Stack;
let shop: ShopContext;
let shopId: string;
let names: Awaited<ReturnType<typeof demoDefinitions>>;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE] });
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
  names = await demoDefinitions(stack, shop);
});

afterAll(async () => {
  await stack?.close();
});

async function fullSyncAndWait() {
  const { runId, alreadyRunning } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
  expect(alreadyRunning).toBe(false);
  return waitForRun(stack, runId);
}

const sectionName = (discriminator: string) => (discriminator === DEMO.swedenSection ? "Sweden" : "Global");
const expectProfile = (expected: ExpectedProfile) => expectProfileInApsis(stack, names, STORE, expected);

describe("Full Sync of a seeded store", () => {
  const expected = expectedFullSync(STORE);

  it("every customer matching a condition has exactly one profile, in the right Section, with the mapped attributes and Shopify's consent", async () => {
    expect(expected.matched).toBeGreaterThan(50);
    expect(expected.skipped).toBeGreaterThan(50);
    expect(expected.profiles.some((p) => p.section === DEMO.globalSection)).toBe(true);

    const run = await fullSyncAndWait();
    expect(run).toMatchObject({ status: "succeeded", destination: "apsis", kind: "full_sync", trigger: "on_demand", errorMessage: null });
    expect(run).toMatchObject({ total: STORE.customers, seen: STORE.customers, matched: expected.matched, created: expected.matched, updated: 0, unchanged: 0 });
    expect(run).toMatchObject({ skipped: expected.skipped, failed: 0 });

    // Exactly the matching customers, one profile each, keyed by the numeric customer id.
    const profiles = stack.demo.profiles();
    expect(profiles.map((p) => p.profileKey).sort()).toEqual(expected.profiles.map((p) => p.profileKey).sort());
    expect(new Set(profiles.map((p) => p.keyspace))).toEqual(new Set([DEMO.shopifyKeyspace]));
    for (const p of expected.profiles) expectProfile(p);

    // No profile is opted in without a Shopify SUBSCRIBED state on that channel.
    for (const profile of profiles) {
      const seed = expected.profiles.find((p) => p.profileKey === profile.profileKey)!.customer;
      for (const consent of Object.values(profile.sections).flatMap((s) => s.consents)) {
        if (consent.type !== "opt-in") continue;
        const state = consent.channel === "com.apsis1.channels.sms" ? seed.phone?.marketingState : seed.email?.marketingState;
        expect(state).toBe("SUBSCRIBED");
      }
    }
    // Somebody of every kind was there.
    expect(expected.profiles.filter((p) => p.email === "opt-in").length).toBeGreaterThan(10);
    expect(expected.profiles.filter((p) => p.email === "opt-out").length).toBeGreaterThan(5);
    expect(expected.profiles.filter((p) => p.email === null).length).toBeGreaterThan(10);
    expect(expected.profiles.filter((p) => p.sms === "opt-in").length).toBeGreaterThan(5);

    // What is recorded: one link per synced customer, every consent write with its source, last full sync time.
    const db = stack.app.db.getDb();
    const links = await db.profileLink.findMany({ where: { shopId, destination: "apsis" } });
    expect(links.map((l) => l.customerId).sort()).toEqual(expected.profiles.map((p) => p.gid).sort());
    expect(links.every((l) => l.target === `section:${expected.profiles.find((p) => p.gid === l.customerId)!.section}` && l.destinationId === l.customerId.split("/").pop())).toBe(true);
    const events = await db.consentEvent.findMany({ where: { shopId, destination: "apsis" } });
    const writes = expected.profiles.reduce((n, p) => n + (p.email ? 2 : 0) + (p.sms ? 1 : 0), 0);
    expect(events).toHaveLength(writes);
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(["full_sync"]));
    expect(events.filter((e) => e.type === "opt_in").every((e) => expected.profiles.find((p) => p.gid === e.customerId)![e.channel as "email" | "sms"] === "opt-in")).toBe(true);

    const status = await stack.app.fullSync.getFullSyncStatus({ shop });
    expect(status.activeRun).toBeNull();
    expect(status.lastRun).toMatchObject({ id: run.id, status: "succeeded", created: expected.matched, progress: 1, failures: [] });
    expect(status.lastFullSyncAt?.getTime()).toBe(run.finishedAt!.getTime());
    expect(status.timeZone).toBe(STORE.ianaTimezone);
    expect(await stack.app.connection.getApsisConnection({ shop })).toMatchObject({ connected: true, lastFullSyncAt: run.finishedAt });
    // The client kept to the account's limits.
    expect(stack.demo.stats().status429).toBeLessThanOrEqual(3);
  });

  it("a second Full Sync writes nothing: only reads reach APSIS", async () => {
    const before = stack.demo.stats();
    const run = await fullSyncAndWait();
    const after = stack.demo.stats();
    expect(run).toMatchObject({ status: "succeeded", matched: expected.matched, unchanged: expected.matched, created: 0, updated: 0, failed: 0, skipped: expected.skipped });
    const delta = Object.fromEntries(Object.entries(after.byEndpoint).map(([k, n]) => [k, n - (before.byEndpoint[k] ?? 0)]).filter(([, n]) => n !== 0));
    expect(writeRequests(delta)).toBe(0);
    // The job's definitions reads only (one attributes listing per Section).
    expect(after.requests - before.requests).toBeLessThanOrEqual(4);
  });

  it("the page asks for a Full Sync once the conditions or mappings changed after the last one, and not for the same set-up saved again", async () => {
    const asks = async () => (await stack.app.fullSync.getFullSyncStatus({ shop })).setupChangedSinceFullSync;
    expect(await asks()).toBe(false);
    await configureDemo(stack, shop);
    expect(await asks()).toBe(false);
    const sweden = names.section("Sweden");
    const narrower = await stack.app.mapping.saveConsentMappings({ shop, section: sweden.discriminator, email: [names.topic("Sweden", "Newsletter")], sms: [] });
    expect(narrower.ok).toBe(true);
    expect(await asks()).toBe(true);
    // Saved back as it was: the last Full Sync ran with exactly this, nothing to ask.
    await configureDemo(stack, shop);
    expect(await asks()).toBe(false);
    const conditions = await stack.app.mapping.saveSyncConditions({ shop, conditions: [{ section: DEMO.swedenSection, field: "country", operator: "equals", value: "SE" }] });
    expect(conditions.ok).toBe(true);
    expect(await asks()).toBe(true);
    await configureDemo(stack, shop);
  });

  it("customers changed in Shopify are updated: new values, a new opt-out, a new opt-in; the rest unchanged", async () => {
    const store = stack.shopify.store(STORE.domain);
    const subscribed = expected.profiles.find((p) => p.email === "opt-in")!;
    const silent = expected.profiles.find((p) => p.email === null && p.customer.email !== null && p.customer.email.marketingState === "NOT_SUBSCRIBED")!;
    const renamed = expected.profiles.find((p) => p !== subscribed && p !== silent)!;
    store.updateCustomer(subscribed.customer.id, { email: { ...subscribed.customer.email!, marketingState: "UNSUBSCRIBED" } });
    store.updateCustomer(silent.customer.id, { email: { ...silent.customer.email!, marketingState: "SUBSCRIBED" } });
    store.updateCustomer(renamed.customer.id, { firstName: "Zelda" });
    const eventsBefore = await stack.app.db.getDb().consentEvent.count();
    const writesBefore = writeRequests(stack.demo.stats().byEndpoint);

    const run = await fullSyncAndWait();
    expect(run).toMatchObject({ status: "succeeded", updated: 3, created: 0, unchanged: expected.matched - 3, failed: 0 });
    const now = expectedFullSync(STORE, (i) => store.getCustomer(seedCustomer(STORE.seed, i).id)!);
    for (const gid of [subscribed.gid, silent.gid, renamed.gid]) expectProfile(now.profiles.find((p) => p.gid === gid)!);
    expect(stack.demo.profile(DEMO.shopifyKeyspace, renamed.profileKey)!.sections[renamed.section].attributes[names.attribute(sectionName(renamed.section), "First name")]).toBe("Zelda");
    // Only what changed went out: two consents on each of the two changed customers (Newsletter + Offers)
    // and three attribute writes (the "Shopify updated at" attribute changed on all three).
    expect(writeRequests(stack.demo.stats().byEndpoint) - writesBefore).toBe(3 + 4);
    const newEvents = await stack.app.db.getDb().consentEvent.findMany({ skip: eventsBefore, orderBy: { createdAt: "asc" } });
    expect(newEvents.map((e) => [e.customerId, e.type]).sort()).toEqual(
      [
        [subscribed.gid, "opt_out"],
        [subscribed.gid, "opt_out"],
        [silent.gid, "opt_in"],
        [silent.gid, "opt_in"],
      ].sort(),
    );
  });

  it("one Full Sync per shop: two clicks make one run", async () => {
    // The queue is paused so the first run is still queued when the second click is served (a store this
    // small is synced faster than the second click waits for the start lock).
    const queue = stack.app.queues.getQueue("sync");
    await queue.pause();
    let a, b;
    try {
      [a, b] = await Promise.all([
        stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" }),
        stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" }),
      ]);
    } finally {
      await queue.resume();
    }
    expect(a.runId).toBe(b.runId);
    expect([a.alreadyRunning, b.alreadyRunning].sort()).toEqual([false, true]);
    expect((await waitForRun(stack, a.runId)).status).toBe("succeeded");
  });

  it("a customer APSIS refuses is counted failed with APSIS's reason, not linked, and the others are unaffected", async () => {
    // A last order in year 0 gives a "Last order date" APSIS does not accept as a calendar date (400).
    const store = stack.shopify.store(STORE.domain);
    const victim = expected.profiles.find((p) => p.customer.lastOrder !== null)!;
    const original = store.getCustomer(victim.customer.id)!;
    store.updateCustomer(victim.customer.id, { lastOrder: { ...original.lastOrder!, createdAt: "0000-01-01T00:00:00Z" } });
    try {
      const run = await fullSyncAndWait();
      expect(run).toMatchObject({ status: "succeeded", failed: 1, updated: 0, unchanged: expected.matched - 1 });
      const status = await stack.app.fullSync.getFullSyncStatus({ shop });
      expect(status.lastRun!.failures).toEqual([
        expect.objectContaining({ customerId: victim.gid, email: original.email?.address ?? null, reason: expect.stringContaining("not a valid date value") }),
      ]);
      expect(JSON.parse(status.lastRun!.failures[0].response!)).toMatchObject({ status: 400 });
      // The link still holds what was last written successfully (the old hash), so the next sync tries again.
      const link = await stack.app.db.getDb().profileLink.findFirst({ where: { shopId, customerId: victim.gid } });
      expect(link!.lastSyncedAt.getTime()).toBeLessThan(run.startedAt!.getTime());
    } finally {
      store.updateCustomer(victim.customer.id, { lastOrder: original.lastOrder });
    }
  });

  it("a topic APSIS refuses on the channel it is mapped under: recorded on the mapping in APSIS's words, kept by a save, gone once APSIS takes it", async () => {
    const sweden = names.section("Sweden").discriminator;
    const smsOffers = names.topic("Sweden", "SMS offers");
    const email = [names.topic("Sweden", "Newsletter"), names.topic("Sweden", "Offers"), smsOffers];
    // Swedes with an email consent to write, as the store is now (the tests above changed some customers).
    const store = stack.shopify.store(STORE.domain);
    const concerned = expected.profiles.filter((p) => {
      const now = store.getCustomer(p.customer.id)!;
      return p.section === DEMO.swedenSection && now.email !== null && ["SUBSCRIBED", "UNSUBSCRIBED"].includes(now.email.marketingState);
    });
    expect(concerned.length).toBeGreaterThan(0);
    try {
      // SMS offers takes consent on SMS only; mapped under Email as well, its email consent is refused.
      expect((await stack.app.mapping.saveConsentMappings({ shop, section: sweden, email, sms: [smsOffers] })).ok).toBe(true);
      const run = await fullSyncAndWait();
      expect(run).toMatchObject({ status: "succeeded", failed: concerned.length, updated: 0 });
      const refusal = { channel: "email", topic: smsOffers, at: expect.any(String), message: `Bad Request: Topic '${smsOffers}' takes consent on com.apsis1.channels.sms only` };
      expect((await stack.app.mapping.getApsisMappings({ shop })).refusals).toEqual({ [sweden]: [refusal] });
      const status = await stack.app.fullSync.getFullSyncStatus({ shop });
      expect(status.lastRun!.failures[0].reason).toMatch(new RegExp(`^writing email consent \\(opt-(in|out)\\) to topic ${smsOffers} failed \\(no other consent written for this customer\\)`));

      // Saved again as it is: APSIS has not taken it yet, so the refusal stays.
      expect((await stack.app.mapping.saveConsentMappings({ shop, section: sweden, email, sms: [smsOffers] })).ok).toBe(true);
      expect((await stack.app.mapping.getApsisMappings({ shop })).refusals).toEqual({ [sweden]: [refusal] });

      // The topic changed in APSIS One to take consent on any channel: the next write lands and the refusal goes.
      stack.demo.setTopicChannel({ section: sweden, topic: smsOffers, channel: null });
      const again = await fullSyncAndWait();
      expect(again).toMatchObject({ status: "succeeded", failed: 0, updated: concerned.length });
      expect((await stack.app.mapping.getApsisMappings({ shop })).refusals).toEqual({});
    } finally {
      stack.demo.setTopicChannel({ section: sweden, topic: smsOffers, channel: "com.apsis1.channels.sms" });
      await configureDemo(stack, shop);
    }
  });
});

describe("an uninvited shop", () => {
  it("cannot start a Full Sync nor read its status", async () => {
    // The services take a context, and only the gate makes one: resolving the shop is what refuses it.
    const asStranger = <T>(call: (stranger: ShopContext) => Promise<T>) => stack.app.shops.resolveShopContext({ shop: "stranger.myshopify.com" }).then(call);
    await expect(asStranger((stranger) => stack.app.fullSync.startFullSync({ shop: stranger, trigger: "ops" }))).rejects.toMatchObject({ name: "ShopNotInvitedError" });
    await expect(asStranger((stranger) => stack.app.fullSync.getFullSyncStatus({ shop: stranger }))).rejects.toMatchObject({ name: "ShopNotInvitedError" });
  });
});
