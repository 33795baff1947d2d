import "@shopify/shopify-app-remix/adapters/node";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { setUpValidSession, TEST_SHOP } from "@shopify/shopify-api/test-helpers";
import { ApiVersion, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { testConfig } from "@shopify/shopify-app-remix/test-helpers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ShopifyAuthError, ShopifyGraphqlError, ShopifyHttpError, ShopifyThrottledError } from "./errors";
import { createShopifyGraphql, THROTTLE_MARGIN_MS, type AdminGraphqlClient } from "./graphql-client";
import { sleep as realSleep } from "./sleep";

// The real library client over a scripted transport, so the errors are the ones the library really throws.
const config = testConfig({ apiVersion: ApiVersion.July26, logger: { level: LogSeverity.Error } });
const shopify = shopifyApp(config);
let admin: AdminGraphqlClient;
let replies: (() => Response)[];
let requests: number;

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const cost = (requested: number, available: number) => ({
  cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: { maximumAvailable: 1000, currentlyAvailable: available, restoreRate: 50 } },
});
const throttled = (requested: number, available: number) =>
  json({ errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }], extensions: cost(requested, available) });
const shopData = { shop: { name: "Acme" } };

beforeAll(async () => {
  await config.sessionStorage!.storeSession(setUpValidSession({ shop: TEST_SHOP }));
  admin = (await shopify.unauthenticated.admin(TEST_SHOP)).admin;
  setAbstractFetchFunc(async () => {
    requests += 1;
    const reply = replies.shift();
    if (!reply) throw new Error("no scripted reply left");
    return reply();
  });
});

beforeEach(() => {
  replies = [];
  requests = 0;
});

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("createShopifyGraphql", () => {
  it("waits for the bucket to refill enough for the query, then returns the data", async () => {
    replies = [() => throttled(602, 102), () => json({ data: shopData, extensions: cost(602, 398) })];
    const { waits, sleep } = recordingSleep();
    const graphql = createShopifyGraphql({ admin, sleep });

    await expect(graphql("{ shop { name } }")).resolves.toEqual(shopData);
    // (602 − 102) points at 50 points/s = 10 s, plus the margin.
    expect(waits).toEqual([10_000 + THROTTLE_MARGIN_MS]);
    expect(requests).toBe(2);
  });

  it("keeps waiting through any number of throttles within the deadline", async () => {
    replies = [...Array.from({ length: 6 }, () => () => throttled(100, 95)), () => json({ data: shopData })];
    const { waits, sleep } = recordingSleep();

    await expect(createShopifyGraphql({ admin, sleep })("{ shop { name } }")).resolves.toEqual(shopData);
    expect(waits).toEqual(Array(6).fill(100 + THROTTLE_MARGIN_MS));
  });

  it("gives up with ShopifyThrottledError (and the wait it needs) when the wait would pass the deadline", async () => {
    replies = [() => throttled(602, 102)];
    const { waits, sleep } = recordingSleep();
    const graphql = createShopifyGraphql({ admin, sleep, throttleDeadlineMs: 5_000 });

    const error = await graphql("{ shop { name } }").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyThrottledError);
    expect(error).toMatchObject({ retryAfterMs: 10_000 + THROTTLE_MARGIN_MS });
    expect(waits).toEqual([]);
  });

  it("does not wait for a query that costs more than the whole bucket", async () => {
    replies = [() => throttled(1500, 1000)];
    const { waits, sleep } = recordingSleep();
    await expect(createShopifyGraphql({ admin, sleep })("{ shop { name } }")).rejects.toThrow(/exceeds the shop's bucket of 1000/);
    expect(waits).toEqual([]);
  });

  it("stops waiting when the signal aborts", async () => {
    replies = [() => throttled(602, 102)];
    const controller = new AbortController();
    const sleep = (ms: number, signal?: AbortSignal) => {
      controller.abort();
      return realSleep(ms, signal);
    };
    await expect(createShopifyGraphql({ admin, sleep })("{ shop { name } }", { signal: controller.signal })).rejects.toThrow(/abort/i);
  });

  it("turns other GraphQL errors into ShopifyGraphqlError with every message and code", async () => {
    replies = [
      () =>
        json({
          errors: [
            { message: "Field 'bogus' doesn't exist on type 'Shop'", extensions: { code: "undefinedField" } },
            { message: "Access denied for customers field.", extensions: { code: "ACCESS_DENIED" } },
          ],
        }),
    ];
    const error = await createShopifyGraphql({ admin })("{ shop { bogus } }").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyGraphqlError);
    expect(error).toMatchObject({
      messages: ["Field 'bogus' doesn't exist on type 'Shop'", "Access denied for customers field."],
      codes: ["undefinedField", "ACCESS_DENIED"],
    });
  });

  it("turns HTTP 401 into ShopifyAuthError: the shop must open the app again", async () => {
    replies = [() => json({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" }, 401)];
    await expect(createShopifyGraphql({ admin, shop: TEST_SHOP })("{ shop { name } }")).rejects.toThrow(ShopifyAuthError);
  });

  it("turns other HTTP failures into ShopifyHttpError, retryable for 5xx", async () => {
    replies = [() => json({ errors: "Internal error" }, 502)];
    const error = await createShopifyGraphql({ admin })("{ shop { name } }").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyHttpError);
    expect(error).toMatchObject({ status: 502, retryable: true });
  });
});
