import { afterAll, beforeAll, expect, it } from "vitest";
import { configureDemo, connectDemo, setUpShop, type Stack, startStack, type Store, waitForRun, writeRequests } from "./stack";
const STORE: Store = { domain: "apsis-bench.myshopify.com", customers: 4000, seed: 61, ianaTimezone: "Europe/Stockholm" };
let stack: Stack;
beforeAll(async () => {
  process.env.APSIS_BULK_EXPORT_THRESHOLD = "100000";
  stack = await startStack({ stores: [STORE] });
  await setUpShop(stack, STORE);
  await connectDemo(stack, STORE.domain);
  await configureDemo(stack, STORE.domain);
  await stack.app.mapping.saveSyncConditions({ shop: STORE.domain, conditions: [{ section: "usercreated.sections.sweden-p8w2n5c1zd", field: "country", operator: "equals", value: "SE" }, { section: "usercreated.sections.global-k3v9x2m7qa", always: true }] });
});
afterAll(async () => { await stack?.close(); });
it("bench", async () => {
  const t0 = Date.now();
  const before = stack.demo.stats();
  const { runId } = await stack.app.fullSync.startFullSync({ shop: STORE.domain, trigger: "on_demand" });
  const run = await waitForRun(stack, runId, { timeoutMs: 290_000 });
  const ms = run.finishedAt!.getTime() - run.startedAt!.getTime();
  const s = stack.demo.stats();
  console.log(JSON.stringify({ run: { created: run.created, failed: run.failed, seen: run.seen }, wallMs: Date.now() - t0, ms, requests: s.requests - before.requests, writes: writeRequests(s.byEndpoint), status429: s.status429, rps: ((s.requests - before.requests) / ms) * 1000 }));
  expect(run.status).toBe("succeeded");
}, 300_000);
