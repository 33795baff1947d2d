import { GraphqlQueryError, Session } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxTransport } from "../../../app/shopify/transport.server";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { testShopifyApi } from "./library";
import { eventually, exchangeToken, graphql, startTestSandbox, TEST_SHOP } from "./test-support";
import { LeakyBucket } from "../../../sandbox/shopify/throttle";

describe("LeakyBucket", () => {
  it("takes whole costs only, refills at the restore rate, refunds up to the maximum", () => {
    let now = 0;
    const bucket = new LeakyBucket({ maximumAvailable: 100, restoreRate: 10 }, () => now);
    expect(bucket.tryTake(60)).toBe(true);
    expect(bucket.tryTake(60)).toBe(false);
    expect(bucket.status()).toEqual({ maximumAvailable: 100, currentlyAvailable: 40, restoreRate: 10 });
    now += 2_000;
    expect(bucket.tryTake(60)).toBe(true);
    bucket.refund(500);
    expect(bucket.status().currentlyAvailable).toBe(100);
  });
});

describe("throttling over HTTP", () => {
  const QUERY = "{ customers(first: 10) { nodes { id } } }"; // requested cost 12
  let sandbox: ShopifySandbox;
  let token: string;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ throttle: { maximumAvailable: 30, restoreRate: 10 } });
    token = (await exchangeToken(sandbox)).access_token;
  });
  afterAll(() => sandbox.close());

  it("answers THROTTLED (HTTP 200, with the cost extension) when the bucket is empty, and recovers", async () => {
    let throttled;
    for (let attempt = 0; attempt < 10 && !throttled; attempt++) {
      const { status, body } = await graphql(sandbox, token, QUERY);
      expect(status).toBe(200);
      expect(body.extensions.cost).toMatchObject({ requestedQueryCost: 12, throttleStatus: { maximumAvailable: 30, restoreRate: 10 } });
      if (body.errors) throttled = body;
    }
    expect(throttled).toMatchObject({
      errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: expect.any(String) } }],
      extensions: { cost: { requestedQueryCost: 12, actualQueryCost: null } },
    });
    expect(throttled!.data).toBeUndefined();
    expect(throttled!.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThan(12);
    expect(sandbox.stats(TEST_SHOP).throttled).toBeGreaterThanOrEqual(1);

    const recovered = await eventually(async () => {
      const { body } = await graphql(sandbox, token, QUERY);
      return body.data ? body : null;
    });
    expect(recovered.data.customers.nodes).toHaveLength(10);
  });

  it("reaches the library as a GraphqlQueryError carrying the throttle status", async () => {
    setAbstractFetchFunc(sandboxTransport(sandbox.url, globalThis.fetch));
    const api = testShopifyApi();
    const session = new Session({ id: `offline_${TEST_SHOP}`, shop: TEST_SHOP, state: "", isOnline: false, accessToken: token });
    const client = new api.clients.Graphql({ session });
    const error = await eventually(async () => {
      const result = await client.request(QUERY).catch((e: unknown) => e);
      return result instanceof GraphqlQueryError ? result : null;
    }, 0);
    expect(error.body?.errors).toMatchObject({ graphQLErrors: [{ extensions: { code: "THROTTLED" } }] });
    expect(error.body?.extensions?.cost?.throttleStatus).toMatchObject({ maximumAvailable: 30 });
  });

  it("refuses a query above the single-query maximum of 1000 without charging it", async () => {
    const { body } = await graphql(sandbox, token, "{ customers(first: 250) { nodes { id defaultAddress { city } defaultEmailAddress { emailAddress } amountSpent { amount } lastOrder { id } } } }");
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(/^Query cost is 1252, which exceeds the single query max cost limit \(1000\)\./),
        extensions: { code: "MAX_COST_EXCEEDED", cost: 1252, maxCost: 1000 },
      },
    ]);
    expect(body.extensions.cost).toMatchObject({ requestedQueryCost: 1252, actualQueryCost: null });
  });
});
