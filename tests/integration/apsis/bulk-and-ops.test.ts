/**
 * A store above APSIS_BULK_EXPORT_THRESHOLD is read through one Shopify bulk export (constant memory), and
 * `npm run ops -- full-sync <shop>` starts a Full Sync from the command line and follows it to the end.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureDemo, connectDemo, demoDefinitions, expectedFullSync, expectProfileInApsis, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";
import { FULL_SYNC_RUN } from "../../../app/destinations/apsis/jobs/definitions";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-bulk.myshopify.com", customers: 250, seed: 59, ianaTimezone: "Asia/Tokyo" };

let stack: Stack;
let shop: ShopContext;

beforeAll(async () => {
  process.env.APSIS_BULK_EXPORT_THRESHOLD = "100";
  stack = await startStack({ stores: [STORE] });
  shop = await setUpShop(stack, STORE);
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
});

afterAll(async () => {
  await stack?.close();
});

const exec = promisify(execFile);
async function ops(args: string[]) {
  try {
    const { stdout, stderr } = await exec("node_modules/.bin/tsx", ["scripts/ops.ts", ...args], { env: { ...process.env }, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("a store above the threshold", () => {
  it("is read with one bulk export, and APSIS holds exactly what it must, though the download's connection dropped mid-file", async () => {
    const expected = expectedFullSync(STORE);
    const before = stack.shopify.stats(STORE.domain).bulkOperations;
    stack.shopify.cutBulkDownloads(50_000);
    const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
    const run = await waitForRun(stack, runId);
    stack.shopify.cutBulkDownloads(null);
    // The download went on from byte 50,000 within its one attempt: no retry spent, nobody read twice.
    const job = (await stack.app.queues.getQueue("sync").getJob(FULL_SYNC_RUN.jobId(runId)))!;
    expect({ attempts: job.attemptsMade, errors: job.stacktrace }).toEqual({ attempts: 1, errors: [] });
    const logs = (await stack.app.queues.getQueue("sync").getJobLogs(FULL_SYNC_RUN.jobId(runId))).logs.join("\n");
    expect(logs, logs).toContain("download was cut after 50000 bytes");
    expect(run).toMatchObject({ status: "succeeded", total: STORE.customers, seen: STORE.customers, matched: expected.matched, created: expected.matched, skipped: expected.skipped });
    expect(stack.shopify.stats(STORE.domain).bulkOperations - before).toBe(1);
    const names = await demoDefinitions(stack, shop);
    expect(stack.demo.profiles()).toHaveLength(expected.matched);
    for (const p of expected.profiles) expectProfileInApsis(stack, names, STORE, p);
  });

  it("counting condition matches reads it with a bulk export too", async () => {
    const counts = await stack.app.mapping.countConditionMatches({ shop, conditions: [{ section: "s", always: true }] });
    expect(counts).toMatchObject({ ok: true, method: "bulk", total: STORE.customers, conditions: [{ matches: STORE.customers, picked: STORE.customers }], notSynced: 0 });
  });
});

describe("npm run ops -- full-sync", () => {
  it("starts the Full Sync, prints progress and exits 0 when it succeeded", async () => {
    const expected = expectedFullSync(STORE);
    const result = await ops(["full-sync", STORE.domain]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Started Full Sync \w+ for apsis-bulk\.myshopify\.com/m);
    expect(result.stdout).toContain(`succeeded seen ${STORE.customers}/${STORE.customers}  matched ${expected.matched}  created 0  updated 0  unchanged ${expected.matched}`);
    const runRow = await stack.app.db.getDb().syncRun.findFirst({ where: { trigger: "ops", destination: "apsis" }, orderBy: { queuedAt: "desc" } });
    expect(runRow).toMatchObject({ status: "succeeded", kind: "full_sync" });
  });

  it("a refused Full Sync exits 2 and says why; nothing starts", async () => {
    const before = await stack.app.db.getDb().syncRun.count();
    const result = await ops(["full-sync", "not-invited.myshopify.com"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the Full Sync was refused: .*invitation only/);
    expect((await ops(["full-sync"])).code).toBe(2);
    expect(await stack.app.db.getDb().syncRun.count()).toBe(before);
  });
});
