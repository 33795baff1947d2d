/**
 * A store above the bulk-export threshold is read through Shopify's bulk export (constant memory), and
 * `npm run ops -- send` starts a send from the command line and follows it to the end.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDemo, expectedSend, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "bulk-store.myshopify.com", customers: 250, seed: 404, ianaTimezone: "Europe/London" };
const BIG: Store = { domain: "big-store.myshopify.com", customers: 1_500, seed: 9, ianaTimezone: "Australia/Sydney" };

let stack: Stack;
let shop: ShopContext;
let big: ShopContext;

beforeAll(async () => {
  process.env.ADESTRA_BULK_EXPORT_THRESHOLD = "100";
  stack = await startStack({ stores: [STORE, BIG] });
  shop = await setUpShop(stack, STORE);
  big = await setUpShop(stack, BIG);
  await connectDemo(stack, shop);
});

afterAll(async () => {
  await stack?.close();
});

async function newList(name: string) {
  const created = await stack.app.lists.createAdestraList({ shop, name });
  if (!created.ok) throw new Error(JSON.stringify(created));
  return created.list.id;
}

describe("a store above the threshold", () => {
  it("is read with one bulk export, and the list holds exactly what it must", async () => {
    const expected = expectedSend(STORE, { profileGroup: "all", activityFrom: "2023-06-01" });
    const listId = await newList("Bulk");
    const before = stack.shopify.stats(STORE.domain).bulkOperations;
    const { runId } = await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId, activityFrom: "2023-06-01" } });
    const run = await waitForRun(stack, runId);
    expect(run).toMatchObject({ status: "succeeded", total: STORE.customers, seen: STORE.customers, matched: expected.matched, created: expected.matched });
    expect(stack.shopify.stats(STORE.domain).bulkOperations - before).toBe(1);
    expect(stack.demo.listMembers(listId)).toEqual(expected.list);
    expect(stack.demo.unsubAddresses(10)).toEqual(expected.unsub);
  });
});

describe("the preview of a large store", () => {
  it.each([
    { profileGroup: "subscribers" as const, activityFrom: "2026-01-01", activityTo: "2026-09-30" },
    { profileGroup: "all" as const, activityTo: "2024-12-31" },
  ])("counts with Shopify search exactly what the send would send: %j", async (choices) => {
    const expected = expectedSend(BIG, choices);
    const preview = await stack.app.send.previewSend({ shop: big, choices });
    expect(preview).toMatchObject({ method: "search", count: expected.matched, storeCustomers: BIG.customers });
    expect(preview.examples.length).toBe(5);
    for (const example of preview.examples) expect(expected.list).toContain(example.email);
  });
});

const run = promisify(execFile);
async function ops(args: string[]) {
  try {
    const { stdout, stderr } = await run("node_modules/.bin/tsx", ["scripts/ops.ts", ...args], { env: { ...process.env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm run ops -- send", () => {
  it("with --list and --group: starts the run, prints progress, exits 0 when it succeeded", async () => {
    const expected = expectedSend(STORE, { profileGroup: "subscribers", activityFrom: "2025-01-01", activityTo: "2026-10-31" });
    const listId = await newList("From ops");
    const result = await ops(["send", STORE.domain, "--list", String(listId), "--group", "subscribers", "--from", "2025-01-01", "--to", "2026-10-31"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Started run \w+ for bulk-store\.myshopify\.com/m);
    expect(result.stdout).toContain(`succeeded seen ${STORE.customers}/${STORE.customers}  matched ${expected.matched}  sent ${expected.matched}`);
    expect(stack.demo.listMembers(listId)).toEqual(expected.list);
    const runRow = await stack.app.db.getDb().syncRun.findFirst({ where: { trigger: "ops" }, orderBy: { queuedAt: "desc" } });
    expect(runRow).toMatchObject({ status: "succeeded" });
    expect((await stack.app.send.getSendSettings({ shop })).onDemandLastSendAt?.getTime()).toBe(runRow!.finishedAt!.getTime());
  });

  it("without choices: uses the saved Auto Send choices", async () => {
    const listId = await newList("Saved for ops");
    await stack.app.send.saveAutoSendSettings({ shop, choices: { profileGroup: "subscribers", listId }, enabled: false });
    const result = await ops(["send", STORE.domain]);
    expect(result.code).toBe(0);
    const expected = expectedSend(STORE, { profileGroup: "subscribers" });
    expect(stack.demo.listMembers(listId)).toEqual(expected.list);
    expect((await stack.app.send.getSendSettings({ shop })).auto.lastSendAt).toBeInstanceOf(Date);
  });

  it("a refused send exits 2 and says why; nothing starts", async () => {
    const before = await stack.app.db.getDb().syncRun.count();
    const result = await ops(["send", STORE.domain, "--list", "22", "--group", "all"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the send was refused: .*another core table/);
    expect(await stack.app.db.getDb().syncRun.count()).toBe(before);
    expect((await ops(["send", STORE.domain, "--list", "5"])).code).toBe(2);
  });
});
