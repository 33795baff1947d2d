/**
 * The reader against the Shopify sandbox over real HTTP: the library's own token exchange, refresh and Admin
 * GraphQL code, the sandbox's schema-checked GraphQL, bulk JSONL files and bulk_operations/finish webhook.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerGid, type SandboxCustomer } from "../../../sandbox/shopify/customer";
import { startShopifySandbox, type ShopifySandbox } from "../../../sandbox/shopify/server";
import { installOfflineSession } from "./sandbox-session";

const PAGED = "paged.myshopify.com";
const BULK = "bulk.myshopify.com";
const LOCK = "lock.myshopify.com";

let sandbox: ShopifySandbox;
let webhookReceiver: Server;
let app: {
  getShopifyAdmin: typeof import("../../../app/shopify/admin.server").getShopifyAdmin;
  customers: typeof import("../../../app/shopify/customers");
  bulk: typeof import("../../../app/shopify/bulk-operation");
  stream: typeof import("../../../app/shopify/bulk-stream");
  notifications: typeof import("../../../app/shopify/bulk-notifications.server");
  shop: typeof import("../../../app/shopify/shop");
  redis: typeof import("../../../app/redis.server");
};
const finishWebhooks: { id: string; status: string }[] = [];

beforeAll(async () => {
  // Stands in for the app's bulk_operations/finish webhook job: record the finish in Redis.
  webhookReceiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", async () => {
      if (request.url === "/webhooks/bulk_operations/finish") {
        const payload = JSON.parse(body);
        finishWebhooks.push({ id: payload.admin_graphql_api_id, status: payload.status });
        const { getRedis } = app.redis;
        await app.notifications.markBulkOperationFinished({ redis: getRedis(), prefix: process.env.REDIS_PREFIX!, id: payload.admin_graphql_api_id, status: payload.status });
      }
      response.end();
    });
  });
  await new Promise<void>((resolve) => webhookReceiver.listen(0, "127.0.0.1", resolve));

  sandbox = await startShopifySandbox({
    port: 0,
    app: {
      apiKey: process.env.SHOPIFY_API_KEY!,
      apiSecret: process.env.SHOPIFY_API_SECRET!,
      url: `http://127.0.0.1:${(webhookReceiver.address() as AddressInfo).port}`,
    },
    stores: [
      { domain: PAGED, name: "Paged", ianaTimezone: "America/New_York", customers: 600, seed: 1 },
      { domain: BULK, name: "Bulk", ianaTimezone: "Europe/Stockholm", customers: 5_000, seed: 2 },
      { domain: LOCK, name: "Lock", ianaTimezone: "Asia/Tokyo", customers: 10, seed: 3 },
    ],
    // A Plus-sized bucket keeps these tests free of throttle waits; sandbox-throttle.test.ts covers those.
    throttle: { maximumAvailable: 20_000, restoreRate: 1_000 },
  });
  // Before the app's Shopify module loads: it installs the sandbox transport when this is set.
  process.env.SHOPIFY_ADMIN_TRANSPORT_URL = sandbox.url;
  const { sessionStorage } = await import("../../../app/shopify.server");
  app = {
    getShopifyAdmin: (await import("../../../app/shopify/admin.server")).getShopifyAdmin,
    customers: await import("../../../app/shopify/customers"),
    bulk: await import("../../../app/shopify/bulk-operation"),
    stream: await import("../../../app/shopify/bulk-stream"),
    notifications: await import("../../../app/shopify/bulk-notifications.server"),
    shop: await import("../../../app/shopify/shop"),
    redis: await import("../../../app/redis.server"),
  };
  for (const shop of [PAGED, BULK]) {
    await installOfflineSession({
      sandboxUrl: sandbox.url,
      shop,
      apiKey: process.env.SHOPIFY_API_KEY!,
      apiSecret: process.env.SHOPIFY_API_SECRET!,
      storeSession: (session) => sessionStorage.storeSession(session),
    });
  }
  // Stored as expiring within a minute, so the first getShopifyAdmin calls must refresh.
  await installOfflineSession({
    sandboxUrl: sandbox.url,
    shop: LOCK,
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    storeSession: (session) => sessionStorage.storeSession(session),
    expiresInMs: 60_000,
  });
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise((resolve) => webhookReceiver?.close(resolve));
  delete process.env.SHOPIFY_ADMIN_TRANSPORT_URL;
});

async function collect<T>(iterable: AsyncIterable<T>) {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** What the reader must report for a sandbox customer: the fields the sync depends on. */
function expected(customer: SandboxCustomer) {
  return {
    id: customerGid(customer.id),
    email: customer.email?.address ?? null,
    emailMarketingState: customer.email?.marketingState ?? null,
    emailMarketingUpdatedAt: customer.email?.marketingUpdatedAt ?? null,
    phone: customer.phone?.number ?? null,
    smsMarketingState: customer.phone?.marketingState ?? null,
    firstName: customer.firstName,
    lastName: customer.lastName,
    tags: customer.tags,
    countryCode: customer.address?.countryCode ?? null,
    city: customer.address?.city ?? null,
    zip: customer.address?.zip ?? null,
    locale: customer.locale,
    numberOfOrders: customer.numberOfOrders,
    lastOrderAt: customer.lastOrder?.createdAt ?? null,
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
  };
}

describe("Shopify reader against the sandbox", () => {
  it("a paged read of a 600-customer store returns every customer once, as the store holds them", async () => {
    const { graphql } = await app.getShopifyAdmin({ shop: PAGED });
    const requestsBefore = sandbox.stats(PAGED).graphqlRequests;
    const read = await collect(app.customers.readCustomerPages({ graphql }));

    expect(new Set(read.map((c) => c.id)).size).toBe(600);
    const seeded = [...sandbox.store(PAGED).customers()];
    expect(read).toEqual(seeded.map((c) => expect.objectContaining(expected(c))));
    for (const [i, c] of read.entries()) expect(Number(c.amountSpent.amount) * 100).toBeCloseTo(seeded[i].amountSpentCents, 5);
    expect(sandbox.stats(PAGED).graphqlRequests - requestsBefore).toBe(6); // pages of 100
  });

  it("reads the shop, one customer, and a count", async () => {
    const { graphql } = await app.getShopifyAdmin({ shop: PAGED });
    expect(await app.shop.readShop({ graphql })).toMatchObject({ name: "Paged", ianaTimezone: "America/New_York", myshopifyDomain: PAGED });
    const first = sandbox.store(PAGED).customers().next().value as SandboxCustomer;
    expect(await app.customers.readCustomer({ graphql, id: customerGid(first.id) })).toMatchObject(expected(first));
    expect(await app.customers.readCustomer({ graphql, id: "gid://shopify/Customer/1" })).toBeNull();
    expect(await app.customers.countCustomers({ graphql })).toEqual({ count: 600, precision: "EXACT" });
  });

  it("a bulk export of a 5,000-customer store yields exactly the seeded customers, woken by the finish webhook", async () => {
    const { graphql } = await app.getShopifyAdmin({ shop: BULK });
    const id = await app.bulk.startCustomerBulkExport({ graphql });
    const notifications = app.notifications.createBulkOperationNotifications({ redis: app.redis.getRedis(), prefix: process.env.REDIS_PREFIX! });
    // Polling every 10 minutes: only the webhook can finish this within the test's timeout.
    const done = await app.bulk.waitForBulkOperation({ graphql, id, pollIntervalMs: 10 * 60_000, notifications });
    expect(finishWebhooks).toContainEqual({ id, status: "completed" });
    expect(done.objectCount).toBe(5_000);

    const exported = await collect(app.stream.streamBulkCustomers({ url: done.url }));
    expect(exported).toEqual([...sandbox.store(BULK).customers()].map((c) => expect.objectContaining(expected(c))));
  });

  it("a second export while one runs is refused with a typed error", async () => {
    const { graphql } = await app.getShopifyAdmin({ shop: PAGED });
    const first = await app.bulk.startCustomerBulkExport({ graphql });
    await expect(app.bulk.startCustomerBulkExport({ graphql })).rejects.toThrow(
      expect.objectContaining({ name: "ShopifyBulkOperationInProgressError", code: "OPERATION_IN_PROGRESS" }),
    );
    await app.bulk.waitForBulkOperation({ graphql, id: first, pollIntervalMs: 100 });
  });

  it("5 workers opening a shop whose token is about to expire cause one refresh, and all use the new token", async () => {
    const { sessionStorage } = await import("../../../app/shopify.server");
    const before = await sessionStorage.loadSession(`offline_${LOCK}`);
    sandbox.expireAccessTokens(LOCK); // from here only a token issued by a refresh works

    const admins = await Promise.all(Array.from({ length: 5 }, () => app.getShopifyAdmin({ shop: LOCK })));
    expect(sandbox.stats(LOCK).refreshes).toBe(1);

    const shops = await Promise.all(admins.map(({ graphql }) => app.shop.readShop({ graphql })));
    expect(shops.map((s) => s.name)).toEqual(Array(5).fill("Lock"));
    const after = await sessionStorage.loadSession(`offline_${LOCK}`);
    expect(after?.accessToken).not.toBe(before?.accessToken);
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
  });
});
