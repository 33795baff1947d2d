/**
 * A send through Adestra's bulk import (issue 11): a store at or above ADESTRA_IMPORT_THRESHOLD stages its plain
 * list writes, cuts them into CSV files the app serves (GET /imports/adestra?token=…, here over real HTTP from
 * this process, as the web process serves it), hands each to contact.import, and confirms it from the list's
 * members, since Adestra gives no import status. Checked where a merchant would look: the list and the unsub list
 * in Adestra, contact by contact against what the app recorded, and the run's counters, which count a contact
 * only once the list shows it. And what goes wrong: Adestra fetching late, fetching twice, a URL refused
 * (tampered, expired), a worker killed mid-import.
 */
import type { Server } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ShopContext } from "../../../app/models/shop.server";
import { SEND_RUN } from "../../../app/destinations/adestra/jobs/definitions";
import { contactHash } from "../../../app/destinations/adestra/rules/hash";
import { signImportFileToken } from "../../../app/destinations/adestra/import-file.server";
import { serveAdestraImportFiles } from "../../support/adestra-import-files";
import { waitFor } from "../../support/wait-for";
import { expireLockOfDeadWorker, startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import { connectDemo, expectedSend, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";

const STORE: Store = { domain: "adestra-imports.myshopify.com", customers: 300, seed: 53, ianaTimezone: "Europe/Berlin" };
const ROWS_PER_FILE = 40;
const SUBSCRIBERS = { profileGroup: "subscribers" as const };

process.env.ADESTRA_IMPORT_THRESHOLD = "100";
process.env.ADESTRA_IMPORT_ROWS_PER_FILE = String(ROWS_PER_FILE);
process.env.ADESTRA_IMPORT_POLL_MS = "20";
/** Not the 4 h deadline: a file whose other contacts are on the list settles its refused rows this soon. */
process.env.ADESTRA_IMPORT_SETTLE_MS = "400";

let stack: Stack;
let shop: ShopContext;
let app: Server;
let child: WorkerProcess | undefined;
/** The in-process worker, closed while a worker process is under test. */
let worker: { close(): Promise<void> } | undefined;
let listId: number;
const expected = expectedSend(STORE, SUBSCRIBERS);
const files = (rows = expected.matched) => Math.ceil(rows / ROWS_PER_FILE);

beforeAll(async () => {
  const fileServer = await serveAdestraImportFiles();
  app = fileServer.server;
  process.env.SHOPIFY_APP_URL = fileServer.url;
  stack = await startStack({ stores: [STORE], worker: false });
  stack.app.env.resetEnvCache();
  worker = await stack.startWorker();
  shop = await setUpShop(stack, STORE);
  await connectDemo(stack, shop);
});

afterAll(async () => {
  if (child?.running()) await child.kill();
  await stack?.close();
  await new Promise((resolve) => app?.close(resolve));
});

/** Every test starts from an empty Adestra account, a new list and nothing recorded as sent. */
beforeEach(async () => {
  stack.demo.reset();
  await stack.app.db.getDb().profileLink.deleteMany({ where: { shopId: shop.id } });
  const created = await stack.app.lists.createAdestraList({ shop, name: "Imported" });
  if (!created.ok) throw new Error(JSON.stringify(created));
  listId = created.list.id;
});

async function sendAndWait(choices: Record<string, unknown> = SUBSCRIBERS) {
  const { runId } = await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { ...choices, listId } });
  return waitForRun(stack, runId, { timeoutMs: 60_000 });
}

const served = (method: string) => stack.demo.stats().served[method] ?? 0;

/**
 * Adestra holds exactly the expected list and unsub list; every contact once in the core table; every list link
 * names the contact Adestra has, with exactly the fields the app recorded (its hash).
 */
async function expectAdestraAsExpected(list = expected.list, customerIds = expected.customerIds) {
  expect(stack.demo.listMembers(listId)).toEqual(list);
  expect(stack.demo.unsubAddresses(10)).toEqual(expected.unsub);
  const contacts = stack.demo.contacts(1);
  const emails = contacts.map((c) => c.fields.email.toLowerCase());
  expect(new Set(emails).size).toBe(emails.length);
  const links = await stack.app.db.getDb().profileLink.findMany({ where: { shopId: shop.id, destination: "adestra", target: `list:${listId}` } });
  expect(links.map((l) => l.customerId).sort()).toEqual([...customerIds].sort());
  for (const link of links) {
    const contact = contacts.find((c) => String(c.id) === link.destinationId);
    expect(contact, link.customerId).toBeDefined();
    expect(contactHash(contact!.fields), link.customerId).toBe(link.payloadHash);
    expect(contact!.fields.email).toBe(link.email);
  }
}

describe("a send through Adestra's contact.import", () => {
  it("puts exactly the subscribed customers on the list through one import per file, no per-contact write, and counts what the list confirmed", async () => {
    expect(expected.matched).toBeGreaterThan(2 * ROWS_PER_FILE);
    const run = await sendAndWait();
    expect(run).toMatchObject({ status: "succeeded", errorMessage: null, total: STORE.customers, seen: STORE.customers, matched: expected.matched });
    expect(run).toMatchObject({ created: expected.matched, updated: 0, unchanged: 0, failed: 0, skipped: expected.skipped, suppressed: expected.unsub.length });
    await expectAdestraAsExpected();
    // Nobody without Shopify's SUBSCRIBED is on the list; the unsubscribed reached the unsub list (per record).
    const onList = new Set(stack.demo.listMembers(listId));
    expect(expected.unsub.some((email) => onList.has(email))).toBe(false);

    const { imports } = stack.demo.stats();
    expect(imports).toHaveLength(files());
    expect(imports.every((i) => i.status === "completed" && i.rejected === 0 && i.rows <= ROWS_PER_FILE && i.listId === listId && i.dedupeType === "overwrite")).toBe(true);
    expect(imports.reduce((n, i) => n + i.imported, 0)).toBe(expected.matched);
    expect(served("contact.import")).toBe(files());
    expect(served("contact.create")).toBe(0);
    expect(served("contact.addList")).toBe(0);
    expect(served("unsubList.addAddress")).toBe(expected.unsub.length);
    const db = stack.app.db.getDb();
    expect(await db.stagedProfile.count({ where: { runId: run.id } })).toBe(0);
    expect((await db.syncRun.findUnique({ where: { id: run.id } }))!.phase).toBeNull();

    // A second send finds every contact unchanged and imports nothing.
    const again = await sendAndWait();
    expect(again).toMatchObject({ status: "succeeded", unchanged: expected.matched, created: 0, updated: 0, failed: 0, suppressed: 0 });
    expect(stack.demo.stats().imports).toHaveLength(files());

    // Links lost for 10 customers whose contacts are on the list: imported again, and counted updated (not created).
    const lost = expected.customerIds.slice(0, 10);
    await db.profileLink.deleteMany({ where: { shopId: shop.id, target: `list:${listId}`, customerId: { in: lost } } });
    const relinked = await sendAndWait();
    expect(relinked).toMatchObject({ status: "succeeded", updated: 10, created: 0, unchanged: expected.matched - 10, failed: 0 });
    expect(stack.demo.stats().imports).toHaveLength(files() + 1);
    await expectAdestraAsExpected();
  });

  it("All profiles: unsubscribed customers' addresses go on the unsub list one by one, then everyone's contact through the import", async () => {
    const all = expectedSend(STORE, { profileGroup: "all" });
    const run = await sendAndWait({ profileGroup: "all" });
    expect(run).toMatchObject({ status: "succeeded", matched: all.matched, created: all.matched, failed: 0, suppressed: all.unsub.length });
    expect(stack.demo.listMembers(listId)).toEqual(all.list);
    expect(stack.demo.unsubAddresses(10)).toEqual(all.unsub);
    // The unsub list is written per address during the read of the store, before any import is asked for; no contact is written one by one.
    expect(served("unsubList.addAddress")).toBe(all.unsub.length);
    expect(served("contact.create")).toBe(0);
    expect(stack.demo.stats().imports.reduce((n, i) => n + i.imported, 0)).toBe(all.matched);
  });

  it("Adestra fetching the file late: the list is read again, less often, until the contacts are there", async () => {
    stack.demo.setImportFault({ fetchDelayMs: 700 });
    const run = await sendAndWait();
    expect(run).toMatchObject({ status: "succeeded", created: expected.matched, updated: 0, failed: 0 });
    await expectAdestraAsExpected();
    // The list was read more than once per file: before the import (prescan) and while waiting for it.
    expect(served("contact.search")).toBeGreaterThan(2 * files());
  });

  it("Adestra fetching a file twice: no contact twice (overwrite dedupe), counts unchanged", async () => {
    stack.demo.setImportFault({ fetchTwice: true });
    const run = await sendAndWait();
    expect(run).toMatchObject({ status: "succeeded", created: expected.matched, updated: 0, failed: 0 });
    await expectAdestraAsExpected();
    const { imports } = stack.demo.stats();
    expect(imports.every((i) => i.fetches === 2)).toBe(true);
    // Rows were imported twice (the second fetch found the file), and the core table has each contact once.
    expect(imports.filter((i) => i.refetch === "completed").length).toBeGreaterThan(0);
    expect(imports.reduce((n, i) => n + i.imported, 0)).toBeGreaterThan(expected.matched);
    expect(stack.demo.contacts(1)).toHaveLength(expected.matched);
  });

  it("rows Adestra refuses: the rest land, each refused customer is a failure saying so, soon after its file landed, and nothing is linked for them", async () => {
    // One refused address in the first file, two in the last (the list is in address order, the files in customer order: any three).
    const refused = [expected.list[3], expected.list[100], expected.list[expected.list.length - 2]];
    stack.demo.setImportFault({ refuseEmails: refused });
    const run = await sendAndWait();
    expect(run).toMatchObject({ status: "succeeded", created: expected.matched - refused.length, updated: 0, failed: refused.length });
    const status = await stack.app.send.getSendStatus({ shop });
    const failures = status.lastRun!.failures;
    expect(failures.map((f) => f.email).sort()).toEqual([...refused].sort());
    expect(new Set(failures.map((f) => f.reason))).toEqual(new Set(["Adestra imported the file but did not put this contact on the list (it says neither that it refused the row nor why)"]));
    const refusedIds = new Set(failures.map((f) => f.customerId));
    await expectAdestraAsExpected(expected.list.filter((email) => !refused.includes(email)), expected.customerIds.filter((id) => !refusedIds.has(id)));
    expect(stack.demo.stats().imports.reduce((n, i) => n + i.rejected, 0)).toBe(refused.length);
  });

  it("a URL Adestra fetches after it expired is refused (403): nothing imported, the contacts fail, unlinked, and the next send writes them", async () => {
    process.env.ADESTRA_IMPORT_CONFIRM_MS = "600";
    stack.app.env.resetEnvCache();
    stack.demo.setImportFault({ fetchDelayMs: 1_500 });
    try {
      const run = await sendAndWait();
      expect(run).toMatchObject({ status: "succeeded", created: 0, updated: 0, failed: expected.matched, suppressed: expected.unsub.length });
      const status = await stack.app.send.getSendStatus({ shop });
      expect(status.lastRun!.failures[0]).toMatchObject({ reason: "Adestra did not confirm this contact after the import" });
      expect(await stack.app.db.getDb().profileLink.count({ where: { shopId: shop.id, target: `list:${listId}` } })).toBe(0);
      await waitFor(() => stack.demo.stats().imports.every((i) => i.status === "failed"), { what: "Adestra's late fetches to be refused" });
      expect(stack.demo.stats().imports.map((i) => i.error)).toEqual(Array(files()).fill("fetching the file answered HTTP 403"));
      expect(stack.demo.listMembers(listId)).toEqual([]);
    } finally {
      delete process.env.ADESTRA_IMPORT_CONFIRM_MS;
      stack.app.env.resetEnvCache();
      stack.demo.setImportFault({});
    }
    const next = await sendAndWait();
    expect(next).toMatchObject({ status: "succeeded", created: expected.matched, failed: 0 });
    await expectAdestraAsExpected();
  });

  it("the file URL: a tampered token is 403, an expired one 403, a valid one of a finished run 404, none with a body", async () => {
    stack.demo.setImportFault({ fetchDelayMs: 60_000 });
    const { runId } = await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { ...SUBSCRIBERS, listId } });
    const { url } = await waitFor(() => stack.demo.stats().imports[0], { what: "the first contact.import" });
    const valid = await fetch(url);
    expect(valid.status).toBe(200);
    const csv = await valid.text();
    expect(csv.split("\n")[0]).toBe("email,first_name,last_name,phone,country,city,postcode,tags,orders_count,total_spent,customer_since,last_order_date,shopify_customer_id");
    expect(csv.trim().split("\n")).toHaveLength(1 + ROWS_PER_FILE);

    const token = new URL(url).searchParams.get("token")!;
    const [payload, mac] = token.split(".");
    const tampered = (t: string) => Object.assign(new URL(url), { search: `?token=${t}` }).toString();
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as unknown[];
    const otherPart = Buffer.from(JSON.stringify([...claims.slice(0, 3), 1, claims[4]])).toString("base64url");
    const key = stack.app.env.parseEnv().CREDENTIALS_ENCRYPTION_KEY;
    const expired = signImportFileToken({ shopId: shop.id, runId, part: 0, expiresAt: new Date(Date.now() - 1_000) }, key);
    for (const refused of [`${otherPart}.${mac}`, `${payload}.${mac.slice(0, -2)}AA`, `${payload}x.${mac}`, "", expired]) {
      const response = await fetch(tampered(refused));
      expect(response.status, refused).toBe(403);
      expect(await response.text()).toBe("");
    }
    // Cancelled (a disconnect): the run is over, its files are gone.
    await stack.app.db.getDb().syncRun.update({ where: { id: runId }, data: { status: "cancelled", finishedAt: new Date() } });
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe("");
    stack.demo.setImportFault({});
    await waitFor(async () => (await stack.app.queues.getQueue("sync").getJobCounts("active")).active === 0, { timeoutMs: 30_000, what: "the cancelled run's job to stop" });
  });

  it("a worker killed mid-import: the next worker follows the same imports, asks for none twice, and the final state is the same", async () => {
    await worker!.close();
    stack.demo.setImportFault({ fetchDelayMs: 1_500 });
    child = await startWorkerProcess();
    const { runId } = await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { ...SUBSCRIBERS, listId } });
    await waitFor(
      async () => {
        const row = await stack.app.db.getDb().syncRun.findUnique({ where: { id: runId }, select: { importState: true } });
        return row?.importState?.includes('"uploaded":true') && served("contact.import") > 0;
      },
      { timeoutMs: 30_000, what: "a file handed over to Adestra" },
    );
    await child.kill();
    const askedAtKill = served("contact.import");
    expect(askedAtKill).toBeGreaterThan(0);
    expect((await stack.app.runs.getSyncRunSummary({ runId }))!.status).toBe("running");

    await expireLockOfDeadWorker({ redis: stack.app.redis.getRedis(), prefix: stack.app.env.parseEnv().REDIS_PREFIX, queue: "sync", jobId: SEND_RUN.jobId(runId) });
    worker = await stack.startWorker();
    const run = await waitForRun(stack, runId, { timeoutMs: 90_000 });
    stack.demo.setImportFault({});
    expect(run).toMatchObject({ status: "succeeded", seen: STORE.customers, matched: expected.matched, created: expected.matched, updated: 0, failed: 0 });
    // One contact.import per file in all: those asked for before the kill were followed, not asked again.
    expect(served("contact.import")).toBe(files());
    expect(stack.demo.stats().imports.map((i) => i.status)).toEqual(Array(files()).fill("completed"));
    const logs = (await stack.app.queues.getQueue("sync").getJobLogs(SEND_RUN.jobId(runId))).logs.join("\n");
    expect(logs).toMatch(/import file\(s\), \d+ contact\(s\), \d+ confirmed so far/);
    await expectAdestraAsExpected();
  }, 120_000);
});
