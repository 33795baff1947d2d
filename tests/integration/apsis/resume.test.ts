/**
 * A worker killed mid-sync: the Full Sync runs in a separate worker PROCESS (workers/index.ts), which is
 * SIGKILLed after it has written some profiles. Another worker picks the job up again (BullMQ's stalled-job
 * recovery) and the run continues from its checkpoint: it ends in the same final state as an uninterrupted
 * sync, with nothing written twice, nothing lost and nothing recorded as synced that APSIS does not have.
 */
import { spawn, type ChildProcess } from "node:child_process";
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
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-resume.myshopify.com", customers: 400, seed: 43, ianaTimezone: "Europe/Stockholm" };

let stack: Stack;
let shop: ShopContext;
let shopId: string;
let child: ChildProcess | undefined;
let output = "";

beforeAll(async () => {
  stack = await startStack({ stores: [STORE], worker: false });
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await stack?.close();
});

function startWorkerProcess() {
  // node itself with tsx as a loader (not the tsx CLI, which runs the worker in a grandchild process that a
  // SIGKILL of its parent would leave running): the pid killed is the worker's.
  const worker = spawn(process.execPath, ["--import", "tsx", "workers/index.ts"], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  worker.stdout!.on("data", (d) => (output += d));
  worker.stderr!.on("data", (d) => (output += d));
  return worker;
}

/**
 * What BullMQ does on its own once the dead worker's job lock expires (lockDuration, 30 s): the lock is gone
 * and the job is a stalled-job candidate. Done here at once so the test need not wait 30–60 seconds.
 */
async function expireLockOfDeadWorker(jobId: string) {
  const redis = stack.app.redis.getRedis();
  const queueKey = `${stack.app.env.parseEnv().REDIS_PREFIX}:sync`;
  await redis.del(`${queueKey}:${jobId}:lock`, `${queueKey}:stalled-check`);
  await redis.sadd(`${queueKey}:stalled`, jobId);
}

describe("killing the worker mid-sync", () => {
  it("another worker resumes from the checkpoint and the final state is the same", async () => {
    const expected = expectedFullSync(STORE);
    child = startWorkerProcess();
    await waitFor(() => output.includes("worker ready"), { timeoutMs: 30_000, what: `the worker process to start:\n${output}` });

    const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
    // Let it write a part of the store, then kill it without warning.
    await waitFor(() => stack.demo.profiles().length >= 60, { timeoutMs: 30_000, what: "60 profiles" });
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

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

    await expireLockOfDeadWorker(`apsis-full-sync-${runId}`);
    const worker = stack.startWorker();
    const run = await waitForRun(stack, runId);
    await worker.close();

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

    // The second attempt read only the customers after the checkpoint.
    const logs = await stack.app.queues.getQueue("sync").getJobLogs(`apsis-full-sync-${runId}`);
    expect(logs.logs.join("\n"), logs.logs.join("\n")).toContain(`resuming after customer ${checkpoint.afterId}`);

    // No consent was recorded twice, and no opt-in without SUBSCRIBED.
    const events = await stack.app.db.getDb().consentEvent.findMany({ where: { shopId } });
    const perCustomer = new Map<string, number>();
    for (const e of events) perCustomer.set(`${e.customerId} ${e.channel} ${e.topic}`, (perCustomer.get(`${e.customerId} ${e.channel} ${e.topic}`) ?? 0) + 1);
    expect(Math.max(...perCustomer.values())).toBe(1);
    for (const e of events.filter((e) => e.type === "opt_in")) {
      const p = expected.profiles.find((x) => x.gid === e.customerId)!;
      expect(e.channel === "sms" ? p.sms : p.email).toBe("opt-in");
    }
  }, 120_000);

  it("SIGTERM: the worker checkpoints and exits promptly; the job goes back to the queue and the next worker finishes it", async () => {
    // Start again from an empty APSIS account.
    stack.demo.reset();
    await stack.app.db.getDb().profileLink.deleteMany({ where: { shopId } });
    const expected = expectedFullSync(STORE);
    output = "";
    child = startWorkerProcess();
    await waitFor(() => output.includes("worker ready"), { timeoutMs: 30_000, what: `the worker process to start:\n${output}` });

    const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
    await waitFor(() => stack.demo.profiles().length >= 40, { timeoutMs: 30_000, what: "40 profiles" });
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    const askedAt = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - askedAt).toBeLessThan(10_000);
    expect(output).toContain("worker stopped");

    const paused = (await stack.app.runs.getSyncRunSummary({ runId }))!;
    expect(paused).toMatchObject({ status: "queued", errorMessage: expect.stringContaining("Paused while a worker restarted") });
    expect(stack.demo.profiles().length).toBeLessThan(expected.matched);
    await expectLinksBackedByApsis(stack, shopId);
    const job = (await stack.app.queues.getQueue("sync").getJob(`apsis-full-sync-${runId}`))!;
    expect(await job.getState()).toBe("waiting");
    expect(job.attemptsMade).toBe(0);

    const worker = stack.startWorker();
    const run = await waitForRun(stack, runId);
    await worker.close();
    expect(run).toMatchObject({ status: "succeeded", seen: STORE.customers, matched: expected.matched, skipped: expected.skipped, failed: 0, updated: 0, errorMessage: null });
    expect(run.created + run.unchanged).toBe(expected.matched);
    const names = await demoDefinitions(stack, shop);
    expect(stack.demo.profiles()).toHaveLength(expected.matched);
    for (const p of expected.profiles) expectProfileInApsis(stack, names, STORE, p);
  }, 120_000);
});
