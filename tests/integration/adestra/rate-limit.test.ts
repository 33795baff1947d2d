/**
 * The Adestra rate limit belongs to the account: every process sending to one account takes its requests
 * from one token bucket in Redis, at the account's one pace. Two shops on the same Adestra account send at the same time against a
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

describe("the account's token bucket and pace in Redis", () => {
  it("is shared by every connection: one request at a time (no burst), then callers are told to wait", async () => {
    const { createAccountPace } = await import("../../../app/destinations/adestra/rate-limit.server");
    const { accountBucketKey } = await import("../../../app/destinations/adestra/account.server");
    const env = stack.app.env.parseEnv();
    const key = accountBucketKey("Bucket Test");
    expect(accountBucketKey(" bucket test")).toBe(key);
    const [redisOne, redisTwo] = [stack.app.redis.createRedis(env.REDIS_URL), stack.app.redis.createRedis(env.REDIS_URL)];
    const one = createAccountPace({ redis: redisOne, key, ceiling: 15 });
    const two = createAccountPace({ redis: redisTwo, key, ceiling: 15 });
    const first = await one.tryTake();
    const second = await two.tryTake();
    expect(first.waitMs).toBe(0);
    expect(second.waitMs).toBeGreaterThan(0);
    expect(second.waitMs).toBeLessThanOrEqual(Math.ceil(1000 / 15));

    // A 304 seen by one lowers the pace for both, once for requests refused together at the same setting.
    await one.refused(first.ticket);
    await two.refused(first.ticket);
    expect(await two.current()).toMatchObject({ rate: 7.5, epoch: first.ticket.epoch + 1 });
    const next = await two.take();
    expect(next.epoch).toBe(first.ticket.epoch + 1);
    await two.refused(next);
    expect((await one.current()).rate).toBe(3.75);
    // Another account's pace is its own.
    expect(await createAccountPace({ redis: redisOne, key: accountBucketKey("Other Account"), ceiling: 15 }).current()).toMatchObject({ rate: 15, epoch: 0 });
    redisOne.disconnect();
    redisTwo.disconnect();
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
