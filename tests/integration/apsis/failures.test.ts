/**
 * APSIS failing during a Full Sync: 500s that outlast the client's retries interrupt the run (it says why and
 * goes back to the queue), nothing unwritten is recorded as synced, and the run resumes and finishes once APSIS
 * answers again. Credentials APSIS no longer accepts fail the run with "reconnect", writing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptSecret } from "../../../app/utils/crypto.server";
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
import type { ShopContext } from "../../../app/models/shop.server";

// Short outage pauses (15 s doubling to 5 min in production), so the run's next try comes soon.
process.env.OUTAGE_FIRST_PAUSE_MS = "200";
process.env.OUTAGE_MAX_PAUSE_MS = "1000";

const STORE: Store = { domain: "apsis-failures.myshopify.com", customers: 300, seed: 47, ianaTimezone: "America/New_York" };

let stack: Stack;
let shop: ShopContext;
let shopId: string;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE] });
  stack.app.env.resetEnvCache();
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
});

afterAll(async () => {
  await stack?.close();
});

describe("APSIS answering 500s mid-sync", () => {
  it("the run reports the outage, keeps exactly what was written, then resumes and finishes", async () => {
    const expected = expectedFullSync(STORE);
    const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
    await waitFor(() => stack.demo.profiles().length >= 30, { what: "30 profiles" });
    // Every request fails from now on: the client's retries run out.
    stack.demo.setFailure({ status: 500, count: 1_000_000 });

    const interrupted = await waitFor(
      async () => {
        const run = await stack.app.runs.getSyncRunSummary({ runId });
        return run?.status === "queued" && run.errorMessage ? run : null;
      },
      { timeoutMs: 60_000, what: "the run to be interrupted" },
    );
    // An outage is waited out (docs/decisions/021): the run says so, and spends no attempt on it.
    expect(interrupted.errorMessage).toMatch(/^Waiting: APSIS One is not answering \(HTTP 500/);
    expect(interrupted.errorMessage).toMatch(/goes on by itself from where it stopped/);
    // Nothing is counted as synced that APSIS does not have; what is counted is exactly what is linked.
    const links = await expectLinksBackedByApsis(stack, shopId);
    expect(interrupted.created).toBe(links.length);
    expect(links.length).toBeLessThan(expected.matched);

    stack.demo.setFailure({ status: 500, count: 0 });
    const run = await waitForRun(stack, runId, { timeoutMs: 90_000 });
    expect(run).toMatchObject({ status: "succeeded", seen: STORE.customers, matched: expected.matched, skipped: expected.skipped, failed: 0, errorMessage: null });
    expect(run.created + run.unchanged).toBe(expected.matched);
    const names = await demoDefinitions(stack, shop);
    expect(stack.demo.profiles()).toHaveLength(expected.matched);
    for (const p of expected.profiles) expectProfileInApsis(stack, names, STORE, p);
    expect(await expectLinksBackedByApsis(stack, shopId)).toHaveLength(expected.matched);
  }, 150_000);
});

describe("credentials APSIS no longer accepts", () => {
  it("fail the run with 'reconnect', writing nothing", async () => {
    const db = stack.app.db.getDb();
    const saved = (await db.apsisConnection.findUnique({ where: { shopId } }))!;
    await db.apsisConnection.update({ where: { shopId }, data: { clientSecretEncrypted: encryptSecret("revoked-secret", stack.app.env.parseEnv().CREDENTIALS_ENCRYPTION_KEY) } });
    // The API key was deleted in APSIS: its tokens stop working, and no new one is issued.
    stack.demo.revokeTokens();
    const writesBefore = writeRequests(stack.demo.stats().byEndpoint);
    try {
      const { runId } = await stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" });
      const run = await waitForRun(stack, runId);
      expect(run).toMatchObject({ status: "failed", errorCode: "apsis_auth" });
      expect(run.errorMessage).toMatch(/reconnect APSIS One/i);
      expect(writeRequests(stack.demo.stats().byEndpoint)).toBe(writesBefore);
      // Not retried: the merchant must act.
      expect(stack.failedJobs.at(-1)!.job!.attemptsMade).toBe(1);
    } finally {
      await db.apsisConnection.update({ where: { shopId }, data: { clientSecretEncrypted: saved.clientSecretEncrypted } });
    }
  });
});
