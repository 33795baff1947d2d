/**
 * customers/merge end to end: the Shopify sandbox merges two customers and delivers customers/merge to the app's
 * webhook route over HTTP (real HMAC); the real worker folds the merged-away customer into the kept one in the
 * APSIS sandbox and the Adestra sandbox. Expectations come from the sandboxes' state, not from app code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookDelivery } from "../../../sandbox/shopify/webhooks/payloads";
import { customerGid, type SandboxCustomer } from "../../../sandbox/shopify/customer";
import { configureDemo, connectDemo, DEMO, demoDefinitions, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";
import { waitFor } from "../../support/wait-for";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-merge.myshopify.com", customers: 12, seed: 91, ianaTimezone: "Europe/Stockholm" };
const OTHER: Store = { domain: "apsis-merge-other.myshopify.com", customers: 3, seed: 92, ianaTimezone: "UTC" };
const MERGE_ENDPOINT = "PUT /audience/profiles/merges";

let stack: Stack;
let shop: ShopContext;
let names: Awaited<ReturnType<typeof demoDefinitions>>;
let listId: number;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE, OTHER], adestra: true });
  shop = await setUpShop(stack, STORE);
  await setUpShop(stack, OTHER);
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
  names = await demoDefinitions(stack, shop);
  const connection = await import("../../../app/destinations/adestra/connection.server");
  const connected = await connection.connectAdestra({ shop, accountName: "demo", username: "shopify", password: "sandbox-password" });
  if (!connected.ok) throw new Error(JSON.stringify(connected));
  const chosen = await connection.chooseAdestraTables({ shop, coreTableId: 1, unsubListId: 10 });
  if (!chosen.ok) throw new Error(JSON.stringify(chosen));
  const lists = await import("../../../app/destinations/adestra/lists.server");
  const created = await lists.createAdestraList({ shop, name: "Merge newsletter" });
  if (!created.ok) throw new Error(JSON.stringify(created));
  listId = created.list.id;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

async function saveRealtime(onCustomerDelete: "delete_profile" | "keep_profile") {
  const { saveApsisRealtimeSettings } = await import("../../../app/models/apsis-realtime-settings.server");
  const ok = await saveApsisRealtimeSettings({ shopId: shop.id, settings: { realtimeEnabled: true, purchaseEventsEnabled: false, onCustomerDelete, purchaseEvents: {} } });
  expect(ok).toBe(true);
}

const store = () => stack.shopify.store(STORE.domain);
const build = () => stack.shopify.webhooks.build;
const db = () => stack.app.db.getDb();
const adestra = () => stack.adestra!.account("demo");

async function receiptOf(delivery: WebhookDelivery, shopDomain = STORE.domain) {
  return waitFor(
    async () => {
      const row = await db().webhookReceipt.findFirst({ where: { eventId: delivery.eventId, shopDomain } });
      return row && ["processed", "ignored", "failed"].includes(row.status) ? row : undefined;
    },
    { what: `receipt of ${delivery.topic}` },
  );
}

async function deliver(delivery: WebhookDelivery) {
  expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
  return receiptOf(delivery, delivery.shop);
}

/** A Swedish customer (Section Sweden) with an email in the given state and an account in `state`. */
function swede(email: string, emailState: "SUBSCRIBED" | "NOT_SUBSCRIBED", state: SandboxCustomer["state"]) {
  const at = new Date().toISOString();
  return store().createCustomer({
    firstName: "Greta",
    lastName: "Berg",
    state,
    email: { address: email, marketingState: emailState, marketingOptInLevel: emailState === "SUBSCRIBED" ? "SINGLE_OPT_IN" : null, marketingUpdatedAt: at },
    phone: null,
    address: { firstName: "Greta", lastName: "Berg", company: null, address1: "Storgatan 1", address2: null, city: "Stockholm", province: null, provinceCode: null, country: "Sweden", countryCode: "SE", zip: "11122", phone: null },
    tags: [],
  });
}

const profile = (id: number) => stack.demo.profile(DEMO.shopifyKeyspace, String(id));
const newsletter = (id: number) =>
  profile(id)?.sections[DEMO.swedenSection]?.consents.find((c) => c.channel === "com.apsis1.channels.email" && c.topic === names.topic("Sweden", "Newsletter"))?.type ?? null;

/** Both customers in APSIS (real-time) and on the Adestra list (an On Demand send of all profiles). */
async function syncBoth(a: SandboxCustomer, b: SandboxCustomer) {
  for (const c of [a, b]) expect((await deliver(build().customersCreate(STORE.domain, c.id))).status).toBe("processed");
  const { startSend } = await import("../../../app/destinations/adestra/send.server");
  const { runId } = await startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId } });
  expect((await waitForRun(stack, runId)).status).toBe("succeeded");
  expect(adestra().listMembers(listId)).toEqual(expect.arrayContaining([a.email!.address, b.email!.address]));
}

/** The kept customer's profile written again after the merge (its links reset by the merge, then saved by its sync). */
const rewritten = (id: number) =>
  waitFor(async () => {
    const links = await db().profileLink.findMany({ where: { shopId: shop.id, destination: "apsis", customerId: customerGid(id) } });
    return links.length && links.every((l) => l.payloadHash !== "") ? links : undefined;
  }, { what: `the kept customer ${id} written again` });

describe("customers/merge", () => {
  it("leaves one APSIS profile with the kept customer's Shopify consent and the Adestra list with the kept customer only; a redelivery writes nothing twice", async () => {
    await saveRealtime("delete_profile");
    // B is subscribed, A (an enabled account, which Shopify keeps) is not: the merged customer must not be opted in.
    const a = swede("greta.kept@example.com", "NOT_SUBSCRIBED", "ENABLED");
    const b = swede("greta.merged@example.com", "SUBSCRIBED", "DISABLED");
    await syncBoth(a, b);
    expect(newsletter(b.id)).toBe("opt-in");

    const { kept, deleted } = store().mergeCustomers(b.id, a.id);
    expect([kept.id, deleted.id]).toEqual([a.id, b.id]);
    const mergesBefore = stack.demo.stats().byEndpoint[MERGE_ENDPOINT] ?? 0;
    const removesBefore = adestra().stats().served["contact.removeList"] ?? 0;
    const delivery = build().customersMerge(STORE.domain, { keptId: a.id, deletedId: b.id });
    const receipt = await deliver(delivery);

    expect(receipt).toMatchObject({ status: "processed", customerId: customerGid(a.id) });
    expect(receipt.detail).toContain(`${customerGid(b.id)} merged into ${customerGid(a.id)}`);
    expect(receipt.detail).toContain("the merged-away customer's profile deleted");
    expect(receipt.detail).toContain("Adestra: the merged-away customer's contact taken off 1 list(s)");
    await rewritten(a.id);
    // Activity (the real-time card) shows the merge with what was done.
    const { getRealtimeHealth } = await import("../../../app/destinations/apsis/realtime-health.server");
    const { latestMerges } = await getRealtimeHealth({ shop: STORE.domain });
    expect(latestMerges[0]).toMatchObject({ customerId: customerGid(a.id), status: "processed", detail: receipt.detail });

    // APSIS: the merge was asked for; the sandbox refuses two keys of one keyspace (409), so B's profile is gone.
    expect(stack.demo.stats().byEndpoint[MERGE_ENDPOINT]).toBe(mergesBefore + 1);
    expect(profile(b.id)).toBeUndefined();
    expect(profile(a.id)).toBeDefined();
    expect(newsletter(a.id)).toBeNull();
    expect(await db().profileLink.count({ where: { shopId: shop.id, customerId: customerGid(b.id) } })).toBe(0);
    // Adestra: the list holds the kept customer, not the merged-away one.
    const members = adestra().listMembers(listId);
    expect(members).toContain(a.email!.address);
    expect(members).not.toContain(b.email!.address);
    expect(adestra().stats().served["contact.removeList"]).toBe(removesBefore + 1);

    // The same event again (Shopify's retry): a duplicate. The same merge as a new event: nothing left to fold.
    expect(await stack.shopify.webhooks.send(delivery)).toEqual([200]);
    const again = await deliver({ ...build().customersMerge(STORE.domain, { keptId: a.id, deletedId: b.id }) });
    expect(again.status).toBe("processed");
    expect(again.detail).toContain("the app holds no profile of the merged-away customer");
    expect(stack.demo.stats().byEndpoint[MERGE_ENDPOINT]).toBe(mergesBefore + 1);
    expect(adestra().stats().served["contact.removeList"]).toBe(removesBefore + 1);
    expect(await db().webhookReceipt.count({ where: { eventId: delivery.eventId } })).toBe(1);
    expect(profile(b.id)).toBeUndefined();
    expect(adestra().listMembers(listId)).not.toContain(b.email!.address);
  }, 60_000);

  it("with the merged-away profile kept, as chosen for deleted customers, withdraws the opt-ins the app gave it; the kept subscriber stays opted in", async () => {
    await saveRealtime("keep_profile");
    const a = swede("nils.kept@example.com", "SUBSCRIBED", "ENABLED");
    const b = swede("nils.merged@example.com", "SUBSCRIBED", "DISABLED");
    await syncBoth(a, b);
    const { kept } = store().mergeCustomers(a.id, b.id);
    expect(kept.id).toBe(a.id);

    const receipt = await deliver(build().customersMerge(STORE.domain, { keptId: a.id, deletedId: b.id }));
    expect(receipt.status).toBe("processed");
    expect(receipt.detail).toContain("the merged-away customer's profile kept, as chosen for deleted customers");
    expect(receipt.detail).toContain("opt-in(s) of the merged-away customer withdrawn");
    await rewritten(a.id);

    expect(newsletter(b.id)).toBe("opt-out");
    expect(newsletter(a.id)).toBe("opt-in");
    expect(adestra().listMembers(listId)).not.toContain(b.email!.address);
    expect(adestra().listMembers(listId)).toContain(a.email!.address);
  }, 60_000);

  it("changes nothing for a merge Shopify did not complete, nor for a merge of another shop's customers", async () => {
    await saveRealtime("delete_profile");
    const a = swede("ebba.one@example.com", "SUBSCRIBED", "ENABLED");
    const b = swede("ebba.two@example.com", "SUBSCRIBED", "DISABLED");
    await syncBoth(a, b);
    const mergesBefore = stack.demo.stats().byEndpoint[MERGE_ENDPOINT] ?? 0;

    const failed = await deliver(build().customersMerge(STORE.domain, { keptId: a.id, deletedId: b.id, status: "failed" }));
    expect(failed).toMatchObject({ status: "ignored", detail: expect.stringContaining("the merge failed in Shopify, nothing changed") });
    // Completed, but both still exist: not a merge this shop's Shopify made.
    const notMerged = await deliver(build().customersMerge(STORE.domain, { keptId: a.id, deletedId: b.id }));
    expect(notMerged).toMatchObject({ status: "ignored", detail: expect.stringContaining("is still a customer of this shop") });
    // This shop's merge, delivered for the other shop (whose sessions and data are its own).
    store().mergeCustomers(b.id, a.id);
    const elsewhere = build().customersMerge(STORE.domain, { keptId: a.id, deletedId: b.id });
    const misrouted = await deliver({ ...elsewhere, shop: OTHER.domain });
    expect(misrouted).toMatchObject({ status: "ignored", detail: expect.stringContaining("is not a customer of this shop") });

    expect(stack.demo.stats().byEndpoint[MERGE_ENDPOINT] ?? 0).toBe(mergesBefore);
    expect(profile(b.id)).toBeDefined();
    expect(adestra().listMembers(listId)).toContain(b.email!.address);
  }, 60_000);
});
