/**
 * The Subscriber counts page (agreement report) as the browser meets it: its loaders called with requests
 * authenticated as App Bridge does it, against the Shopify sandbox over HTTP and this file's database. APSIS One
 * profiles come from a real Full Sync through the APSIS sandbox; Adestra's list and unsub list are seeded as
 * a send leaves them. Expectations come from the seed: the counts, then — after consent changes made in
 * Shopify and never synced — exactly the changed customers as the ones that differ. Another shop's links,
 * written for the very same customer ids, never count.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerGid, type SandboxCustomer } from "../../../sandbox/shopify/customer";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import { mintSessionToken } from "../../../sandbox/shopify/tokens";
import type { AgreementCardView, AgreementPageView, DriftPageView } from "../../../app/components/agreement";
import type { ShopContext } from "../../../app/models/shop.server";
import { configureDemo, connectDemo, expectedFullSync, expectedSection, seededProfileLink, setUpShop, startStack, type Stack, type Store, waitForRun } from "../apsis/stack";

const A: Store = { domain: "agreement-a.myshopify.com", customers: 80, seed: 61, ianaTimezone: "Europe/Stockholm" };
const B: Store = { domain: "agreement-b.myshopify.com", customers: 12, seed: 62, ianaTimezone: "America/New_York" };
const APP = "http://127.0.0.1:3000";
const LIST = "list:12";
const UNSUB = "unsub:7";

let stack: Stack;
let shopA: ShopContext;
let shopB: ShopContext;
let routes: { page: typeof import("../../../app/routes/app.agreement"); customers: typeof import("../../../app/routes/app.agreement.customers") };
let service: typeof import("../../../app/services/agreement.server");

const seeded = (store: Store) => Array.from({ length: store.customers }, (_, i) => seedCustomer(store.seed, i));
const emailState = (c: SandboxCustomer) => c.email?.marketingState ?? null;
const ofState = (customers: SandboxCustomer[], state: string) => customers.filter((c) => emailState(c) === state);

function embedded(shop: string, path: string) {
  const token = mintSessionToken({ shop, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
  return { request: new Request(`${APP}${path}`, { headers: { Authorization: `Bearer ${token}` } }), params: {}, context: {} };
}

async function report(shop: string): Promise<AgreementPageView> {
  const response = await routes.page.loader(embedded(shop, "/app/agreement"));
  return (await response.json()).view as AgreementPageView;
}

async function drift(shop: string, destination: string, state: string): Promise<DriftPageView> {
  const response = await routes.customers.loader(embedded(shop, `/app/agreement/customers?destination=${destination}&state=${state}`));
  expect(response.status).toBe(200);
  return ((await response.json()) as { drift: DriftPageView }).drift;
}

function destinationOf(page: AgreementPageView, name: string): AgreementCardView {
  const found = page.destinations.find((d) => d.destination === name);
  if (!found) throw new Error(`no ${name} card`);
  return found;
}

const rowsOf = (agreement: AgreementCardView) => Object.fromEntries(agreement.rows.map((r) => [r.key, { shopify: r.shopify, written: r.written, difference: r.difference }]));

/** Adestra as a send with "Email subscribers only" leaves it: subscribers on the list, unsubscribed addresses on the unsub list. */
function adestraLinks(shopId: string, customers: SandboxCustomer[], at: Date) {
  return customers.flatMap((c) => {
    const state = emailState(c);
    const link = (target: string) => ({ shopId, destination: "adestra", target, customerId: customerGid(c.id), email: c.email!.address, payloadHash: "seeded", lastSyncedAt: at });
    return state === "SUBSCRIBED" ? [link(LIST)] : state === "UNSUBSCRIBED" ? [link(UNSUB)] : [];
  });
}

/** The customers a change picks: the first `count` in a Section (so APSIS has a profile) with the state. */
const inSectionWith = (customers: SandboxCustomer[], state: string, count: number) => customers.filter((c) => expectedSection(c) && emailState(c) === state).slice(0, count);

let changedToUnsubscribed: SandboxCustomer[];
let changedToSubscribed: SandboxCustomer[];

beforeAll(async () => {
  stack = await startStack({ stores: [A, B] });
  shopA = await setUpShop(stack, A);
  shopB = await setUpShop(stack, B);
  routes = { page: await import("../../../app/routes/app.agreement"), customers: await import("../../../app/routes/app.agreement.customers") };
  service = await import("../../../app/services/agreement.server");

  await connectDemo(stack, shopA);
  await configureDemo(stack, shopA);
  const { runId } = await stack.app.fullSync.startFullSync({ shop: shopA, trigger: "on_demand" });
  expect(await waitForRun(stack, runId)).toMatchObject({ status: "succeeded" });

  const db = stack.app.db.getDb();
  const at = new Date("2026-11-02T08:00:00Z");
  await db.profileLink.createMany({ data: adestraLinks(shopA.id, seeded(A), at) });
  // Shop B: links for A's own customer ids, claiming the opposite of everything, and for B's customers.
  const opposite = seeded(A).map((c) =>
    seededProfileLink({ shopId: shopB.id, customerId: customerGid(c.id), section: "elsewhere", consent: { email: { address: "x@example.com", topics: { t: emailState(c) === "UNSUBSCRIBED" ? "opt-in" : "opt-out" } } }, lastSyncedAt: at }),
  );
  await db.profileLink.createMany({ data: [...opposite, ...adestraLinks(shopB.id, seeded(A), at).map((l) => ({ ...l, target: l.target === LIST ? UNSUB : LIST }))] });
});

afterAll(async () => {
  await stack?.close();
});

describe("the counts", () => {
  it("Shopify's counts by consent state are the seed's, beside what the Full Sync and the send wrote", async () => {
    const customers = seeded(A);
    const page = await report(A.domain);
    const count = (state: string) => ofState(customers, state).length;
    const sms = (state: string) => customers.filter((c) => c.phone?.marketingState === state).length;
    expect(page.customers).toBe(A.customers);
    expect((await service.getAgreementReport({ shop: shopA })).shopify).toEqual({
      customers: A.customers,
      email: { SUBSCRIBED: count("SUBSCRIBED"), NOT_SUBSCRIBED: count("NOT_SUBSCRIBED"), PENDING: count("PENDING"), UNSUBSCRIBED: count("UNSUBSCRIBED"), INVALID: count("INVALID") },
      noEmail: customers.filter((c) => !c.email).length,
      sms: { SUBSCRIBED: sms("SUBSCRIBED"), UNSUBSCRIBED: sms("UNSUBSCRIBED") },
    });

    const { profiles } = expectedFullSync(A);
    const written = (channel: "email" | "sms", type: "opt-in" | "opt-out" | null) => profiles.filter((p) => p[channel] === type).length;
    const apsis = destinationOf(page, "apsis");
    expect(apsis).toMatchObject({ title: "APSIS One", connected: true, written: profiles.length });
    expect(rowsOf(apsis)).toEqual({
      "email-opt-in": { shopify: count("SUBSCRIBED"), written: written("email", "opt-in"), difference: count("SUBSCRIBED") - written("email", "opt-in") },
      "email-opt-out": { shopify: count("UNSUBSCRIBED"), written: written("email", "opt-out"), difference: count("UNSUBSCRIBED") - written("email", "opt-out") },
      "email-none": {
        shopify: A.customers - count("SUBSCRIBED") - count("UNSUBSCRIBED"),
        written: written("email", null),
        difference: A.customers - count("SUBSCRIBED") - count("UNSUBSCRIBED") - written("email", null),
      },
      "sms-opt-in": { shopify: sms("SUBSCRIBED"), written: written("sms", "opt-in"), difference: sms("SUBSCRIBED") - written("sms", "opt-in") },
      "sms-opt-out": { shopify: sms("UNSUBSCRIBED"), written: written("sms", "opt-out"), difference: sms("UNSUBSCRIBED") - written("sms", "opt-out") },
    });
    // Customers the conditions send to no Section are why APSIS has fewer subscribers.
    expect(apsis.rows[0].explanation).toMatch(/sync conditions send to no Section/);

    const adestra = destinationOf(page, "adestra");
    expect(adestra).toMatchObject({ title: "Adestra", connected: false, written: count("SUBSCRIBED") + count("UNSUBSCRIBED"), lastWritten: "2 Nov 2026, 09:00 GMT+1" });
    expect(rowsOf(adestra)).toEqual({
      [LIST]: { shopify: count("SUBSCRIBED"), written: count("SUBSCRIBED"), difference: 0 },
      [UNSUB]: { shopify: count("UNSUBSCRIBED"), written: count("UNSUBSCRIBED"), difference: 0 },
    });
  });

  it("another shop's report counts only its own customers and links", async () => {
    const page = await report(B.domain);
    expect(page.customers).toBe(B.customers);
    const apsis = destinationOf(page, "apsis");
    expect(apsis).toMatchObject({ connected: false, written: A.customers });
    const adestra = destinationOf(page, "adestra");
    expect(rowsOf(adestra)[LIST].written).toBe(ofState(seeded(A), "UNSUBSCRIBED").length);
  });
});

describe("after consent changes in Shopify that were never synced", () => {
  beforeAll(() => {
    const customers = seeded(A);
    const store = stack.shopify.store(A.domain);
    changedToUnsubscribed = inSectionWith(customers, "SUBSCRIBED", 2);
    changedToSubscribed = inSectionWith(customers, "UNSUBSCRIBED", 1);
    expect(changedToUnsubscribed).toHaveLength(2);
    expect(changedToSubscribed).toHaveLength(1);
    for (const c of changedToUnsubscribed) store.updateCustomer(c.id, { email: { ...c.email!, marketingState: "UNSUBSCRIBED" } });
    for (const c of changedToSubscribed) store.updateCustomer(c.id, { email: { ...c.email!, marketingState: "SUBSCRIBED" } });
  });

  it("the counts move in Shopify only, and the rows say by how much", async () => {
    const customers = seeded(A);
    const page = await report(A.domain);
    expect(rowsOf(destinationOf(page, "apsis"))["email-opt-out"].shopify).toBe(ofState(customers, "UNSUBSCRIBED").length + 1);
    const adestra = destinationOf(page, "adestra");
    expect(rowsOf(adestra)[UNSUB].difference).toBe(1);
    expect(rowsOf(adestra)[LIST].difference).toBe(-1);
  });

  it("APSIS One: exactly the changed customers differ, with what was written and when", async () => {
    const unsubscribed = await drift(A.domain, "apsis", "UNSUBSCRIBED");
    const inSections = ofState(seeded(A), "UNSUBSCRIBED").filter((c) => expectedSection(c));
    expect(unsubscribed).toMatchObject({
      destination: "apsis",
      state: "UNSUBSCRIBED",
      read: ofState(seeded(A), "UNSUBSCRIBED").length + 1,
      agreeing: inSections.length - 1,
      neverWritten: ofState(seeded(A), "UNSUBSCRIBED").filter((c) => !expectedSection(c)).length,
      differing: 2,
      listCut: false,
      after: null,
    });
    expect(unsubscribed.customers.map((c) => c.customerId)).toEqual(changedToUnsubscribed.map((c) => customerGid(c.id)));
    expect(unsubscribed.customers[0]).toMatchObject({
      adminUrl: `shopify://admin/customers/${changedToUnsubscribed[0].id}`,
      name: `Customer ${changedToUnsubscribed[0].id}`,
      inShopify: expect.stringMatching(/^Unsubscribed since \d{1,2} \w{3} \d{4}, \d\d:\d\d GMT\+[12]$/),
      written: `email opt-in in Section ${expectedSection(changedToUnsubscribed[0])}`,
      writtenAt: expect.stringMatching(/^\d{1,2} \w{3} \d{4}, \d\d:\d\d GMT\+[12]$/),
      reason: expect.stringMatching(/^Changed in Shopify after the app wrote the profile/),
    });
    const subscribed = await drift(A.domain, "apsis", "SUBSCRIBED");
    expect(subscribed.customers.map((c) => c.customerId)).toEqual(changedToSubscribed.map((c) => customerGid(c.id)));
    expect(subscribed.customers[0].written).toMatch(/^email opt-out/);
  });

  it("Adestra: the newly unsubscribed are still only on the list; the re-subscribed stays on the unsub list", async () => {
    const unsubscribed = await drift(A.domain, "adestra", "UNSUBSCRIBED");
    expect(unsubscribed).toMatchObject({ differing: 2, agreeing: ofState(seeded(A), "UNSUBSCRIBED").length - 1, neverWritten: 0 });
    expect(unsubscribed.customers.map((c) => [c.customerId, c.written])).toEqual(
      changedToUnsubscribed.map((c) => [customerGid(c.id), "on list 12"]),
    );
    const subscribed = await drift(A.domain, "adestra", "SUBSCRIBED");
    expect(subscribed.customers.map((c) => [c.customerId, c.written])).toEqual(changedToSubscribed.map((c) => [customerGid(c.id), "on unsub list 7"]));
  });

  it("a bounded read says where it stopped, lists the first that differ, and goes on from there", async () => {
    const read = (after?: string | null) => service.getAgreementDrift({ shop: shopA, destination: "apsis", state: "UNSUBSCRIBED", after, readLimit: 4, pageSize: 2, shown: 1 });
    const chunks = [await read()];
    expect(chunks[0].read).toBe(4);
    expect(chunks[0].after).toEqual(expect.any(String));
    while (chunks[chunks.length - 1].after) chunks.push(await read(chunks[chunks.length - 1].after));
    expect(chunks.reduce((sum, v) => sum + v.read, 0)).toBe(ofState(seeded(A), "UNSUBSCRIBED").length + 1);
    expect(chunks.reduce((sum, v) => sum + v.differing, 0)).toBe(2);
    for (const chunk of chunks) {
      expect(chunk.customers).toHaveLength(Math.min(chunk.differing, 1));
      expect(chunk.listCut).toBe(chunk.differing > 1);
    }
    const changed = changedToUnsubscribed.map((c) => customerGid(c.id));
    for (const c of chunks.flatMap((v) => v.customers)) expect(changed).toContain(c.customerId);
  });

  it("refuses an unknown destination or state", async () => {
    const bad = await routes.customers.loader(embedded(A.domain, "/app/agreement/customers?destination=apsis&state=REDACTED"));
    expect(bad.status).toBe(400);
    await expect(routes.customers.loader(embedded(A.domain, "/app/agreement/customers?destination=klaviyo&state=SUBSCRIBED"))).rejects.toMatchObject({ status: 404 });
  });
});
