/**
 * A worker killed mid-sync: the Full Sync runs in a separate worker PROCESS (workers/index.ts), which is
 * SIGKILLed after it has written some profiles. Another worker picks the job up again (BullMQ's stalled-job
 * recovery) and the run continues from its checkpoint: it ends in the same final state as an uninterrupted
 * sync, with nothing written twice, nothing lost and nothing recorded as synced that APSIS does not have.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  configureDemo,
  connectDemo,
  demoDefinitions,
  expectedFullSync,
  expectLinksBackedByApsis,
  expectProfileInApsis,
  setUpShop,
  type Stack,
  startStack,
  type Store,
  waitForRun,
} from "./stack";
import { waitFor } from "../../support/wait-for";
import { expireLockOfDeadWorker, startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import { FULL_SYNC_RUN } from "../../../app/destinations/apsis/jobs/definitions";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-resume.myshopify.com", customers: 400, seed: 43, ianaTimezone: "Europe/Stockholm" };

let stack: Stack;
let shop: ShopContext;
let shopId: string;
let child: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE], worker: false });
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
});

afterAll(async () => {
  if (child?.running()) await child.kill();
  await stack?.close();
});

const expireLock = (runId: string) =>
  expireLockOfDeadWorker({ redis: stack.app.redis.getRedis(), prefix: stack.app.env.parseEnv().REDIS_PREFIX, queue: "sync", jobId: FULL_SYNC_RUN.jobId(runId) });

/**
 * The same final state as an uninterrupted sync: every matching customer, once, in the right Section with its
 * data and consent; exact counters; every link backed by APSIS; no consent recorded twice, no opt-in without
 * SUBSCRIBED.
 */
async function expectSameAsUninterrupted(run: Awaited<ReturnType<typeof waitForRun>>) {
  const expected = expectedFullSync(STORE);
  // Same final state as an uninterrupted sync: every matching customer, once, right Section, data, consent.
  expect(run).toMatchObject({ status: "succeeded", seen: STORE.customers, matched: expected.matched, skipped: expected.skipped, failed: 0, updated: 0 });
  // Customers finished after the checkpoint but before the kill are found unchanged, not written again.
  expect(run.created + run.unchanged).toBe(expected.matched);
  const profiles = stack.demo.profiles();
  expect(profiles.map((p) => p.profileKey).sort()).toEqual(expected.profiles.map((p) => p.profileKey).sort());
  const names = await demoDefinitions(stack, shop);
  for (const p of expected.profiles) expectProfileInApsis(stack, names, STORE, p);
  const links = await expectLinksBackedByApsis(stack, shopId);
  expect(links).toHaveLength(expected.matched);

  // No consent was recorded twice, and no opt-in without SUBSCRIBED.
  const events = await stack.app.db.getDb().consentEvent.findMany({ where: { shopId } });
  const perCustomer = new Map<string, number>();
  for (const e of events) perCustomer.set(`${e.customerId} ${e.channel} ${e.topic}`, (perCustomer.get(`${e.customerId} ${e.channel} ${e.topic}`) ?? 0) + 1);
  expect(Math.max(...perCustomer.values())).toBe(1);
  for (const e of events.filter((e) => e.type === "opt_in")) {
    const p = expected.profiles.find((x) => x.gid === e.customerId)!;
    expect(e.channel === "sms" ? p.sms : p.email).toBe("opt-in");
  }
}

describe("killing the worker mid-sync", () => {
  it("another worker resumes from the checkpoint and the final state is the same", async () => {
    const expected = expectedFullSync(STORE);
    child = await startWorkerProcess();

    const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
    // Let it write a part of the store, then kill it without warning.
    await waitFor(() => stack.demo.profiles().length >= 60, { timeoutMs: 30_000, what: "60 profiles" });
    await child.kill();

    const interrupted = (await stack.app.runs.getSyncRunSummary({ runId }))!;
    expect(interrupted.status).toBe("running");
    const writtenBeforeKill = stack.demo.profiles().length;
    expect(writtenBeforeKill).toBeLessThan(expected.matched);
    // Nothing is recorded as synced that APSIS does not have.
    const linksAtKill = await expectLinksBackedByApsis(stack, shopId);
    expect(linksAtKill.length).toBeGreaterThan(0);
    const checkpoint = JSON.parse((await stack.app.runs.getSyncRunCheckpoint({ runId }))!) as { afterId: string; counters: { seen: number } };
    expect(checkpoint.counters.seen).toBeGreaterThan(0);
    expect(checkpoint.counters.seen).toBeLessThan(STORE.customers);

    await expireLock(runId);
    const worker = await stack.startWorker();
    const run = await waitForRun(stack, runId);
    await worker.close();

    await expectSameAsUninterrupted(run);

    // The second attempt read only the customers after the checkpoint.
    const logs = await stack.app.queues.getQueue("sync").getJobLogs(FULL_SYNC_RUN.jobId(runId));
    expect(logs.logs.join("\n"), logs.logs.join("\n")).toContain(`resuming after customer ${checkpoint.afterId}`);

  }, 120_000);

  it("SIGTERM: the worker checkpoints and exits promptly; the job goes back to the queue and the next worker finishes it", async () => {
    // Start again from an empty APSIS account.
    stack.demo.reset();
    await stack.app.db.getDb().profileLink.deleteMany({ where: { shopId } });
    const expected = expectedFullSync(STORE);
    child = await startWorkerProcess();

    const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
    await waitFor(() => stack.demo.profiles().length >= 40, { timeoutMs: 30_000, what: "40 profiles" });
    const askedAt = Date.now();
    expect(await child.kill("SIGTERM")).toBe(0);
    expect(Date.now() - askedAt).toBeLessThan(10_000);
    expect(child.output()).toContain("worker stopped");

    const paused = (await stack.app.runs.getSyncRunSummary({ runId }))!;
    expect(paused).toMatchObject({ status: "queued", errorMessage: expect.stringContaining("Paused while a worker restarted") });
    expect(stack.demo.profiles().length).toBeLessThan(expected.matched);
    await expectLinksBackedByApsis(stack, shopId);
    const job = (await stack.app.queues.getQueue("sync").getJob(FULL_SYNC_RUN.jobId(runId)))!;
    expect(await job.getState()).toBe("waiting");
    expect(job.attemptsMade).toBe(0);

    const worker = await stack.startWorker();
    const run = await waitForRun(stack, runId);
    await worker.close();
    expect(run).toMatchObject({ status: "succeeded", seen: STORE.customers, matched: expected.matched, skipped: expected.skipped, failed: 0, updated: 0, errorMessage: null });
    expect(run.created + run.unchanged).toBe(expected.matched);
    const names = await demoDefinitions(stack, shop);
    expect(stack.demo.profiles()).toHaveLength(expected.matched);
    for (const p of expected.profiles) expectProfileInApsis(stack, names, STORE, p);
  }, 120_000);

  it("SIGKILL three times in one Full Sync: each next worker resumes it, and the final state is the same", async () => {
    stack.demo.reset();
    await stack.app.db.getDb().profileLink.deleteMany({ where: { shopId } });
    await stack.app.db.getDb().consentEvent.deleteMany({ where: { shopId } });
    const expected = expectedFullSync(STORE);
    let runId = "";
    for (let kill = 1; kill <= 3; kill++) {
      child = await startWorkerProcess();
      if (kill === 1) runId = (await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" })).runId;
      const target = Math.floor((expected.matched * kill) / 4);
      await waitFor(() => stack.demo.profiles().length >= target, { timeoutMs: 30_000, what: `${target} profiles before kill ${kill}` });
      await child.kill();
      expect((await stack.app.runs.getSyncRunSummary({ runId }))!.status).toBe("running");
      await expireLock(runId);
    }
    expect(stack.demo.profiles().length).toBeLessThan(expected.matched);

    const worker = await stack.startWorker();
    const run = await waitForRun(stack, runId);
    await worker.close();
    await expectSameAsUninterrupted(run);
    expect(run.errorMessage).toBeNull();
  }, 180_000);
});
