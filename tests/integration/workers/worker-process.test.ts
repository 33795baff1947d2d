/**
 * The worker as its own OS process (`workers/index.ts`), against this file's database and Redis prefix:
 * it picks up jobs the web side enqueues, registers the recurring schedulers, and stops cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../../app/db.server";
import { enqueue, getQueue } from "../../../app/queues/enqueue.server";
import { PRUNE_RECEIPTS_JOB } from "../../../app/queues/registry";

let worker: ChildProcess;
let output = "";

async function until<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await check();
    if (value) return value;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}\nworker output:\n${output}`);
}

beforeAll(async () => {
  worker = spawn("node_modules/.bin/tsx", ["workers/index.ts"], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  worker.stdout!.on("data", (d) => (output += d));
  worker.stderr!.on("data", (d) => (output += d));
  await until("the worker to be ready", async () => output.includes("worker ready"));
});

afterAll(() => {
  if (worker.exitCode === null) worker.kill("SIGKILL");
});

describe("worker process", () => {
  it("registers the daily receipt-pruning scheduler", async () => {
    const schedulers = await getQueue("sync").getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual(["maintenance.prune-webhook-receipts"]);
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
    await until("the old receipt to be pruned", async () =>
      (await getDb().webhookReceipt.count({ where: { eventId: "old-event" } })) === 0);
    expect(await getDb().webhookReceipt.count({ where: { eventId: "new-event" } })).toBe(1);
  });

  it("stops on SIGTERM, closing its connections and exiting 0", async () => {
    const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)));
    worker.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain("worker stopped");
  });
});
