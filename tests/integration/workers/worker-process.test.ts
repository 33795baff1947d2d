/**
 * The worker as its own OS process (`workers/index.ts`), against this file's database and Redis prefix:
 * it picks up jobs the web side enqueues, registers the recurring schedulers, and stops cleanly on SIGTERM.
 */
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
  it("registers the daily receipt pruning and the recovery pass every minute", async () => {
    const sync = await getQueue("sync").getJobSchedulers();
    expect(sync.map((s) => [s.key, s.pattern])).toEqual([["maintenance.prune-webhook-receipts", "17 3 * * *"]]);
    const webhooks = await getQueue("webhooks").getJobSchedulers();
    expect(webhooks.map((s) => [s.key, s.pattern])).toEqual([["maintenance.recover-runs", "* * * * *"]]);
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
