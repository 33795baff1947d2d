/**
 * Auto Send: the saved settings, the per-shop daily job scheduler (shop-local time, tz), the scheduled job
 * running a real send through the worker, Send now, and the rule that saved settings are read-only while
 * Auto Send is on.
 */
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { autoSendCronPattern, autoSendSchedulerId, autoSendSecondOfDay, nextAutoSendAt } from "../../../app/destinations/adestra/rules/schedule";
import { connectDemo, expectedSend, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";
import { waitFor } from "../../support/wait-for";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import type { ShopContext } from "../../../app/models/shop.server";
import { AUTO_SEND_JOB } from "../../../app/destinations/adestra/jobs/definitions";

const STORE: Store = { domain: "auto-store.myshopify.com", customers: 120, seed: 77, ianaTimezone: "Asia/Tokyo" };

let stack: Stack;
let shop: ShopContext;
let shopId: string;
let listId: number;
let otherListId: number;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE] });
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
  await connectDemo(stack, shop);
  const created = await stack.app.lists.createAdestraList({ shop, name: "Daily" });
  const other = await stack.app.lists.createAdestraList({ shop, name: "Daily 2" });
  if (!created.ok || !other.ok) throw new Error("list creation failed");
  listId = created.list.id;
  otherListId = other.list.id;
});

afterAll(async () => {
  await stack?.close();
});

const scheduler = () => stack.app.queues.getQueue("sync").getJobScheduler(autoSendSchedulerId(shopId));
const CHOICES = { profileGroup: "subscribers" as const, activityFrom: "2024-01-01" };

describe("saving Auto Send", () => {
  it("ticked: saves the choices and schedules a daily send at the shop's local time", async () => {
    const result = await stack.app.send.saveAutoSendSettings({ shop, choices: { ...CHOICES, listId }, enabled: true });
    expect(result).toMatchObject({ ok: true, nextRunAt: expect.any(Date) });

    const secondOfDay = autoSendSecondOfDay(STORE.domain);
    expect(await scheduler()).toMatchObject({
      pattern: autoSendCronPattern(secondOfDay),
      tz: "Asia/Tokyo",
      template: { data: { shop: STORE.domain } },
    });
    expect((await scheduler())?.name).toBe("adestra.auto-send");
    const settings = await stack.app.send.getSendSettings({ shop });
    expect(settings.auto).toMatchObject({ enabled: true, choices: { ...CHOICES, listId }, listName: "Daily", lastSendAt: null });
    // BullMQ's next run is the shop-local time the schedule module computes.
    expect(settings.auto.nextRunAt?.toISOString()).toBe(nextAutoSendAt({ secondOfDay, timeZone: "Asia/Tokyo" }).toISOString());
    const row = await stack.app.db.getDb().sendSettings.findUnique({ where: { shopId_kind: { shopId, kind: "auto" } } });
    expect(row?.sendMinuteOfDay).toBe(Math.floor(secondOfDay / 60));
  });

  it("while on, a save with other choices (untick, change, tick, Save) stores them and keeps the schedule", async () => {
    const changed = { ...CHOICES, listId: otherListId, activityTo: "2026-12-31" };
    expect(await stack.app.send.saveAutoSendSettings({ shop, choices: changed, enabled: true })).toMatchObject({ ok: true });
    const settings = await stack.app.send.getSendSettings({ shop });
    expect(settings.auto).toMatchObject({ enabled: true, choices: changed });
    expect((await scheduler())?.name).toBe("adestra.auto-send");
    expect(await stack.app.send.saveAutoSendSettings({ shop, choices: { ...CHOICES, listId }, enabled: true })).toMatchObject({ ok: true });
    expect((await stack.app.send.getSendSettings({ shop })).auto.choices).toEqual({ ...CHOICES, listId });
  });

  it("a list on another core table or a backwards date range is refused", async () => {
    await stack.app.send.saveAutoSendSettings({ shop, choices: { ...CHOICES, listId }, enabled: false });
    const wrongTable = await stack.app.send.saveAutoSendSettings({ shop, choices: { ...CHOICES, listId: 22 }, enabled: true });
    expect(wrongTable).toMatchObject({ ok: false, fieldErrors: { listId: expect.stringContaining("another core table") } });
    const backwards = await stack.app.send.saveAutoSendSettings({ shop, choices: { profileGroup: "all", listId, activityFrom: "2026-02-01", activityTo: "2026-01-31" }, enabled: true });
    expect(backwards).toMatchObject({ ok: false, fieldErrors: { activityTo: "the end date is before the start date" } });
    expect(await scheduler()).toBeUndefined();
    expect(await stack.app.send.saveAutoSendSettings({ shop, choices: { ...CHOICES, listId }, enabled: true })).toMatchObject({ ok: true });
  });
});

describe("the schedule fires", () => {
  it("the scheduled job runs a send with the saved settings (trigger auto), and sets Auto Send's last send", async () => {
    const expected = expectedSend(STORE, { ...CHOICES });
    // The same scheduler and job, due now instead of tonight.
    await stack.app.queues
      .getQueue("sync")
      .upsertJobScheduler(autoSendSchedulerId(shopId), { every: 60_000, limit: 1 }, stack.app.schedulers.adestraAutoSendTemplate({ shop: STORE.domain }));

    const run = await waitFor(
      () => stack.app.db.getDb().syncRun.findFirst({ where: { shopId, trigger: "auto", status: { in: ["succeeded", "failed"] } } }),
      { what: "the scheduled send" },
    );
    expect(run).toMatchObject({ status: "succeeded", matched: expected.matched, created: expected.matched });
    expect(JSON.parse(run.settings)).toMatchObject({ choices: { ...CHOICES, listId }, recordAs: "auto" });
    expect(stack.demo.listMembers(listId)).toEqual(expected.list);
    const settings = await stack.app.send.getSendSettings({ shop });
    expect(settings.auto.lastSendAt?.getTime()).toBe(run.finishedAt!.getTime());
    expect(settings.onDemandLastSendAt).toBeNull();

    // Back on its daily pattern.
    await stack.app.send.saveAutoSendSettings({ shop, choices: { ...CHOICES, listId }, enabled: true });
    expect((await scheduler())?.pattern).toBe(autoSendCronPattern(autoSendSecondOfDay(STORE.domain)));
  });

  it("Send now runs the saved settings at once", async () => {
    const { runId, alreadyRunning } = await stack.app.send.sendNow({ shop });
    expect(alreadyRunning).toBe(false);
    const run = await waitForRun(stack, runId);
    expect(run).toMatchObject({ status: "succeeded", trigger: "send_now", created: 0, updated: 0 });
    expect(run.unchanged).toBe(run.matched);
    expect((await stack.app.send.getSendSettings({ shop })).auto.lastSendAt?.getTime()).toBe(run.finishedAt!.getTime());
  });
});

describe("turning Auto Send off", () => {
  it("unticking saves and removes the schedule; then the choices can change; ticking schedules again", async () => {
    expect(await stack.app.send.saveAutoSendSettings({ shop, choices: { ...CHOICES, listId }, enabled: false })).toEqual({ ok: true, nextRunAt: null });
    expect(await scheduler()).toBeUndefined();
    expect((await stack.app.send.getSendSettings({ shop })).auto).toMatchObject({ enabled: false, nextRunAt: null });

    const changed = { profileGroup: "all" as const, listId: otherListId };
    expect(await stack.app.send.saveAutoSendSettings({ shop, choices: changed, enabled: false })).toMatchObject({ ok: true });
    expect(await stack.app.send.saveAutoSendSettings({ shop, choices: changed, enabled: true })).toMatchObject({ ok: true });
    expect((await stack.app.send.getSendSettings({ shop })).auto).toMatchObject({ enabled: true, choices: changed, listName: "Daily 2" });
    expect(await scheduler()).toBeDefined();
  });

  it("a scheduler left behind after Auto Send was turned off removes itself when it fires", async () => {
    await stack.app.db.getDb().sendSettings.update({ where: { shopId_kind: { shopId, kind: "auto" } }, data: { autoSendEnabled: false } });
    const runsBefore = await stack.app.db.getDb().syncRun.count({ where: { shopId } });
    await stack.app.queues.enqueue(AUTO_SEND_JOB, { shop: STORE.domain });
    await waitFor(async () => (await scheduler()) === undefined, { what: "the stray scheduler to be removed" });
    expect(await stack.app.db.getDb().syncRun.count({ where: { shopId } })).toBe(runsBefore);
  });

  it("the worker's boot reconciles schedulers with the database", async () => {
    await stack.app.db.getDb().sendSettings.update({ where: { shopId_kind: { shopId, kind: "auto" } }, data: { autoSendEnabled: true } });
    await stack.app.queues.getQueue("sync").upsertJobScheduler(autoSendSchedulerId("gone-shop"), { pattern: "0 0 4 * * *" }, { name: "adestra.auto-send", data: { shop: "gone.myshopify.com" } });
    expect(await stack.app.schedulers.reconcileAdestraAutoSendSchedulers()).toEqual({ scheduled: 1, removed: 1 });
    expect(await stack.app.queues.getQueue("sync").getJobScheduler(autoSendSchedulerId("gone-shop"))).toBeUndefined();
    expect(await scheduler()).toMatchObject({ tz: "Asia/Tokyo" });
  });
});

describe("a relative activity range (This year, Last N days…)", () => {
  it("moves with the day the send runs: a customer active after the save is sent, which saved days would miss", async () => {
    const created = await stack.app.lists.createAdestraList({ shop, name: "This year" });
    if (!created.ok) throw new Error("list creation failed");
    const relativeList = created.list.id;
    const { todayIn } = await import("../../../app/utils/format-date");
    const today = todayIn(STORE.ianaTimezone);
    const yesterday = DateTime.fromISO(today).minus({ days: 1 }).toISODate()!;
    // A subscribed customer who becomes active today, after the settings were saved (yesterday).
    const seeded = Array.from({ length: STORE.customers }, (_, i) => seedCustomer(STORE.seed, i)).find((c) => c.email?.marketingState === "SUBSCRIBED")!;
    const customer = seeded.email!.address;
    stack.shopify.store(STORE.domain).updateCustomer(seeded.id, { firstName: "Active today" });

    // "This year" as it used to be saved: the days it covered on the day of the save.
    const asDays = { profileGroup: "subscribers" as const, listId: relativeList, activityFrom: `${yesterday.slice(0, 4)}-01-01`, activityTo: yesterday };
    expect(await stack.app.send.saveAutoSendSettings({ shop, choices: asDays, enabled: false })).toMatchObject({ ok: true });
    const fixedRun = await waitForRun(stack, (await stack.app.send.sendNow({ shop })).runId);
    expect(fixedRun.status).toBe("succeeded");
    expect(stack.demo.listMembers(relativeList)).not.toContain(customer);

    // Saved as relative, it ends on the day the send runs.
    const relative = { profileGroup: "subscribers" as const, listId: relativeList, activityRelative: "this_year" };
    expect(await stack.app.send.saveAutoSendSettings({ shop, choices: relative, enabled: false })).toMatchObject({ ok: true });
    const row = await stack.app.db.getDb().sendSettings.findUnique({ where: { shopId_kind: { shopId, kind: "auto" } } });
    expect(row).toMatchObject({ activityRelative: "this_year", activityFrom: null, activityTo: null });
    expect((await stack.app.send.getSendSettings({ shop })).auto.choices).toMatchObject(relative);
    const run = await waitForRun(stack, (await stack.app.send.sendNow({ shop })).runId);
    expect(run.status).toBe("succeeded");
    expect(JSON.parse(run.settings)).toMatchObject({ activityRelative: "this_year", choices: { activityFrom: `${today.slice(0, 4)}-01-01`, activityTo: today } });
    expect(stack.demo.listMembers(relativeList)).toContain(customer);
  });
});
