/**
 * Adestra at an account limit below the app's configured pace (issue 10, finding 7): the sandbox refuses
 * more than 5 requests/s with fault 304 while ADESTRA_REQUESTS_PER_SECOND is 20. Two shops on the one
 * Adestra account send at once, each in its own worker PROCESS; their 304s lower the account's one pace in
 * Redis, and both sends finish with every contact written once and exact counters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import { connectDemo, expectedSend, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";

const A: Store = { domain: "pace-a.myshopify.com", customers: 50, seed: 71, ianaTimezone: "UTC" };
const B: Store = { domain: "pace-b.myshopify.com", customers: 50, seed: 72, ianaTimezone: "UTC" };
const ACCOUNT_LIMIT = 5;

let stack: Stack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  process.env.ADESTRA_REQUESTS_PER_SECOND = "20";
  // One send at a time per worker process, so the two sends run in two processes.
  process.env.WORKER_CONCURRENCY = "1";
  stack = await startStack({ stores: [A, B], adestra: { rateLimit: { requestsPerSecond: ACCOUNT_LIMIT } }, worker: false });
  for (const store of [A, B]) await connectDemo(stack, await setUpShop(stack, store));
});

afterAll(async () => {
  for (const worker of workers) if (worker.running()) await worker.kill("SIGTERM");
  await stack?.close();
  delete process.env.WORKER_CONCURRENCY;
});

describe("Adestra at a 5/s account limit", () => {
  it("two sends to the account at once, in two worker processes, both finish: every contact written once, exact counters, a few 304s", { timeout: 240_000 }, async () => {
    const sends = [];
    for (const store of [A, B]) {
      const shop = await stack.app.shops.resolveShopContext({ shop: store.domain });
      const list = await stack.app.lists.createAdestraList({ shop, name: `All of ${store.domain}` });
      if (!list.ok) throw new Error(JSON.stringify(list));
      sends.push({ expected: expectedSend(store, { profileGroup: "all" }), listId: list.list.id, store });
    }
    workers.push(await startWorkerProcess(), await startWorkerProcess());
    const before = stack.demo.stats();
    const started = [];
    for (const { store, listId } of sends) {
      const shop = await stack.app.shops.resolveShopContext({ shop: store.domain });
      started.push(await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId } }));
    }
    const runs = await Promise.all(started.map(({ runId }) => waitForRun(stack, runId, { timeoutMs: 220_000 })));

    // The sends overlapped, so (one sync job per process) they ran in the two processes at once.
    const [first, second] = runs.map((run) => ({ startedAt: run!.startedAt!.getTime(), finishedAt: run!.finishedAt!.getTime() }));
    expect(first.startedAt).toBeLessThan(second.finishedAt);
    expect(second.startedAt).toBeLessThan(first.finishedAt);

    const contacts = sends.reduce((sum, { expected }) => sum + expected.matched, 0);
    const unsubscribed = sends.reduce((sum, { expected }) => sum + expected.unsub.length, 0);
    sends.forEach(({ expected, listId, store }, i) => {
      expect(runs[i]).toMatchObject({ status: "succeeded", seen: store.customers, matched: expected.matched, failed: 0, skipped: expected.skipped });
      expect(runs[i]).toMatchObject({ created: expected.matched, updated: 0, unchanged: 0, suppressed: expected.unsub.length });
      expect(stack.demo.listMembers(listId)).toEqual(expected.list);
    });
    expect(stack.demo.unsubAddresses(10)).toEqual([...new Set(sends.flatMap(({ expected }) => expected.unsub))].sort());

    // Written once: one contact per address, and Adestra carried out each write exactly once.
    const emails = stack.demo.contacts(1).map((c) => c.fields.email.toLowerCase());
    expect(emails).toHaveLength(new Set(emails).size);
    expect(emails).toHaveLength(contacts);
    const stats = stack.demo.stats();
    const served = (method: string) => (stats.served[method] ?? 0) - (before.served[method] ?? 0);
    expect(served("contact.create")).toBe(contacts);
    expect(served("contact.addList")).toBe(contacts);
    expect(served("unsubList.addAddress")).toBe(unsubscribed);

    // Adestra did say "slow down", the pace was lowered for both sends, and the refusals stayed few.
    const refused = stats.rateLimited - before.rateLimited;
    const requests = stats.requests - before.requests;
    console.info(`account pace: ${contacts} contacts, ${unsubscribed} unsubscribed, ${requests} requests, ${refused} refused with 304`);
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(contacts / 4);
    const { createAccountPace } = await import("../../../app/destinations/adestra/rate-limit.server");
    const { accountBucketKey } = await import("../../../app/destinations/adestra/account.server");
    const pace = await createAccountPace({ redis: stack.app.redis.getRedis(), key: accountBucketKey("demo"), ceiling: 20 }).current();
    expect(pace.rate).toBeLessThan(20);
    expect(pace.epoch).toBeGreaterThan(0);
  });
});
