/**
 * A worker killed mid-send, once and three times: the send runs in separate worker PROCESSES (workers/index.ts),
 * each SIGKILLed after it has put part of the store on the list. The next worker picks the job up again
 * (BullMQ's stalled-job recovery) and the send continues from its checkpoint: it ends with the list and the
 * unsub list exactly as an uninterrupted send leaves them, every contact once, and counters that add up.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEND_RUN } from "../../../app/destinations/adestra/jobs/definitions";
import { DEFAULT_SEND_CONCURRENCY } from "../../../app/destinations/adestra/rules/send-engine";
import type { ShopContext } from "../../../app/models/shop.server";
import { waitFor } from "../../support/wait-for";
import { expireLockOfDeadWorker, startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import { connectDemo, expectedSend, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";

const STORE: Store = { domain: "adestra-resume.myshopify.com", customers: 400, seed: 47, ianaTimezone: "Europe/London" };
const CHOICES = { profileGroup: "all" as const };

let stack: Stack;
let shop: ShopContext;
let child: WorkerProcess | undefined;

beforeAll(async () => {
  // Slow enough that a kill lands mid-send (two calls per contact), fast enough for a test.
  process.env.ADESTRA_REQUESTS_PER_SECOND = "150";
  stack = await startStack({ stores: [STORE], worker: false });
  shop = await setUpShop(stack, STORE);
  await connectDemo(stack, shop);
});

afterAll(async () => {
  if (child?.running()) await child.kill();
  await stack?.close();
  delete process.env.ADESTRA_REQUESTS_PER_SECOND;
});

/** Sends the whole store to a new list through worker processes killed `kills` times, then one that finishes. */
async function sendThroughKills(kills: number) {
  const created = await stack.app.lists.createAdestraList({ shop, name: `Resume after ${kills} kills` });
  if (!created.ok) throw new Error(JSON.stringify(created));
  const listId = created.list.id;
  const expected = expectedSend(STORE, CHOICES);
  let runId = "";
  for (let kill = 1; kill <= kills; kill++) {
    child = await startWorkerProcess();
    if (kill === 1) runId = (await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId } })).runId;
    const target = Math.floor((expected.matched * kill) / (kills + 2));
    await waitFor(() => stack.demo.listMembers(listId).length >= target, { timeoutMs: 60_000, what: `${target} contacts on the list before kill ${kill}` });
    await child.kill();
    expect((await stack.app.runs.getSyncRunSummary({ runId }))!.status).toBe("running");
    await expireLockOfDeadWorker({ redis: stack.app.redis.getRedis(), prefix: stack.app.env.parseEnv().REDIS_PREFIX, queue: "sync", jobId: SEND_RUN.jobId(runId) });
  }
  expect(stack.demo.listMembers(listId).length).toBeLessThan(expected.matched);

  const worker = await stack.startWorker();
  const run = await waitForRun(stack, runId, { timeoutMs: 120_000 });
  await worker.close();
  return { run, listId, expected };
}

async function expectSameAsUninterrupted({ run, listId, expected }: Awaited<ReturnType<typeof sendThroughKills>>, kills: number) {
  expect(run).toMatchObject({ status: "succeeded", errorMessage: null, seen: STORE.customers, matched: expected.matched, skipped: expected.skipped, failed: 0 });
  // Every matched customer counted once across the attempts. Contacts written after the last checkpoint and
  // before a kill are found unchanged, not written again; one the kill caught between Adestra's answer and the
  // app's record of it is written again and Adestra says it is already on the list: counted updated (at most
  // the lanes in flight at each kill; docs/decisions/020-runs-survive-crashes.md).
  expect(run.created + run.updated + run.unchanged).toBe(expected.matched);
  expect(run.updated).toBeLessThanOrEqual(kills * DEFAULT_SEND_CONCURRENCY);
  expect(stack.demo.listMembers(listId)).toEqual(expected.list);
  expect(stack.demo.unsubAddresses(10)).toEqual(expected.unsub);
  // Every contact once in the core table, whatever was retried.
  const emails = stack.demo.contacts(1).map((c) => c.fields.email.toLowerCase());
  expect(new Set(emails).size).toBe(emails.length);
  // One link per customer on the list, each with Adestra's contact id.
  const links = await stack.app.db.getDb().profileLink.findMany({ where: { shopId: shop.id, destination: "adestra", target: `list:${listId}` } });
  expect(links.map((l) => l.customerId).sort()).toEqual([...expected.customerIds].sort());
}

describe("killing the worker mid-send", () => {
  it("SIGKILL once: the next worker resumes from the checkpoint and the list is exact", async () => {
    const sent = await sendThroughKills(1);
    await expectSameAsUninterrupted(sent, 1);
    const logs = await stack.app.queues.getQueue("sync").getJobLogs(SEND_RUN.jobId(sent.run.id));
    expect(logs.logs.join("\n")).toContain("resuming after customer");
  }, 180_000);

  it("SIGKILL three times in one send: each next worker resumes it, and the list is exact", async () => {
    await expectSameAsUninterrupted(await sendThroughKills(3), 3);
  }, 240_000);
});
