/**
 * A Full Sync through APSIS One's bulk import (issue 11): a store above APSIS_IMPORT_THRESHOLD is staged, cut
 * into files, imported (request → pre-signed upload → poll) and confirmed from APSIS's report. The outcome is
 * checked where a merchant would look: the profiles in APSIS, customer by customer with their consent, and
 * the run's counters, which count a profile only once APSIS's report confirmed it. And what goes wrong: a row
 * APSIS refuses, an import that ends in error, an upload URL that expired, a worker killed mid-import.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
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
  writeRequests,
} from "./stack";
import { waitFor } from "../../support/wait-for";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import { expireLockOfDeadWorker, startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import { FULL_SYNC_RUN } from "../../../app/destinations/apsis/jobs/definitions";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-imports.myshopify.com", customers: 300, seed: 47, ianaTimezone: "Europe/Stockholm" };
const ROWS_PER_FILE = 40;

process.env.APSIS_IMPORT_THRESHOLD = "100";
process.env.APSIS_IMPORT_POLL_MS = "20";
process.env.APSIS_IMPORT_ROWS_PER_FILE = String(ROWS_PER_FILE);

let stack: Stack;
let shop: ShopContext;
let names: Awaited<ReturnType<typeof demoDefinitions>>;
let child: WorkerProcess | undefined;
/** The in-process worker, closed while a worker process is under test. */
let worker: { close(): Promise<void> } | undefined;
const expected = expectedFullSync(STORE);

beforeAll(async () => {
  // Imports requested a minute: APSIS allows 10, which these tests (a dozen imports per Full Sync when they
  // fail) would spend waiting; the limit itself is the client's and the sandbox's (tests/sandbox).
  stack = await startStack({ stores: [STORE], apsis: { importStepMs: 150, limits: { importsPerMinute: 600 } }, worker: false });
  stack.app.env.resetEnvCache();
  worker = await stack.startWorker();
  shop = await setUpShop(stack, STORE);
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
  names = await demoDefinitions(stack, shop);
});

afterAll(async () => {
  if (child?.running()) await child.kill();
  await stack?.close();
});

/** Every test starts from an empty APSIS account and nothing recorded as synced. */
async function fromScratch() {
  stack.demo.reset();
  const db = stack.app.db.getDb();
  await db.profileLink.deleteMany({ where: { shopId: shop.id } });
  await db.consentEvent.deleteMany({ where: { shopId: shop.id } });
}

async function fullSyncAndWait() {
  const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
  return waitForRun(stack, runId);
}

/** APSIS holds exactly the expected profiles, each as the store has it now; every link is backed; no consent twice. */
async function expectApsisAsExpected() {
  const store = stack.shopify.store(STORE.domain);
  const expected = expectedFullSync(STORE, (i) => store.getCustomer(seedCustomer(STORE.seed, i).id)!);
  const profiles = stack.demo.profiles();
  expect(profiles.map((p) => p.profileKey).sort()).toEqual(expected.profiles.map((p) => p.profileKey).sort());
  for (const p of expected.profiles) expectProfileInApsis(stack, names, STORE, p);
  expect(await expectLinksBackedByApsis(stack, shop.id)).toHaveLength(expected.matched);
  const events = await stack.app.db.getDb().consentEvent.findMany({ where: { shopId: shop.id } });
  const seen = new Set<string>();
  for (const e of events) {
    const key = `${e.customerId} ${e.channel} ${e.topic}`;
    expect(seen.has(key), key).toBe(false);
    seen.add(key);
    if (e.type === "opt_in") expect(expected.profiles.find((p) => p.gid === e.customerId)![e.channel as "email" | "sms"]).toBe("opt-in");
  }
  const writes = expected.profiles.reduce((n, p) => n + (p.email ? 2 : 0) + (p.sms ? 1 : 0), 0);
  expect(events).toHaveLength(writes);
}

const files = (matched: number) => {
  const bySection = new Map<string, number>();
  for (const p of expected.profiles) bySection.set(p.section, (bySection.get(p.section) ?? 0) + 1);
  expect([...bySection.values()].reduce((a, b) => a + b, 0)).toBe(matched);
  return [...bySection.values()].reduce((n, rows) => n + Math.ceil(rows / ROWS_PER_FILE), 0);
};

beforeEach(fromScratch);

describe("a Full Sync through APSIS One's bulk import", () => {
  it("writes every matching customer through a few imports, no per-profile write, and counts what APSIS's reports confirmed", async () => {
    const run = await fullSyncAndWait();
    expect(run).toMatchObject({ status: "succeeded", errorMessage: null, total: STORE.customers, seen: STORE.customers, matched: expected.matched });
    expect(run).toMatchObject({ created: expected.matched, updated: 0, unchanged: 0, skipped: expected.skipped, failed: 0 });
    await expectApsisAsExpected();

    // One import per file (≤ 40 rows, per Section), each completed with every row imported.
    const imports = stack.demo.imports();
    expect(imports).toHaveLength(files(expected.matched));
    expect(imports.every((i) => i.status === "completed" && i.failed === 0 && i.rows <= ROWS_PER_FILE)).toBe(true);
    expect(imports.reduce((n, i) => n + i.imported, 0)).toBe(expected.matched);
    const { byEndpoint } = stack.demo.stats();
    const perProfile = Object.entries(byEndpoint).filter(([endpoint]) => endpoint.includes("/profiles/"));
    expect(perProfile).toEqual([]);
    expect(writeRequests(byEndpoint)).toBe(2 * imports.length);
    // Nothing is left staged once the run is over, and the phase is gone.
    expect(await stack.app.db.getDb().stagedProfile.count({ where: { runId: run.id } })).toBe(0);
    expect((await stack.app.db.getDb().syncRun.findUnique({ where: { id: run.id } }))!.phase).toBeNull();

    // A second Full Sync finds every profile unchanged and imports nothing.
    const again = await fullSyncAndWait();
    expect(again).toMatchObject({ status: "succeeded", unchanged: expected.matched, created: 0, updated: 0, failed: 0 });
    expect(stack.demo.imports()).toHaveLength(imports.length);
  });

  it("a row APSIS refuses is that customer's failure with APSIS's reason, not linked; the rest of its file lands", async () => {
    const store = stack.shopify.store(STORE.domain);
    const victim = expected.profiles.find((p) => p.customer.lastOrder !== null)!;
    const original = store.getCustomer(victim.customer.id)!;
    store.updateCustomer(victim.customer.id, { lastOrder: { ...original.lastOrder!, createdAt: "0000-01-01T00:00:00Z" } });
    try {
      const run = await fullSyncAndWait();
      expect(run).toMatchObject({ status: "succeeded", created: expected.matched - 1, failed: 1 });
      const status = await stack.app.fullSync.getFullSyncStatus({ shop });
      expect(status.lastRun!.failures).toEqual([
        expect.objectContaining({ customerId: victim.gid, reason: expect.stringMatching(/^APSIS One's import refused the row: .*not a valid date value/) }),
      ]);
      expect(await stack.app.db.getDb().profileLink.findFirst({ where: { shopId: shop.id, customerId: victim.gid } })).toBeNull();
      expect(stack.demo.profiles()).toHaveLength(expected.matched - 1);
    } finally {
      store.updateCustomer(victim.customer.id, { lastOrder: original.lastOrder });
    }
    // Fixed in Shopify: the next Full Sync writes that one customer, and only it.
    const next = await fullSyncAndWait();
    expect(next).toMatchObject({ status: "succeeded", created: 1, unchanged: expected.matched - 1, failed: 0 });
    await expectApsisAsExpected();
  });

  it("an import that ends in error is requested again; one that keeps failing fails its customers with APSIS's reason, and the next Full Sync writes them", async () => {
    stack.demo.setImportFault({ kind: "error", count: 1, reason: "Internal error while processing the file" });
    const retried = await fullSyncAndWait();
    expect(retried).toMatchObject({ status: "succeeded", created: expected.matched, failed: 0 });
    expect(stack.demo.imports().filter((i) => i.status === "error")).toHaveLength(1);
    await expectApsisAsExpected();

    await fromScratch();
    // Every import fails, each file three times: its customers fail, none is linked or counted.
    stack.demo.setImportFault({ kind: "error", count: 1_000, reason: "Internal error while processing the file" });
    const failed = await fullSyncAndWait();
    stack.demo.setImportFault({ kind: "error", count: 0 });
    expect(stack.demo.imports().filter((i) => i.status === "error")).toHaveLength(3 * files(expected.matched));
    expect(failed).toMatchObject({ status: "succeeded", created: 0, failed: expected.matched });
    expect(stack.demo.profiles()).toHaveLength(0);
    const failures = (await stack.app.fullSync.getFullSyncStatus({ shop })).lastRun!.failures;
    expect(failures[0].reason).toBe("APSIS One's import of this customer's file ended in error 3 times: Internal error while processing the file");
    expect(await stack.app.db.getDb().profileLink.count({ where: { shopId: shop.id } })).toBe(0);

    const next = await fullSyncAndWait();
    expect(next).toMatchObject({ status: "succeeded", created: expected.matched, failed: 0 });
    await expectApsisAsExpected();
  });

  it("an upload URL that expired gets a new import; the expired one writes nothing", async () => {
    stack.demo.setImportFault({ kind: "expired-upload", count: 2 });
    const run = await fullSyncAndWait();
    expect(run).toMatchObject({ status: "succeeded", created: expected.matched, failed: 0 });
    const imports = stack.demo.imports();
    expect(imports.filter((i) => i.status !== "completed").map((i) => [i.status, i.rows])).toEqual([
      ["error", 0],
      ["error", 0],
    ]);
    expect(imports.filter((i) => i.status === "completed")).toHaveLength(files(expected.matched));
    await expectApsisAsExpected();
  });

  it("a worker killed mid-import: the next worker follows the same imports, requests none twice, and the final state is the same", async () => {
    await worker!.close();
    child = await startWorkerProcess();
    const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
    const importingRun = await waitFor(
      async () => {
        const row = await stack.app.db.getDb().syncRun.findUnique({ where: { id: runId }, select: { importState: true, phase: true } });
        return row?.importState && stack.demo.imports().some((i) => i.status === "in_progress") ? row : undefined;
      },
      { timeoutMs: 30_000, what: "an import in progress" },
    );
    await child.kill();
    // The page says what the run is doing: the destination importing (or confirming) its files.
    expect(["importing", "confirming"]).toContain(importingRun.phase);
    const atKill = stack.demo.imports().map((i) => i.id);
    expect(atKill.length).toBeGreaterThan(0);
    expect((await stack.app.runs.getSyncRunSummary({ runId }))!.status).toBe("running");

    await expireLockOfDeadWorker({ redis: stack.app.redis.getRedis(), prefix: stack.app.env.parseEnv().REDIS_PREFIX, queue: "sync", jobId: FULL_SYNC_RUN.jobId(runId) });
    worker = await stack.startWorker();
    const run = await waitForRun(stack, runId);
    expect(run).toMatchObject({ status: "succeeded", seen: STORE.customers, matched: expected.matched, created: expected.matched, failed: 0 });
    // Every import requested was for a file of its own: as many as there are files, all completed.
    expect(stack.demo.imports().map((i) => i.status)).toEqual(Array(files(expected.matched)).fill("completed"));
    // The imports under way at the kill were followed to their end, not requested again.
    expect(stack.demo.imports().slice(0, atKill.length).map((i) => i.id)).toEqual(atKill);
    const logs = (await stack.app.queues.getQueue("sync").getJobLogs(FULL_SYNC_RUN.jobId(runId))).logs.join("\n");
    expect(logs).toMatch(/import file\(s\), \d+ profile\(s\), \d+ confirmed so far/);
    await expectApsisAsExpected();
  }, 120_000);
});
