/**
 * One attempt at a time (the run's lease, app/models/sync-run.server.ts). BullMQ hands a job whose lock it
 * thinks lost (its worker stalled past the lock's duration) to another worker, while the first may still be
 * running it. Here the run job of the test-only "echo" destination is handled twice at once, as two workers
 * would: the second attempt takes the run over from the first one's checkpoint; when the first goes on, its next
 * write to the run finds the newer lease, and it stops without touching the run again. The run ends once, with
 * the second attempt's exact counters and each refusal recorded once.
 */
import type { Job } from "bullmq";
import { describe, expect, it } from "vitest";
import { getDb } from "../../../app/db.server";
import { createSyncRun, finishSyncRun, listSyncFailures, startSyncRunAttempt, AttemptSuperseded } from "../../../app/models/sync-run.server";
import { runBatches } from "../../../app/runs/batch-engine";
import { runJob } from "../../../app/runs/run-job.server";
import { type EchoCounters, echoEngine, zeroEchoCounters } from "../../support/echo-destination";
import { shopifyCustomer } from "../../support/factories";
import { waitFor } from "../../support/wait-for";
import { seedShop } from "../webhooks/deliveries";

const CUSTOMERS = Array.from({ length: 30 }, (_, i) =>
  shopifyCustomer({ id: `gid://shopify/Customer/${3000 + i}`, email: i % 10 === 7 ? `c${i}@refused.test` : `c${i}@example.com` }),
);

/** A gate an attempt's write waits at until the test opens it. */
function gate() {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  return { open, arrived, wait: () => (reached(), opened) };
}

describe("two attempts of one run at once (a job BullMQ handed on while its first worker still ran it)", () => {
  it("the older attempt stops at its next write; the run ends once, with the newer attempt's exact counters", async () => {
    const echo = echoEngine();
    // Attempt 1 waits before writing customer 3012, attempt 2 before customer 3024.
    const gates = new Map([
      [1, { at: "gid://shopify/Customer/3012", gate: gate() }],
      [2, { at: "gid://shopify/Customer/3024", gate: gate() }],
    ]);
    let attempts = 0;
    const logs: string[] = [];
    const handle = runJob<EchoCounters, number>({
      startAgain: "send again",
      zero: zeroEchoCounters,
      prepare: async () => ++attempts,
      execute: (attempt, { resumeFrom, ports }) =>
        runBatches<EchoCounters, { email: string }>({
          customers: (async function* () {
            for (const customer of CUSTOMERS) {
              if (resumeFrom && Number(customer.id.split("/").pop()) <= Number(resumeFrom.afterId)) continue;
              yield customer;
            }
          })(),
          ...echo.steps,
          write: async (work, tally) => {
            const stop = gates.get(attempt);
            if (stop?.at === tally.customer.id) await stop.gate.wait();
            await echo.steps.write(work, tally);
          },
          concurrency: 1,
          batchSize: 4,
          progressEveryRecords: 4,
          ...ports,
        }),
      describeError: () => null,
      recordSuccess: async () => undefined,
      summary: (counters) => `${counters.created} echoed`,
    });
    const job = { attemptsMade: 0, opts: { attempts: 5 }, token: "lock-token" } as unknown as Job;
    const context = { job, log: (message: string) => void logs.push(message) };

    const shop = await seedShop("lease-store.myshopify.com");
    const { id: runId } = await createSyncRun({ shopId: shop.id, destination: "echo", kind: "send", trigger: "ops", settings: {} });
    const row = () => getDb().syncRun.findUniqueOrThrow({ where: { id: runId } });

    const first = handle({ runId }, context);
    await gates.get(1)!.gate.arrived;
    const second = handle({ runId }, context);
    await gates.get(2)!.gate.arrived;
    // Attempt 2's save of the batch before its gate may still be landing: the row as it settles.
    const taken = await waitFor(async () => {
      const before = await row();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = await row();
      return after.seen === before.seen && after.checkpoint === before.checkpoint ? after : undefined;
    }, { what: "attempt 2's progress to settle" });
    expect(taken).toMatchObject({ status: "running", attempt: 2 });

    // The first attempt goes on: its next progress save finds attempt 2's lease.
    gates.get(1)!.gate.open();
    expect(await first).toEqual({ outcome: "superseded" });
    const afterFirst = await row();
    expect({ seen: afterFirst.seen, created: afterFirst.created, checkpoint: afterFirst.checkpoint, status: afterFirst.status }).toEqual({
      seen: taken.seen,
      created: taken.created,
      checkpoint: taken.checkpoint,
      status: "running",
    });
    expect(logs.some((line) => line.includes("a newer attempt of this job took the run over"))).toBe(true);

    gates.get(2)!.gate.open();
    expect(await second).toMatchObject({ outcome: "succeeded" });
    const finished = await waitFor(async () => {
      const r = await row();
      return r.status === "succeeded" ? r : undefined;
    }, { what: "the run to succeed" });
    // Every customer counted once: 3 refused, the rest echoed (created by one attempt or found unchanged).
    expect({ seen: finished.seen, matched: finished.matched, failed: finished.failed }).toEqual({ seen: 30, matched: 30, failed: 3 });
    expect(finished.created + finished.unchanged).toBe(27);
    expect(echo.stored.size).toBe(27);
    const failures = await listSyncFailures({ runId });
    expect(failures.map((f) => f.customerId).sort()).toEqual(["3007", "3017", "3027"].map((n) => `gid://shopify/Customer/${n}`));
  });

  it("a superseded attempt can neither finish nor requeue the run; the app outside any attempt still can", async () => {
    const shop = await seedShop("lease-finish.myshopify.com");
    const { id: runId } = await createSyncRun({ shopId: shop.id, destination: "echo", kind: "send", trigger: "ops", settings: {} });
    const older = await startSyncRunAttempt({ runId });
    const newer = await startSyncRunAttempt({ runId });
    expect(newer.attempt).toBe(older.attempt + 1);

    await expect(finishSyncRun({ run: older, status: "succeeded" })).rejects.toBeInstanceOf(AttemptSuperseded);
    expect(await getDb().syncRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "running", finishedAt: null });
    expect(await finishSyncRun({ run: newer, status: "succeeded" })).toBe(true);
    // Finished: no attempt finishes it again, and the app's own finish (a disconnect) finds nothing to end.
    expect(await finishSyncRun({ run: newer, status: "failed" })).toBe(false);
    expect(await finishSyncRun({ run: { runId }, status: "cancelled" })).toBe(false);
    expect(await getDb().syncRun.findUniqueOrThrow({ where: { id: runId } })).toMatchObject({ status: "succeeded" });
  });
});
