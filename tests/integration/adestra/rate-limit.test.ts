/**
 * The Adestra rate limit belongs to the account: every process sending to one account takes its requests
 * from one token bucket in Redis. Two shops on the same Adestra account send at the same time against a
 * sandbox that answers fault 304 above 20 requests/s; with the app's limit at 15/s, Adestra never refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDemo, expectedSend, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";

const A: Store = { domain: "rate-a.myshopify.com", customers: 30, seed: 1, ianaTimezone: "UTC" };
const B: Store = { domain: "rate-b.myshopify.com", customers: 30, seed: 2, ianaTimezone: "UTC" };

let stack: Stack;

beforeAll(async () => {
  process.env.ADESTRA_REQUESTS_PER_SECOND = "15";
  stack = await startStack({ stores: [A, B], adestra: { rateLimit: { requestsPerSecond: 20 } } });
  for (const store of [A, B]) {
    await connectDemo(stack, await setUpShop(stack, store));
  }
});

afterAll(async () => {
  await stack?.close();
});

describe("the account's token bucket in Redis", () => {
  it("is shared by every connection: a burst of 15, then callers are told to wait", async () => {
    const { createTokenBucket } = await import("../../../app/destinations/adestra/rate-limit.server");
    const { accountBucketKey } = await import("../../../app/destinations/adestra/account.server");
    const env = stack.app.env.parseEnv();
    const key = accountBucketKey("Bucket Test");
    expect(accountBucketKey(" bucket test")).toBe(key);
    const [redisOne, redisTwo] = [stack.app.redis.createRedis(env.REDIS_URL), stack.app.redis.createRedis(env.REDIS_URL)];
    const one = createTokenBucket({ redis: redisOne, key, ratePerSecond: 15 });
    const two = createTokenBucket({ redis: redisTwo, key, ratePerSecond: 15 });
    const waits = [];
    for (let i = 0; i < 8; i++) waits.push(await one.tryTake(), await two.tryTake());
    redisOne.disconnect();
    redisTwo.disconnect();
    expect(waits.slice(0, 15)).toEqual(Array(15).fill(0));
    expect(waits[15]).toBeGreaterThan(0);
    expect(waits[15]).toBeLessThanOrEqual(Math.ceil(1000 / 15));
  });

  it("two shops on one Adestra account sending at once stay under Adestra's limit", async () => {
    const starts = [];
    for (const store of [A, B]) {
      const shop = await stack.app.shops.resolveShopContext({ shop: store.domain });
      const list = await stack.app.lists.createAdestraList({ shop, name: `All of ${store.domain}` });
      if (!list.ok) throw new Error(JSON.stringify(list));
      starts.push({ store, listId: list.list.id, ...(await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId: list.list.id } })) });
    }
    for (const { store, listId, runId } of starts) {
      const run = await waitForRun(stack, runId);
      expect(run).toMatchObject({ status: "succeeded", failed: 0 });
      expect(stack.demo.listMembers(listId)).toEqual(expectedSend(store, { profileGroup: "all" }).list);
    }
    expect(stack.demo.stats().rateLimited).toBe(0);
    expect(stack.demo.stats().faults[304]).toBeUndefined();
  });
});
