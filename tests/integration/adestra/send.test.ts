/**
 * On Demand sends end to end: the real worker reads the Shopify sandbox and writes to the Adestra sandbox over
 * HTTP; the outcome is checked where a merchant would look (the Adestra list, the unsub list, the run's
 * counters) against what the seeded store must produce.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopContext } from "../../../app/models/shop.server";
import { connectDemo, expectedSend, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";
import { SEND_PROFILES_JOB } from "../../../app/destinations/adestra/jobs/definitions";
import { waitFor } from "../../support/wait-for";

// Short outage pauses (15 s doubling to 5 min in production), so a send waiting for Adestra tries again soon.
process.env.OUTAGE_FIRST_PAUSE_MS = "200";
process.env.OUTAGE_MAX_PAUSE_MS = "1000";

const STORE: Store = { domain: "send-store.myshopify.com", customers: 300, seed: 31, ianaTimezone: "America/New_York" };
const RANGE = { activityFrom: "2025-01-01", activityTo: "2026-06-30" };

let stack: Stack;
let shop: ShopContext;
let shopId: string;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE] });
  stack.app.env.resetEnvCache();
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
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

async function sendAndWait(choices: Record<string, unknown>, trigger: "on_demand" | "send_now" = "on_demand") {
  const { runId, alreadyRunning } = await stack.app.send.startSend({ shop, trigger, choices });
  expect(alreadyRunning).toBe(false);
  return waitForRun(stack, runId);
}

const links = (target: string) => stack.app.db.getDb().profileLink.findMany({ where: { shopId, destination: "adestra", target } });

describe("On Demand: Email subscribers only, with a date range", () => {
  let listId: number;
  const expected = expectedSend(STORE, { profileGroup: "subscribers", ...RANGE });

  it("the list holds exactly the subscribed customers active in the range; unsubscribed customers are on the unsub list", async () => {
    expect(expected.matched).toBeGreaterThan(20);
    expect(expected.unsub.length).toBeGreaterThan(20);
    listId = await newList("Subscribers 2025");

    const run = await sendAndWait({ profileGroup: "subscribers", listId, ...RANGE });

    expect(run).toMatchObject({ status: "succeeded", trigger: "on_demand", total: STORE.customers, seen: STORE.customers, matched: expected.matched });
    expect(run).toMatchObject({ created: expected.matched, updated: 0, unchanged: 0, failed: 0, skipped: expected.skipped, suppressed: expected.unsub.length });
    expect(stack.demo.listMembers(listId)).toEqual(expected.list);
    expect(stack.demo.unsubAddresses(10)).toEqual(expected.unsub);
    // Nothing else went to the list (no unsubscribed, pending or not-subscribed customer).
    const onList = new Set(stack.demo.listMembers(listId));
    expect(expected.unsub.some((email) => onList.has(email))).toBe(false);

    // The contacts carry the mapped fields.
    const contact = stack.demo.contacts(1).find((c) => c.fields.email === expected.list[0])!;
    expect(Object.keys(contact.fields).sort()).toEqual(
      ["city", "country", "customer_since", "email", "first_name", "last_name", "last_order_date", "orders_count", "phone", "postcode", "shopify_customer_id", "tags", "total_spent"],
    );
    expect(contact.fields.customer_since).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // Every sent customer has a link with the Adestra contact id; "last send" is the finish time.
    const sent = await links(`list:${listId}`);
    expect(sent.map((l) => l.customerId).sort()).toEqual([...expected.customerIds].sort());
    expect(sent.every((l) => /^\d+$/.test(l.destinationId ?? ""))).toBe(true);
    const status = await stack.app.send.getSendStatus({ shop });
    expect(status.activeRun).toBeNull();
    expect(status.lastRun).toMatchObject({ id: run.id, status: "succeeded", sent: expected.matched, listId, listName: "Subscribers 2025", profileGroup: "subscribers" });
    expect(status.lastSendAtByKind.onDemand?.getTime()).toBe(run.finishedAt!.getTime());
    // The On Demand choices are remembered.
    expect((await stack.app.send.getSendSettings({ shop })).onDemand).toEqual({ profileGroup: "subscribers", listId, ...RANGE });
  });

  it("a second identical send writes nothing new: every profile unchanged, no Adestra write", async () => {
    const before = stack.demo.stats().requests;
    const run = await sendAndWait({ profileGroup: "subscribers", listId, ...RANGE });
    expect(run).toMatchObject({ status: "succeeded", matched: expected.matched, unchanged: expected.matched, created: 0, updated: 0, suppressed: 0, failed: 0 });
    // Only the send's two checks (list.get, coreTable.get) and startSend's list.get: no contact.create, addList or unsub.
    expect(stack.demo.stats().requests - before).toBe(3);
    expect(stack.demo.listMembers(listId)).toEqual(expected.list);
  });

  it("the preview counts exactly what the send sends, with examples from it", async () => {
    const preview = await stack.app.send.previewSend({ shop, choices: { profileGroup: "subscribers", ...RANGE } });
    expect(preview).toMatchObject({ count: expected.matched, method: "read", storeCustomers: STORE.customers });
    expect(preview.examples).toHaveLength(5);
    for (const example of preview.examples) expect(expected.list).toContain(example.email);
  });
});

describe("On Demand: All profiles", () => {
  it("sends every customer with an email, and still puts unsubscribed customers on the unsub list", async () => {
    const expected = expectedSend(STORE, { profileGroup: "all" });
    const listId = await newList("Everyone");
    const run = await sendAndWait({ profileGroup: "all", listId });
    expect(run).toMatchObject({ status: "succeeded", matched: expected.matched, created: expected.matched, skipped: expected.skipped, failed: 0 });
    expect(expected.skipped).toBeGreaterThan(0);
    expect(stack.demo.listMembers(listId)).toEqual(expected.list);
    expect(stack.demo.unsubAddresses(10)).toEqual(expected.unsub);
    // Unsubscribed customers ARE on this list (All profiles), so they must be suppressed.
    const onList = new Set(stack.demo.listMembers(listId).map((e) => e.toLowerCase()));
    expect(expected.unsub.every((email) => onList.has(email))).toBe(true);
  });
});

describe("one send per shop", () => {
  it("two clicks at once make one run; the second gets the first with alreadyRunning", async () => {
    const listId = await newList("Double click");
    const choices = { profileGroup: "subscribers", listId };
    // The queue is paused so the run is still queued when the later clicks are served (this small store is
    // sent faster than a click waits for the start lock).
    const queue = stack.app.queues.getQueue("sync");
    await queue.pause();
    let a, b, c;
    try {
      [a, b] = await Promise.all([
        stack.app.send.startSend({ shop, trigger: "on_demand", choices }),
        stack.app.send.startSend({ shop, trigger: "on_demand", choices }),
      ]);
      // A third while it is queued: the same run again.
      c = await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId } });
    } finally {
      await queue.resume();
    }
    expect(a.runId).toBe(b.runId);
    expect([a.alreadyRunning, b.alreadyRunning].sort()).toEqual([false, true]);
    expect(c).toEqual({ runId: a.runId, alreadyRunning: true });
    const run = await waitForRun(stack, a.runId);
    expect(run.status).toBe("succeeded");
    const runs = await stack.app.db.getDb().syncRun.count({ where: { shopId, settings: { contains: `"listId":${listId}` } } });
    expect(runs).toBe(1);
  });
});

describe("bad input changes nothing", () => {
  it("a list from another core table is refused, nothing started", async () => {
    const before = await stack.app.db.getDb().syncRun.count();
    const attempt = stack.app.send.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId: 22 } });
    await expect(attempt).rejects.toMatchObject({ name: "UserFacingError", fieldErrors: { listId: expect.stringContaining("another core table") } });
    expect(await stack.app.db.getDb().syncRun.count()).toBe(before);
    expect(stack.demo.listMembers(22)).toEqual([]);
  });

  it("a date range that ends before it starts is refused, nothing started", async () => {
    const before = await stack.app.db.getDb().syncRun.count();
    const attempt = stack.app.send.startSend({
      shop,
      trigger: "on_demand",
      choices: { profileGroup: "all", listId: 21, activityFrom: "2026-05-01", activityTo: "2026-04-30" },
    });
    await expect(attempt).rejects.toMatchObject({ fieldErrors: { activityTo: "the end date is before the start date" } });
    await expect(stack.app.send.previewSend({ shop, choices: { profileGroup: "all", activityFrom: "2026-05-01", activityTo: "2026-04-30" } })).rejects.toMatchObject({
      fieldErrors: { activityTo: "the end date is before the start date" },
    });
    expect(await stack.app.db.getDb().syncRun.count()).toBe(before);
  });

  it("a list that does not exist is refused", async () => {
    await expect(stack.app.send.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId: 9999 } })).rejects.toMatchObject({
      fieldErrors: { listId: expect.stringContaining("no longer exists") },
    });
  });

  it("Adestra down mid-send: the run waits saying so, nothing unsent is marked sent, and it finishes by itself when Adestra answers", async () => {
    const expected = expectedSend(STORE, { profileGroup: "all" });
    const listId = await newList("Outage");
    // startSend's list.get, the job's list.get and coreTable.get, then about 20 contacts (create + addList), then 503s.
    stack.demo.failAfter(3 + 40);
    const { runId } = await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "all", listId } });
    const waiting = await waitFor(
      async () => {
        const run = await stack.app.runs.getSyncRunSummary({ runId });
        return run?.status === "queued" && run.errorMessage?.startsWith("Waiting:") ? run : null;
      },
      { timeoutMs: 60_000, what: "the send to wait for Adestra" },
    );
    expect(waiting.errorMessage).toMatch(/^Waiting: Adestra is not answering \(HTTP 503\)/);
    expect(waiting.errorMessage).toMatch(/goes on by itself from where it stopped/);
    const onList = stack.demo.listMembers(listId);
    expect(onList.length).toBeGreaterThan(0);
    expect(onList.length).toBeLessThan(expected.matched);
    // Exactly what is on the Adestra list is recorded as sent.
    expect((await links(`list:${listId}`)).map((l) => l.email).sort()).toEqual(onList);

    stack.demo.setOutage(false);
    const run = await waitForRun(stack, runId, { timeoutMs: 60_000 });
    // One run, counted once across its attempts: every contact created once, nothing failed.
    expect(run).toMatchObject({ status: "succeeded", created: expected.matched, unchanged: 0, failed: 0, errorMessage: null });
    expect(stack.demo.listMembers(listId)).toEqual(expected.list);
  });

  it("a shop no longer invited when its job runs: the run fails saying so, nothing sent", async () => {
    const listId = await newList("Revoked");
    await stack.app.shops.setInvitation({ shop: STORE.domain, invited: false, actor: "cs@example.com", via: "cli" });
    try {
      const { id: runId } = await stack.app.runs.createSyncRun({
        shopId,
        destination: "adestra",
        kind: "send",
        trigger: "on_demand",
        settings: { choices: { profileGroup: "all", listId }, listName: "Revoked", coreTableId: 1, unsubListId: 10, recordAs: "on_demand" },
      });
      await stack.app.queues.enqueue(SEND_PROFILES_JOB, { runId }, { jobId: `adestra-send-${runId}` });
      const run = await waitForRun(stack, runId);
      expect(run).toMatchObject({ status: "failed", errorCode: "not_invited" });
      expect(run.errorMessage).toMatch(/not invited/);
      expect(stack.demo.listMembers(listId)).toEqual([]);
      const again = stack.app.shops.resolveShopContext({ shop: STORE.domain }).then((revoked) => stack.app.send.startSend({ shop: revoked, trigger: "on_demand", choices: { profileGroup: "all", listId } }));
      await expect(again).rejects.toMatchObject({
        name: "ShopNotInvitedError",
      });
    } finally {
      await stack.app.shops.setInvitation({ shop: STORE.domain, invited: true, actor: "cs@example.com", via: "cli" });
    }
  });
});
