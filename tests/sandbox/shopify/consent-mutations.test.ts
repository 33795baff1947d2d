/**
 * The sandbox's customerEmailMarketingConsentUpdate and customerSmsMarketingConsentUpdate over real HTTP: the
 * real schema's input rules, userErrors, the write_customers scope, and the webhooks the write sends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerGid } from "../../../sandbox/shopify/customer";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { exchangeToken, graphql, startTestSandbox, startWebhookReceiver, TEST_SHOP } from "./test-support";

let sandbox: ShopifySandbox;
let readOnly: ShopifySandbox;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let token: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => 200);
  sandbox = await startTestSandbox({ appUrl: receiver.url, app: { apiKey: "test-api-key", apiSecret: "test-api-secret", url: receiver.url, scopes: "read_customers,write_customers" } });
  readOnly = await startTestSandbox({ appUrl: receiver.url });
  token = (await exchangeToken(sandbox)).access_token;
});
afterAll(async () => {
  await sandbox.close();
  await readOnly.close();
  await receiver.close();
});

const EMAIL = `mutation M($input: CustomerEmailMarketingConsentUpdateInput!) {
  customerEmailMarketingConsentUpdate(input: $input) { customer { id defaultEmailAddress { marketingState marketingUpdatedAt } } userErrors { field message code } }
}`;
const SMS = `mutation M($input: CustomerSmsMarketingConsentUpdateInput!) {
  customerSmsMarketingConsentUpdate(input: $input) { customer { id defaultPhoneNumber { marketingState } } userErrors { field message code } }
}`;

const customers = () => [...sandbox.store(TEST_SHOP).customers()];
const subscribed = () => customers().find((c) => c.email?.marketingState === "SUBSCRIBED" && c.phone?.marketingState === "SUBSCRIBED")!;

describe("consent mutations", () => {
  it("UNSUBSCRIBED with the consent time: the customer changes and customers/update plus the consent topic are delivered", async () => {
    const c = subscribed();
    const before = receiver.received.length;
    const { body } = await graphql(sandbox, token, EMAIL, { input: { customerId: customerGid(c.id), emailMarketingConsent: { marketingState: "UNSUBSCRIBED", consentUpdatedAt: "2026-01-02T03:04:05.678Z" } } });
    expect(body.data.customerEmailMarketingConsentUpdate).toEqual({ customer: { id: customerGid(c.id), defaultEmailAddress: { marketingState: "UNSUBSCRIBED", marketingUpdatedAt: "2026-01-02T03:04:05Z" } }, userErrors: [] });
    await expect.poll(() => receiver.received.length - before).toBe(2);
    const topics = receiver.received.slice(before).map((w) => w.headers["x-shopify-topic"]);
    expect(topics).toEqual(["customers/update", "customers_email_marketing_consent/update"]);
    expect(JSON.parse(receiver.received.at(-1)!.body).email_marketing_consent).toMatchObject({ state: "unsubscribed", consent_updated_at: expect.stringContaining("2026-01-02T") });

    const sms = await graphql(sandbox, token, SMS, { input: { customerId: customerGid(c.id), smsMarketingConsent: { marketingState: "UNSUBSCRIBED" } } });
    expect(sms.body.data.customerSmsMarketingConsentUpdate).toEqual({ customer: { id: customerGid(c.id), defaultPhoneNumber: { marketingState: "UNSUBSCRIBED" } }, userErrors: [] });
    await expect.poll(() => receiver.received.at(-1)?.headers["x-shopify-topic"]).toBe("customers_marketing_consent/update");
  });

  it("refuses what Shopify refuses, with userErrors and nothing changed", async () => {
    const c = customers().find((x) => x.email?.marketingState === "SUBSCRIBED")!;
    const attempt = async (consent: Record<string, unknown>, customerId = customerGid(c.id)) =>
      (await graphql(sandbox, token, EMAIL, { input: { customerId, emailMarketingConsent: consent } })).body.data.customerEmailMarketingConsentUpdate;
    expect(await attempt({ marketingState: "NOT_SUBSCRIBED" })).toMatchObject({ customer: null, userErrors: [{ field: ["input", "emailMarketingConsent", "marketingState"], code: "INCLUSION" }] });
    expect(await attempt({ marketingState: "UNSUBSCRIBED", consentUpdatedAt: "2999-01-01T00:00:00Z" })).toMatchObject({ customer: null, userErrors: [{ code: "INVALID" }] });
    expect(await attempt({ marketingState: "UNSUBSCRIBED" }, "gid://shopify/Customer/1")).toMatchObject({ customer: null, userErrors: [{ field: ["input", "customerId"], code: "INVALID" }] });
    expect(sandbox.store(TEST_SHOP).getCustomer(c.id)!.email!.marketingState).toBe("SUBSCRIBED");
    // An enum value the schema does not have is a GraphQL error, as on Shopify.
    const bad = await graphql(sandbox, token, EMAIL, { input: { customerId: customerGid(c.id), emailMarketingConsent: { marketingState: "OPTED_OUT" } } });
    expect(bad.body.errors?.[0].message).toMatch(/OPTED_OUT/);
  });

  it("needs write_customers", async () => {
    const readToken = (await exchangeToken(readOnly)).access_token;
    const c = [...readOnly.store(TEST_SHOP).customers()].find((x) => x.email)!;
    const { body } = await graphql(readOnly, readToken, EMAIL, { input: { customerId: customerGid(c.id), emailMarketingConsent: { marketingState: "UNSUBSCRIBED" } } });
    expect(body.errors[0].extensions.code).toBe("ACCESS_DENIED");
    expect(readOnly.store(TEST_SHOP).getCustomer(c.id)!.email!.marketingState).toBe(c.email!.marketingState);
  });
});
