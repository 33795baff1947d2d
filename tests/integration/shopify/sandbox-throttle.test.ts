/**
 * Cost-based throttling against the Shopify sandbox: a bucket far smaller than a real shop's, so the reader
 * meets THROTTLED replies on nearly every page and must wait them out without losing or repeating data.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { customerGid } from "../../../sandbox/shopify/customer";
import { startShopifySandbox, type ShopifySandbox } from "../../../sandbox/shopify/server";
import { installOfflineSession } from "./sandbox-session";

const SHOP = "tight.myshopify.com";
let sandbox: ShopifySandbox;

beforeAll(async () => {
  sandbox = await startShopifySandbox({
    port: 0,
    app: { apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET!, url: process.env.SHOPIFY_APP_URL! },
    stores: [{ domain: SHOP, name: "Tight", ianaTimezone: "Europe/London", customers: 40, seed: 4 }],
    // A page of 8 customers costs 2 + 8 × 6 = 50: the whole bucket, refilled in half a second.
    throttle: { maximumAvailable: 50, restoreRate: 100 },
  });
  process.env.SHOPIFY_ADMIN_TRANSPORT_URL = sandbox.url;
  const { sessionStorage } = await import("../../../app/shopify.server");
  await installOfflineSession({
    sandboxUrl: sandbox.url,
    shop: SHOP,
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    storeSession: (session) => sessionStorage.storeSession(session),
  });
});

afterAll(async () => {
  await sandbox?.close();
  delete process.env.SHOPIFY_ADMIN_TRANSPORT_URL;
});

it("the paged reader survives THROTTLED replies and returns every customer once", async () => {
  const { getShopifyAdmin } = await import("../../../app/shopify/admin.server");
  const { readCustomerPages } = await import("../../../app/shopify/customers");
  const { graphql } = await getShopifyAdmin({ shop: SHOP });

  // Two readers at once share the bucket, as two workers of one shop would.
  const read = async () => {
    const ids: string[] = [];
    for await (const customer of readCustomerPages({ graphql, pageSize: 8 })) ids.push(customer.id);
    return ids;
  };
  const [first, second] = await Promise.all([read(), read()]);

  const seeded = [...sandbox.store(SHOP).customers()].map((c) => customerGid(c.id));
  expect(first).toEqual(seeded);
  expect(second).toEqual(seeded);
  expect(sandbox.stats(SHOP).throttled).toBeGreaterThan(0);
});

it("a page that costs more than the whole bucket fails at once instead of waiting for ever", async () => {
  const { getShopifyAdmin } = await import("../../../app/shopify/admin.server");
  const { readCustomerPages } = await import("../../../app/shopify/customers");
  const { graphql } = await getShopifyAdmin({ shop: SHOP });
  const pages = readCustomerPages({ graphql, pageSize: 100 })[Symbol.asyncIterator]();
  await expect(pages.next()).rejects.toThrow(/exceeds the shop's bucket of 50/);
});
