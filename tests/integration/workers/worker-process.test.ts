/**
 * The worker as its own OS process (`workers/index.ts`), against this file's database and Redis prefix:
 * it picks up jobs the web side enqueues, registers the recurring schedulers, and stops cleanly on SIGTERM;
 * started through `npm run worker` (the compiled build/worker.js), it goes when npm is killed (issue 10, finding 8).
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../../app/db.server";
import { enqueue, getQueue } from "../../../app/queues/enqueue.server";
import { PRUNE_RECEIPTS_JOB } from "../../../app/queues/registry";
import { waitFor } from "../../support/wait-for";
import { startWorkerProcess, type WorkerProcess } from "../../support/worker-process";

let worker: WorkerProcess;

beforeAll(async () => {
  worker = await startWorkerProcess();
});

afterAll(async () => {
  if (worker.running()) await worker.kill();
});

describe("worker process", () => {
  it("registers the daily receipt pruning, the recovery pass every minute, APSIS One's reconciliation and its write-back", async () => {
    const sync = await getQueue("sync").getJobSchedulers();
    expect(sync.map((s) => [s.key, s.pattern])).toEqual([["maintenance.prune-webhook-receipts", "17 3 * * *"]]);
    const webhooks = await getQueue("webhooks").getJobSchedulers();
    expect(webhooks.map((s) => [s.key, s.pattern ?? `every ${s.every} ms`]).sort()).toEqual([
      ["apsis.reconcile", "every 300000 ms"],
      ["apsis.writeback", "every 60000 ms"],
      ["maintenance.recover-runs", "* * * * *"],
    ]);
  });

  it("processes a job enqueued by another process", async () => {
    const old = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    await getDb().webhookReceipt.createMany({
      data: [
        { eventId: "old-event", webhookId: "w1", shopDomain: "a.myshopify.com", topic: "customers/update", apiVersion: "2026-07", receivedAt: old },
        { eventId: "new-event", webhookId: "w2", shopDomain: "a.myshopify.com", topic: "customers/update", apiVersion: "2026-07" },
      ],
    });
    await enqueue(PRUNE_RECEIPTS_JOB, {});
    await waitFor(async () => (await getDb().webhookReceipt.count({ where: { eventId: "old-event" } })) === 0, {
      what: () => `the old receipt to be pruned\nworker output:\n${worker.output()}`,
    });
    expect(await getDb().webhookReceipt.count({ where: { eventId: "new-event" } })).toBe(1);
  });

  it("stops on SIGTERM, closing its connections and exiting 0", async () => {
    expect(await worker.kill("SIGTERM")).toBe(0);
    expect(worker.output()).toContain("worker stopped");
  });
});

/** Whether the pid is a live process (a zombie waiting for its reaper is not). */
function alive(pid: number) {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("npm run worker", () => {
  it("a SIGKILL of npm's pid takes the worker with it", async () => {
    let output = "";
    const npm = spawn("npm", ["run", "--silent", "worker"], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    npm.stdout!.on("data", (d) => (output += d));
    npm.stderr!.on("data", (d) => (output += d));
    await waitFor(() => output.includes("worker ready"), { timeoutMs: 30_000, what: () => `the worker to start under npm:\n${output}` });
    // The script execs node, so the worker is npm's own child.
    const [workerPid] = execFileSync("ps", ["-o", "pid=", "--ppid", String(npm.pid)], { encoding: "utf8" }).trim().split(/\s+/).map(Number);
    expect(workerPid).toBeGreaterThan(0);
    expect(execFileSync("ps", ["-o", "args=", "-p", String(workerPid)], { encoding: "utf8" })).toContain("build/worker.js"); // the compiled worker, run by node itself

    npm.kill("SIGKILL");
    await waitFor(() => !alive(workerPid), { timeoutMs: 10_000, what: "the worker to go with npm" });
  });
});
