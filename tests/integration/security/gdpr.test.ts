/**
 * Issue 8, finding 5: GDPR redactions reach every destination and leave no personal data in Redis.
 * Real worker, real Redis, the Shopify, Adestra and APSIS One sandboxes over HTTP; the Shopify sandbox's webhook
 * sender delivers customers/redact and shop/redact to the app's routes with a real HMAC.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoAdestraAccount, startAdestraSandbox, type AdestraSandbox } from "../../../sandbox/adestra/server";
import type { WebhookDelivery } from "../../../sandbox/shopify/webhooks/payloads";
import { configureDemo, connectDemo, DEMO, setUpShop, type Stack, startStack, type Store, waitForRun } from "../apsis/stack";
import type { ShopContext } from "../../../app/models/shop.server";
import { waitFor } from "../../support/wait-for";
import { dumpRedis, mentioning } from "./redis-dump";

const SHOP_A: Store = { domain: "gdpr-a.myshopify.com", customers: 20, seed: 81, ianaTimezone: "Europe/Stockholm" };
const SHOP_B: Store = { domain: "gdpr-b.myshopify.com", customers: 10, seed: 82, ianaTimezone: "UTC" };
const LIST = 21; // the demo Adestra account's "Existing newsletter", on core table 1

let adestra: AdestraSandbox;
let stack: Stack;
let shopA: ShopContext;
let shopB: ShopContext;
let sends: typeof import("../../../app/destinations/adestra/send.server");
let sendSettings: typeof import("../../../app/destinations/adestra/send-settings.server");

const redis = () => stack.app.redis.getRedis();
const prefix = () => stack.app.env.parseEnv().REDIS_PREFIX;
const demoAdestra = () => adestra.account("demo");
/** The core-table record the app wrote for the address, as the Adestra sandbox holds it. */
const adestraRecord = (email: string) => demoAdestra().contacts(1).find((contact) => contact.fields.email === email)?.fields;

beforeAll(async () => {
  adestra = await startAdestraSandbox({ accounts: [demoAdestraAccount()] });
  process.env.ADESTRA_BASE_URL = adestra.xmlrpcUrl;
  process.env.ADESTRA_REQUESTS_PER_SECOND ??= "1000";
  stack = await startStack({ stores: [SHOP_A, SHOP_B] });
  shopA = await setUpShop(stack, SHOP_A);
  shopB = await setUpShop(stack, SHOP_B);
  sends = await import("../../../app/destinations/adestra/send.server");
  sendSettings = await import("../../../app/destinations/adestra/send-settings.server");
  const adestraConnection = await import("../../../app/destinations/adestra/connection.server");
  for (const shop of [shopA, shopB]) {
    const connected = await adestraConnection.connectAdestra({ shop, accountName: "demo", username: "shopify", password: "sandbox-password" });
    expect(connected.ok).toBe(true);
    expect((await adestraConnection.chooseAdestraTables({ shop, coreTableId: 1, unsubListId: 10 })).ok).toBe(true);
  }
  await connectDemo(stack, shopA);
  await configureDemo(stack, shopA);
  const { saveApsisRealtimeSettings } = await import("../../../app/models/apsis-realtime-settings.server");
  await saveApsisRealtimeSettings({
    shopId: shopA.id,
    settings: { realtimeEnabled: true, purchaseEventsEnabled: false, onCustomerDelete: "delete_profile", purchaseEvents: {} },
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await adestra?.close();
});

/** Sends the deliveries and waits until the app has finished each one's receipt. */
async function deliver(deliveries: WebhookDelivery[]) {
  const statuses = await stack.shopify.webhooks.sendMany(deliveries);
  expect(statuses.every((s) => s === 200), `statuses ${statuses}`).toBe(true);
  const eventIds = deliveries.map((d) => d.eventId);
  return waitFor(
    async () => {
      const rows = await stack.app.db.getDb().webhookReceipt.findMany({ where: { eventId: { in: eventIds } } });
      return rows.length === eventIds.length && rows.every((r) => ["processed", "ignored", "failed"].includes(r.status)) ? rows : undefined;
    },
    { what: "the deliveries' receipts" },
  );
}

/** Until no job of any queue is waiting, delayed or running (the redaction's follow-up jobs included). */
async function queuesIdle() {
  await waitFor(
    async () => {
      for (const name of ["webhooks", "realtime", "sync"] as const) {
        const queue = stack.app.queues.getQueue(name);
        const counts = await queue.getJobCounts("waiting", "active", "prioritized");
        if (Object.values(counts).some((n) => n > 0)) return false;
        // A job scheduler (the daily Auto Send) always has its next run delayed.
        if ((await queue.getDelayed()).some((job) => !job.repeatJobKey)) return false;
      }
      return true;
    },
    { what: "the queues to be idle" },
  );
}

async function send(shop: ShopContext) {
  const { runId } = await sends.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId: LIST } });
  const run = await waitForRun(stack, runId);
  expect(run.status).toBe("succeeded");
}

function newSwede(email: string) {
  const store = stack.shopify.store(SHOP_A.domain);
  const template = [...store.customers()].find((c) => c.address?.countryCode === "SE")!;
  return store.createCustomer({
    firstName: "Greta",
    lastName: "Redactsson",
    email: { address: email, marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: new Date().toISOString() },
    phone: { number: "+46701234567", marketingState: "NOT_SUBSCRIBED", marketingOptInLevel: null, marketingUpdatedAt: new Date().toISOString(), marketingCollectedFrom: "SHOPIFY" },
    address: template.address,
    tags: [],
  });
}

describe("customers/redact", () => {
  it("anonymises the Adestra contact and takes it off the list, deletes the APSIS profile, and leaves the address nowhere in Redis", async () => {
    const email = "greta.redact@example.com";
    const customer = newSwede(email);
    const build = stack.shopify.webhooks.build;
    // Real-time sync writes the APSIS profile; a send puts the contact on the Adestra list.
    await deliver([build.customersCreate(SHOP_A.domain, customer.id), build.customersUpdate(SHOP_A.domain, customer.id)]);
    await waitFor(() => stack.demo.profile(DEMO.shopifyKeyspace, String(customer.id)) !== undefined, { what: "the APSIS profile" });
    await send(shopA);
    expect(demoAdestra().listMembers(LIST)).toContain(email);
    expect(adestraRecord(email)).toMatchObject({ first_name: "Greta", last_name: "Redactsson", phone: "+46701234567", city: expect.stringMatching(/./), postcode: expect.stringMatching(/./) });
    await queuesIdle();

    const [receipt] = await deliver([build.customersRedact(SHOP_A.domain, customer.id)]);
    expect(receipt.status).toBe("processed");
    await waitFor(() => !demoAdestra().listMembers(LIST).includes(email), { what: "the contact to leave the Adestra list" });
    await waitFor(() => stack.demo.profile(DEMO.shopifyKeyspace, String(customer.id)) === undefined, { what: "the APSIS profile to be deleted" });
    await queuesIdle();
    expect(stack.failedJobs.map((f) => `${f.job?.name}: ${f.error.message}`)).toEqual([]);

    // Adestra deletes no contacts: the record is anonymised, keeping only the address (its dedupe key), and is on no list.
    const record = adestraRecord(email);
    expect(record).toMatchObject({ email, first_name: "", last_name: "", phone: "", city: "", postcode: "", tags: "" });
    expect(Object.entries(record!).filter(([field, value]) => field !== "email" && value !== ""), "Adestra fields still set").toEqual([]);
    expect(demoAdestra().lists().filter((list) => demoAdestra().listMembers(list.id).includes(email))).toEqual([]);

    const left = mentioning(await dumpRedis(redis(), prefix()), [email, "+46701234567", "Redactsson"]);
    expect(left, "Redis keys still holding the redacted customer's data").toEqual([]);
    // Other customers' contacts stay on the list.
    expect(demoAdestra().listMembers(LIST).length).toBeGreaterThan(0);
  });

  it("retries the Adestra removal while Adestra is down", async () => {
    const email = "greta.outage@example.com";
    const customer = newSwede(email);
    await send(shopA);
    expect(demoAdestra().listMembers(LIST)).toContain(email);
    await queuesIdle();
    demoAdestra().setOutage(true);
    try {
      await deliver([stack.shopify.webhooks.build.customersRedact(SHOP_A.domain, customer.id)]);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(demoAdestra().listMembers(LIST)).toContain(email);
    } finally {
      demoAdestra().setOutage(false);
    }
    await waitFor(() => !demoAdestra().listMembers(LIST).includes(email), { what: "the retried removal", timeoutMs: 45_000 });
  }, 90_000);
});

describe("shop/redact", () => {
  it("removes every Redis key of the shop and its cached APSIS token; another shop's keys stay", async () => {
    // Work for both shops: sends (one as the daily Auto Send schedule), real-time syncs for A.
    await send(shopB);
    const { saveAutoSendSettings } = sendSettings;
    for (const shop of [shopA, shopB]) {
      expect((await saveAutoSendSettings({ shop, choices: { profileGroup: "all", listId: LIST }, enabled: true })).ok).toBe(true);
    }
    const someone = [...stack.shopify.store(SHOP_A.domain).customers()][0];
    await deliver([stack.shopify.webhooks.build.customersUpdate(SHOP_A.domain, someone.id)]);
    await send(shopA);
    await queuesIdle();

    const before = await dumpRedis(redis(), prefix());
    const namesA = (e: { key: string; text: string }) => [SHOP_A.domain, shopA.id].some((n) => e.key.includes(n) || e.text.includes(n));
    expect(before.filter(namesA).length, "keys of shop A before").toBeGreaterThan(0);
    const tokenKeys = before.filter((e) => e.key.includes("apsis-token"));
    expect(tokenKeys.length, "a cached APSIS token of shop A's credential").toBeGreaterThan(0);
    const keysOfB = before.filter((e) => [SHOP_B.domain, shopB.id].some((n) => e.key.includes(n) || e.text.includes(n))).map((e) => e.key);
    expect(keysOfB.length).toBeGreaterThan(0);

    const [receipt] = await deliver([stack.shopify.webhooks.build.shopRedact(SHOP_A.domain)]);
    expect(receipt.status).toBe("processed");
    await queuesIdle();

    const after = await dumpRedis(redis(), prefix());
    expect(after.filter(namesA).map((e) => `${e.type} ${e.key}: ${e.text.slice(0, 300)}`), "keys naming shop A or holding its data").toEqual([]);
    expect(after.filter((e) => e.key.includes("apsis-token")).map((e) => e.key), "cached APSIS tokens").toEqual([]);
    const afterKeys = new Set(after.map((e) => e.key));
    expect(keysOfB.filter((key) => !afterKeys.has(key)), "shop B's keys removed").toEqual([]);
  });
});
