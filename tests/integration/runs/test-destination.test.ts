/**
 * A third destination, built the way decision 019 says one is: the `Destination` contract, one job declared with
 * `defineJob`, its run on the run kernel (`runJob`: gate, progress, resume, finish), and its place in the
 * worker's job table beside the real destinations' jobs. "echo" (tests/support/echo-destination.ts) exists only
 * in tests: a Map that stores each customer's email, refuses some addresses, and goes down once mid-run.
 * What it gets without writing any of it: a real SyncRun carried by the real worker from queued to succeeded,
 * progress saved as it goes, refusals recorded with the destination's reason, and after the outage a retry
 * that resumes from the checkpoint and ends with exact counters, nothing written twice.
 */
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getDb } from "../../../app/db.server";
import type { Destination } from "../../../app/destinations/destination";
import { parseEnv } from "../../../app/env.server";
import { handlers } from "../../../app/jobs/handlers.server";
import { createSyncRun, listSyncFailures } from "../../../app/models/sync-run.server";
import { enqueue, getQueue } from "../../../app/queues/enqueue.server";
import { defineJob, handles } from "../../../app/queues/registry";
import { startWorkers } from "../../../app/queues/worker.server";
import { createRedis } from "../../../app/redis.server";
import { runBatches } from "../../../app/runs/batch-engine";
import { recoverRuns } from "../../../app/runs/recover-runs.server";
import type { RunKind } from "../../../app/runs/run-kind";
import { runJob } from "../../../app/runs/run-job.server";
import { type EchoCounters, echoEngine, zeroEchoCounters } from "../../support/echo-destination";
import { shopifyCustomer } from "../../support/factories";
import { waitFor } from "../../support/wait-for";
import { seedShop } from "../webhooks/deliveries";

const CUSTOMERS = Array.from({ length: 30 }, (_, i) =>
  shopifyCustomer({
    id: `gid://shopify/Customer/${2000 + i}`,
    email: i % 10 === 3 ? null : i % 10 === 7 ? `c${i}@refused.test` : `c${i}@example.com`,
  }),
);
/** What a clean run over CUSTOMERS counts: 3 without an email, 3 refused. */
const CLEAN: EchoCounters = { seen: 30, matched: 27, created: 24, unchanged: 0, skipped: 3, failed: 3 };

const echo = echoEngine();
const writesPerCustomer = new Map<string, number>();
let attempts = 0;
/** Customers each attempt read from the store (by attempt number). */
const readIn = new Map<number, number>();

const ECHO_SEND_JOB = defineJob({ name: "echo.send", queue: "sync", schema: z.object({ runId: z.string().min(1) }) });
const ECHO_RUN: RunKind = { destination: "echo", kind: "send", job: ECHO_SEND_JOB, jobId: (runId) => `echo-send-${runId}`, lostMessage: "The echo send was lost." };

/** The whole destination: its job on the run kernel, and nothing to redact (it keeps no profile links). */
const echoDestination: Destination = {
  name: "echo",
  jobs: [
    handles(
      ECHO_SEND_JOB,
      runJob<EchoCounters, null>({
        startAgain: "send again",
        zero: zeroEchoCounters,
        async prepare() {
          // The first attempt goes down after 10 writes; the retry finds echo up again.
          attempts += 1;
          echo.state.downAfter = attempts === 1 ? 10 : Infinity;
          return null;
        },
        execute: (_prepared, { resumeFrom, ports }) =>
          runBatches<EchoCounters, { email: string }>({
            customers: (async function* () {
              for (const customer of CUSTOMERS) {
                if (resumeFrom && Number(customer.id.split("/").pop()) <= Number(resumeFrom.afterId)) continue;
                readIn.set(attempts, (readIn.get(attempts) ?? 0) + 1);
                yield customer;
              }
            })(),
            ...echo.steps,
            write: async (work, tally) => {
              await echo.steps.write(work, tally);
              writesPerCustomer.set(tally.customer.id, (writesPerCustomer.get(tally.customer.id) ?? 0) + 1);
            },
            concurrency: 2,
            batchSize: 4,
            progressEveryRecords: 4,
            ...ports,
          }),
        describeError: () => null,
        recordSuccess: async () => undefined,
        summary: (counters) => `${counters.created} echoed`,
      }),
    ),
  ],
  runs: [ECHO_RUN],
  redactCustomer: async () => ({}),
};

const env = parseEnv();
const connection = createRedis(env.REDIS_URL);
const failedJobs: { job: Job | undefined; error: Error }[] = [];
let running: ReturnType<typeof startWorkers>;

beforeAll(() => {
  running = startWorkers({
    connection,
    prefix: env.REDIS_PREFIX,
    handlers: [...handlers, ...echoDestination.jobs],
    concurrency: { sync: 1 },
    onFailed: (job, error) => failedJobs.push({ job, error }),
  });
});

afterAll(async () => {
  await running.close();
  connection.disconnect();
});

describe("a test-only destination on the run kernel", () => {
  it("its job sits in the worker's table beside every real one, and a second handler for a name is refused", () => {
    const names = [...handlers, ...echoDestination.jobs].map(({ job }) => job.name);
    expect(names).toContain("echo.send");
    expect(new Set(names).size).toBe(names.length);
    expect(() => startWorkers({ connection, prefix: env.REDIS_PREFIX, handlers: [...handlers, ...echoDestination.jobs, ...echoDestination.jobs], concurrency: {} })).toThrow(
      'job "echo.send" has two handlers',
    );
  });

  it("a send: progress saved, an outage retried, resumed from the checkpoint, exact counters, nothing written twice", async () => {
    const shop = await seedShop("echo-store.myshopify.com");
    const { id: runId } = await createSyncRun({ shopId: shop.id, destination: "echo", kind: "send", trigger: "ops", settings: {} });
    await enqueue(ECHO_SEND_JOB, { runId }, { jobId: ECHO_RUN.jobId(runId) });

    // The outage: the run goes back to queued, saying why, with the progress and checkpoint it had.
    const interrupted = await waitFor(
      async () => {
        const row = await getDb().syncRun.findUnique({ where: { id: runId } });
        return row?.status === "queued" && row.errorMessage?.startsWith("Interrupted") ? row : undefined;
      },
      { timeoutMs: 20_000, what: "the run to be interrupted by the outage" },
    );
    expect(interrupted.errorMessage).toBe("Interrupted (echo is down); continuing shortly from where it stopped.");
    expect(interrupted.seen).toBeGreaterThan(0);
    expect(interrupted.seen).toBeLessThan(CLEAN.seen);
    expect(interrupted.checkpoint).toContain('"afterId"');

    const finished = await waitFor(
      async () => {
        const row = await getDb().syncRun.findUnique({ where: { id: runId } });
        return row && !["queued", "running"].includes(row.status) ? row : undefined;
      },
      { timeoutMs: 30_000, what: "the run to finish" },
    );
    expect(finished).toMatchObject({ status: "succeeded", destination: "echo", errorMessage: null });
    expect(attempts).toBe(2);
    // The retry read only the customers after the checkpoint the outage left.
    const { afterId } = JSON.parse(interrupted.checkpoint!) as { afterId: string };
    expect(readIn.get(2)).toBe(CUSTOMERS.filter((c) => Number(c.id.split("/").pop()) > Number(afterId)).length);
    expect(readIn.get(2)).toBeLessThan(CUSTOMERS.length);
    // Exact: every customer counted once across both attempts; those written after the checkpoint and before
    // the outage are found unchanged, not written again.
    expect({ seen: finished.seen, matched: finished.matched, skipped: finished.skipped, failed: finished.failed }).toEqual({ seen: 30, matched: 27, skipped: 3, failed: 3 });
    expect(finished.created + finished.unchanged).toBe(CLEAN.created);
    expect(echo.stored.size).toBe(CLEAN.created);
    expect([...writesPerCustomer.entries()].filter(([id, writes]) => writes > 1 && echo.stored.has(id))).toEqual([]);

    const failures = await listSyncFailures({ runId });
    expect(failures.map((f) => f.reason).sort()).toEqual(["c17", "c27", "c7"].map((c) => `echoing the email failed: ${c}@refused.test is refused`));
    expect(failedJobs.map(({ job, error }) => `${job?.name}: ${error.message}`)).toEqual(["echo.send: echo is down"]);
  });

  it("the recovery pass: a run whose job Redis lost is queued again and finishes; one whose job ended without it is failed; a waiting one is left alone", async () => {
    const shop = await seedShop("echo-recovery.myshopify.com");
    const run = async () => (await createSyncRun({ shopId: shop.id, destination: "echo", kind: "send", trigger: "ops", settings: {} })).id;
    const row = (runId: string) => getDb().syncRun.findUniqueOrThrow({ where: { id: runId } });
    const settled = (runId: string) =>
      waitFor(async () => {
        const r = await row(runId);
        return ["queued", "running"].includes(r.status) ? undefined : r;
      }, { timeoutMs: 30_000, what: `run ${runId} to finish` });

    // Lost by Redis: a queued run with no job at all (a flush, a failover to an empty replica).
    const orphan = await run();
    // Ended without finishing its run: a job under the run's id that completed having done nothing for it.
    const ended = await run();
    const stray = await getQueue("sync").add(ECHO_SEND_JOB.name, { runId: "no-such-run" }, { jobId: ECHO_RUN.jobId(ended) });
    await waitFor(async () => ((await stray.getState()) === "completed" ? true : undefined), { what: "the stray job to complete" });
    // Waiting its turn: a job delayed a minute.
    const waiting = await run();
    await enqueue(ECHO_SEND_JOB, { runId: waiting }, { jobId: ECHO_RUN.jobId(waiting), delay: 60_000 });

    expect(await recoverRuns([ECHO_RUN])).toEqual({ alive: 1, requeued: 1, lost: 1 });
    expect(await settled(orphan)).toMatchObject({ status: "succeeded", seen: CLEAN.seen, matched: CLEAN.matched, failed: CLEAN.failed });
    expect(await row(ended)).toMatchObject({ status: "failed", errorCode: "lost", errorMessage: "The echo send was lost." });
    expect(await row(waiting)).toMatchObject({ status: "queued" });
    await (await getQueue("sync").getJob(ECHO_RUN.jobId(waiting)))!.remove();
  });
});
