import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerGid } from "../../../sandbox/shopify/customer";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { eventually, exchangeToken, graphql, startTestSandbox, startWebhookReceiver, TEST_APP, TEST_SHOP } from "./test-support";

const CUSTOMERS = 600;
const SEED = 7;
const NODE_FIELDS = `id legacyResourceId firstName lastName displayName tags locale numberOfOrders createdAt updatedAt state verifiedEmail note
  defaultEmailAddress { emailAddress marketingState marketingOptInLevel marketingUpdatedAt validFormat }
  defaultPhoneNumber { phoneNumber marketingState marketingOptInLevel marketingUpdatedAt marketingCollectedFrom }
  defaultAddress { address1 city province provinceCode country countryCodeV2 zip phone company firstName lastName }
  amountSpent { amount currencyCode } lastOrder { id name createdAt processedAt }`;
const RUN = `mutation Run($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: false) { bulkOperation { id status } userErrors { field message code } }
}`;
const POLL = "query($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount fileSize url completedAt } }";

let sandbox: ShopifySandbox;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let token: string;
const query = (text: string, variables?: Record<string, unknown>) => graphql(sandbox, token, text, variables).then((r) => r.body);

async function runToEnd(bulkQuery: string) {
  const started = await query(RUN, { query: bulkQuery });
  expect(started.data.bulkOperationRunQuery).toMatchObject({ bulkOperation: { status: "CREATED" }, userErrors: [] });
  const id = started.data.bulkOperationRunQuery.bulkOperation.id;
  return eventually(async () => {
    const { data } = await query(POLL, { id });
    return ["COMPLETED", "FAILED", "CANCELED"].includes(data.bulkOperation.status) && data.bulkOperation;
  });
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startTestSandbox({ appUrl: receiver.url, customers: CUSTOMERS, throttle: { maximumAvailable: 1_000_000, restoreRate: 1_000_000 } });
  token = (await exchangeToken(sandbox)).access_token;
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

describe("bulk operations", () => {
  it("writes a JSONL file whose lines are the seeded customers, as the same query returns them page by page", async () => {
    const operation = await runToEnd(`{ customers { edges { node { ${NODE_FIELDS} } } } }`);
    expect(operation).toMatchObject({ status: "COMPLETED", errorCode: null, objectCount: String(CUSTOMERS), rootObjectCount: String(CUSTOMERS) });

    const file = await fetch(operation.url);
    expect(file.headers.get("content-type")).toBe("application/jsonl");
    const text = await file.text();
    expect(String(Buffer.byteLength(text))).toBe(operation.fileSize);
    const lines = text.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((line) => line.id)).toEqual(Array.from({ length: CUSTOMERS }, (_, i) => customerGid(seedCustomer(SEED, i).id)));
    expect(lines.map((line) => line.defaultEmailAddress?.emailAddress ?? null)).toEqual(
      Array.from({ length: CUSTOMERS }, (_, i) => seedCustomer(SEED, i).email?.address ?? null),
    );

    const paged = [];
    for (let after: string | null = null, more = true; more; ) {
      const { data } = await query(`query($after: String) { customers(first: 150, after: $after) { nodes { ${NODE_FIELDS} } pageInfo { hasNextPage endCursor } } }`, { after });
      paged.push(...data.customers.nodes);
      ({ hasNextPage: more, endCursor: after } = data.customers.pageInfo);
    }
    expect(lines).toEqual(paged);
  });

  it("signs the bulk_operations/finish webhook it sends to the app", async () => {
    const operation = await runToEnd("{ customers(query: \"country:SE\") { nodes { id } } }");
    const webhook = await eventually(async () => receiver.received.find((w) => w.body.includes(operation.id)));
    expect(webhook.path).toBe("/webhooks/bulk_operations/finish");
    expect(webhook.headers["x-shopify-hmac-sha256"]).toBe(createHmac("sha256", TEST_APP.apiSecret).update(webhook.body).digest("base64"));
    expect(webhook.headers).toMatchObject({ "x-shopify-topic": "bulk_operations/finish", "x-shopify-shop-domain": TEST_SHOP, "x-shopify-api-version": "2026-07" });
    expect(JSON.parse(webhook.body)).toEqual({
      admin_graphql_api_id: operation.id,
      completed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/),
      created_at: expect.any(String),
      error_code: null,
      status: "completed",
      type: "query",
    });
    const swedes = [...sandbox.store(TEST_SHOP).customers()].filter((c) => c.address?.countryCode === "SE");
    expect(operation.rootObjectCount).toBe(String(swedes.length));
  });

  it("runs one query operation at a time per shop", async () => {
    const both = await query(`mutation {
      first: bulkOperationRunQuery(query: "{ customers { nodes { id } } }") { bulkOperation { id } userErrors { code } }
      second: bulkOperationRunQuery(query: "{ customers { nodes { id } } }") { bulkOperation { id } userErrors { code message } }
    }`);
    expect(both.data.second).toEqual({
      bulkOperation: null,
      userErrors: [{ code: "OPERATION_IN_PROGRESS", message: `A bulk query operation for this app and shop is already in progress: ${both.data.first.bulkOperation.id}.` }],
    });
    await eventually(async () => (await query(POLL, { id: both.data.first.bulkOperation.id })).data.bulkOperation.status === "COMPLETED");
    const running = await query('{ bulkOperations(first: 10, query: "status:running") { nodes { id } } }');
    expect(running.data.bulkOperations.nodes).toEqual([]);
  });

  it("refuses invalid bulk queries with userErrors", async () => {
    const userErrors = async (bulkQuery: string) => (await query(RUN, { query: bulkQuery })).data.bulkOperationRunQuery.userErrors;
    expect(await userErrors("{ shop { name } }")).toEqual([{ field: ["query"], code: "INVALID", message: "Invalid bulk query: Bulk queries must contain at least one connection." }]);
    expect((await userErrors("{ customers { nodes { bogus } } }"))[0].message).toMatch(/^Invalid bulk query: Cannot query field "bogus"/);
    expect((await userErrors('{ customers(query: "colour:red") { nodes { id } } }'))[0].message).toMatch(/'colour'/);
    expect((await userErrors("{ customers { nodes { orders { nodes { id } } } } }"))[0].message).toMatch(/must select its `id`/);
  });

  it("serves files only through the signed URL", async () => {
    const operation = await runToEnd("{ customers { nodes { id } } }");
    expect((await fetch(operation.url.replace(/signature=[^&]+/, "signature=forged"))).status).toBe(403);
  });

  it("serves byte ranges as a storage bucket does: 206 with Content-Range, 416 past the end", async () => {
    const operation = await runToEnd("{ customers { nodes { id } } }");
    const whole = await (await fetch(operation.url)).text();
    const size = Buffer.byteLength(whole);
    const from = await fetch(operation.url, { headers: { range: "bytes=100-" } });
    expect(from.status).toBe(206);
    expect(from.headers.get("content-range")).toBe(`bytes 100-${size - 1}/${size}`);
    expect(await from.text()).toBe(whole.slice(100));
    const part = await fetch(operation.url, { headers: { range: "bytes=10-19" } });
    expect([part.status, await part.text()]).toEqual([206, whole.slice(10, 20)]);
    const past = await fetch(operation.url, { headers: { range: `bytes=${size}-` } });
    expect([past.status, past.headers.get("content-range")]).toEqual([416, `bytes */${size}`]);
    expect(await past.text()).toContain("<Code>InvalidRange</Code>");
  });

  it("test fault: the first download of each file is cut mid-body; the rest is there by range", async () => {
    const operation = await runToEnd("{ customers { nodes { id } } }");
    sandbox.cutBulkDownloads(1_000);
    try {
      const first = await fetch(operation.url);
      expect(first.status).toBe(200);
      let received = 0;
      const failure = await (async () => {
        for await (const chunk of first.body!) received += chunk.byteLength;
      })().then(() => null, (error: Error) => error);
      expect(failure).toBeInstanceOf(TypeError);
      expect(received).toBe(1_000);
      const rest = await fetch(operation.url, { headers: { range: "bytes=1000-" } });
      expect(rest.status).toBe(206);
      expect(Buffer.byteLength(await rest.text()) + 1_000).toBe(Number(operation.fileSize));
    } finally {
      sandbox.cutBulkDownloads(null);
    }
  });
});
