/**
 * Deliveries through the real routes, processed by a real BullMQ worker (the app's handlers map) on this
 * file's Redis prefix and database: the outcomes a merchant, a customer or Shopify's review would check.
 */
import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "../../../app/db.server";
import { parseEnv } from "../../../app/env.server";
import { createBulkOperationNotifications } from "../../../app/shopify/bulk-notifications.server";
import { listComplianceRequests } from "../../../app/models/compliance.server";
import { getQueue } from "../../../app/queues/enqueue.server";
import { handlers } from "../../../app/jobs/handlers.server";
import { createRedis } from "../../../app/redis.server";
import { startWorkers } from "../../../app/queues/worker.server";
import { countCustomerRows, deliver, examplePayload, seedCustomerData, seedSession, seedShop } from "./deliveries";
import { waitFor } from "../../support/wait-for";

const env = parseEnv();
const connection = createRedis(env.REDIS_URL);
const failures: { job: Job | undefined; error: Error }[] = [];
let running: ReturnType<typeof startWorkers>;

beforeAll(() => {
  running = startWorkers({
    connection,
    prefix: env.REDIS_PREFIX,
    handlers,
    concurrency: { webhooks: 2, sync: 1 },
    onFailed: (job, error) => failures.push({ job, error }),
  });
});

afterAll(async () => {
  await running.close();
  await getQueue("sync").close();
  connection.disconnect();
});

/** Delivers, expects 200, and waits until the worker has finished the delivery's receipt. */
async function deliverAndProcess(options: Parameters<typeof deliver>[0]) {
  const eventId = options.eventId ?? randomUUID();
  const response = await deliver({ ...options, eventId });
  expect(response.status).toBe(200);
  return waitFor(
    async () => {
      const receipt = await getDb().webhookReceipt.findUnique({ where: { eventId } });
      return receipt && ["processed", "ignored", "failed"].includes(receipt.status) ? receipt : undefined;
    },
    { timeoutMs: 15_000, what: `${options.topic} to be processed` },
  );
}

const complianceBody = (topic: "customers/data_request" | "customers/redact" | "shop/redact", shop: string, customerId?: string) => {
  const payload = { ...examplePayload(topic), shop_domain: shop };
  // Splice the id into the raw JSON so ids beyond 2^53 arrive exactly as Shopify would send them.
  return JSON.stringify(payload).replace('"id":191167', `"id":${customerId ?? "191167"}`);
};

describe("customers/data_request", () => {
  it("stores a report of everything held for that customer, and nothing of other customers", async () => {
    const shop = "report.myshopify.com";
    const { id: shopId } = await seedShop(shop);
    const customerId = "7064055069303700841"; // beyond 2^53: rounding would name someone else
    const gid = `gid://shopify/Customer/${customerId}`;
    const { email } = await seedCustomerData({ shopId, customerGid: gid });
    const other = await seedCustomerData({ shopId, customerGid: "gid://shopify/Customer/7064055069303700840" });

    const receipt = await deliverAndProcess({ topic: "customers/data_request", shop, body: complianceBody("customers/data_request", shop, customerId) });

    expect(receipt.status).toBe("processed");
    const [request] = await listComplianceRequests({ shop, topic: "customers/data_request" });
    expect(request.customerId).toBe(gid);
    const report = JSON.parse(request.report);
    expect(report).toMatchObject({ customer: gid, dataRequestId: "9999" });
    expect(report.profileLinks.map((l: { destination: string; target: string }) => `${l.destination} ${l.target}`)).toEqual([
      "adestra list:42",
      "apsis section:com.example",
    ]);
    expect(report.profileLinks[1]).toMatchObject({ email, destinationId: gid, consent: { email: "opt_in" }, payloadHash: expect.any(String), lastSyncedAt: expect.any(String) });
    expect(report.consentEvents).toMatchObject([{ destination: "apsis", channel: "email", address: email, type: "opt_in", source: "webhook" }]);
    expect(report.syncFailures).toMatchObject([{ destination: "adestra", reason: "invalid email", email }]);
    expect(request.report).not.toContain(other.email);
    expect(request.report).not.toContain("7064055069303700840");
  });

  it("works for a shop with no session and no data: an empty report", async () => {
    const shop = "report-empty.myshopify.com";
    const receipt = await deliverAndProcess({ topic: "customers/data_request", shop, body: complianceBody("customers/data_request", shop) });
    expect(receipt.status).toBe("processed");
    const [request] = await listComplianceRequests({ shop });
    expect(JSON.parse(request.report)).toMatchObject({ customer: "gid://shopify/Customer/191167", profileLinks: [], consentEvents: [], syncFailures: [] });
  });
});

describe("customers/redact", () => {
  it("deletes exactly that customer's rows, leaves other customers and shops, records counts only", async () => {
    const shop = "redact.myshopify.com";
    const elsewhere = "redact-other-shop.myshopify.com";
    const { id: shopId } = await seedShop(shop);
    const { id: otherShopId } = await seedShop(elsewhere);
    const gid = "gid://shopify/Customer/191167";
    const neighbour = "gid://shopify/Customer/191168";
    const { email } = await seedCustomerData({ shopId, customerGid: gid });
    await seedCustomerData({ shopId, customerGid: neighbour });
    await seedCustomerData({ shopId: otherShopId, customerGid: gid }); // same customer id, another shop

    const receipt = await deliverAndProcess({ topic: "customers/redact", shop, body: complianceBody("customers/redact", shop) });

    expect(receipt).toMatchObject({ status: "processed", detail: expect.stringContaining("customer redacted") });
    const db = getDb();
    expect(await db.profileLink.count({ where: { shopId, customerId: gid } })).toBe(0);
    expect(await db.consentEvent.count({ where: { shopId, customerId: gid } })).toBe(0);
    expect(await db.syncFailure.count({ where: { customerId: gid, run: { shopId } } })).toBe(0);
    expect(await countCustomerRows(neighbour)).toEqual({ profileLinks: 2, consentEvents: 1, syncFailures: 1 });
    expect(await db.profileLink.count({ where: { shopId: otherShopId, customerId: gid } })).toBe(2);
    expect(await db.consentEvent.count({ where: { shopId: otherShopId, customerId: gid } })).toBe(1);

    const [record] = await listComplianceRequests({ shop, topic: "customers/redact" });
    expect(JSON.parse(record.report)).toMatchObject({
      deleted: { profileLinks: 2, syncFailures: 1, consentEvents: 1 },
      destinations: ["adestra", "apsis"],
      ordersToRedact: 3,
    });
    expect(record.report).not.toContain(email);
  });

  it("a redelivery of the same redact event does nothing more", async () => {
    const shop = "redact-twice.myshopify.com";
    await seedShop(shop);
    const eventId = randomUUID();
    await deliverAndProcess({ topic: "customers/redact", shop, eventId, body: complianceBody("customers/redact", shop) });
    expect((await deliver({ topic: "customers/redact", shop, eventId, body: complianceBody("customers/redact", shop) })).status).toBe(200);
    expect(await listComplianceRequests({ shop })).toHaveLength(1);
  });
});

describe("shop/redact", () => {
  it("deletes the shop's data, sessions and receipts, keeps another shop's, records counts", async () => {
    const shop = "closing.myshopify.com";
    const staying = "staying.myshopify.com";
    const { id: shopId } = await seedShop(shop);
    const { id: stayingId } = await seedShop(staying);
    await seedCustomerData({ shopId, customerGid: "gid://shopify/Customer/1" });
    await seedCustomerData({ shopId: stayingId, customerGid: "gid://shopify/Customer/1" });
    await seedSession(shop);
    await seedSession(staying);
    await deliverAndProcess({ topic: "customers/update", shop });
    await deliverAndProcess({ topic: "customers/update", shop: staying });

    const receipt = await deliverAndProcess({ topic: "shop/redact", shop, body: complianceBody("shop/redact", shop) });

    expect(receipt.status).toBe("processed");
    const db = getDb();
    expect(await db.shop.findUnique({ where: { domain: shop } })).toBeNull();
    expect(await db.profileLink.count({ where: { shopId } })).toBe(0);
    expect(await db.consentEvent.count({ where: { shopId } })).toBe(0);
    expect(await db.syncRun.count({ where: { shopId } })).toBe(0);
    expect(await db.session.count({ where: { shop } })).toBe(0);
    expect((await db.webhookReceipt.findMany({ where: { shopDomain: shop } })).map((r) => r.topic)).toEqual(["shop/redact"]);

    expect(await db.shop.count({ where: { domain: staying } })).toBe(1);
    expect(await db.profileLink.count({ where: { shopId: stayingId } })).toBe(2);
    expect(await db.session.count({ where: { shop: staying } })).toBe(1);
    expect(await db.webhookReceipt.count({ where: { shopDomain: staying } })).toBe(1);

    const [record] = await listComplianceRequests({ shop, topic: "shop/redact" });
    expect(JSON.parse(record.report)).toMatchObject({ deleted: { shop: 1, profileLinks: 2, consentEvents: 1, syncRuns: 1, sessions: 1, webhookReceipts: 1 } });
  });

  it("a payload whose shop_domain is not the delivery's shop is refused in the request (the header is not signed)", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const target = "victim.myshopify.com";
    await seedShop(target);
    const response = await deliver({ topic: "shop/redact", shop: target, body: complianceBody("shop/redact", "attacker.myshopify.com") });
    expect(response.status).toBe(400);
    expect(await getDb().webhookReceipt.count({ where: { shopDomain: target } })).toBe(0);
    expect(await getDb().shop.count({ where: { domain: target } })).toBe(1);
  });
});

describe("customer, consent and order topics (real-time sync: tests/integration/apsis/realtime.test.ts)", () => {
  it("an uninvited shop's customers/update is ignored with the reason", async () => {
    const shop = "uninvited.myshopify.com";
    await seedShop(shop, { invited: false });
    const receipt = await deliverAndProcess({ topic: "customers/update", shop });
    expect(receipt).toMatchObject({ status: "ignored", detail: expect.stringContaining("not synced: shop not invited (invitation: pending)") });

    const unknown = await deliverAndProcess({ topic: "customers/update", shop: "never-seen.myshopify.com" });
    expect(unknown).toMatchObject({ status: "ignored", detail: expect.stringContaining("unknown to the app") });
  });

  it("an invited shop without APSIS One: every delivery is ignored, saying why", async () => {
    const shop = "invited.myshopify.com";
    await seedShop(shop);
    for (const topic of [
      "customers/create",
      "customers/update",
      "customers/delete",
      "customers_email_marketing_consent/update",
      "customers_marketing_consent/update",
      "orders/create",
    ] as const) {
      const receipt = await deliverAndProcess({ topic, shop });
      expect(receipt, topic).toMatchObject({ status: "ignored", detail: expect.stringContaining("not synced: APSIS One is not connected") });
    }
  });

  it("a malformed payload fails with the reason in the request (no job), and the next delivery is processed", async () => {
    const shop = "malformed.myshopify.com";
    await seedShop(shop);
    const bad = await deliverAndProcess({ topic: "customers/update", shop, body: JSON.stringify({ first_name: "No id" }) });
    expect(bad).toMatchObject({ status: "failed", detail: expect.stringMatching(/^malformed customers\/update payload: id .*; updated_at /) });
    const jobs = await getQueue("webhooks").getJobs(["waiting", "delayed", "active", "completed", "failed", "prioritized"]);
    expect(jobs.filter((j) => j.data.receiptId === bad.id)).toEqual([]);

    const next = await deliverAndProcess({ topic: "customers_email_marketing_consent/update", shop });
    expect(next).toMatchObject({ status: "ignored", detail: expect.stringContaining("APSIS One is not connected") });
  });

  it("bulk_operations/finish wakes the bulk reader waiting on that operation", async () => {
    const shop = "bulk.myshopify.com";
    const notifications = createBulkOperationNotifications({ redis: connection, prefix: env.REDIS_PREFIX });
    const id = "gid://shopify/BulkOperation/147595010"; // the example payload's
    expect(await notifications.waitForFinish({ id, timeoutMs: 10 })).toBe(false);

    const waiting = notifications.waitForFinish({ id, timeoutMs: 10_000 });
    const receipt = await deliverAndProcess({ topic: "bulk_operations/finish", shop });
    expect(receipt).toMatchObject({ status: "processed", detail: expect.stringContaining(`${id} finished (completed)`) });
    expect(await waiting).toBe(true);
    expect(await notifications.waitForFinish({ id: "gid://shopify/BulkOperation/1", timeoutMs: 10 })).toBe(false);
  });
});

describe("maintenance.prune-webhook-receipts", () => {
  it("deletes receipts older than 14 days and keeps the rest", async () => {
    const db = getDb();
    const day = 24 * 3600 * 1000;
    const base = { webhookId: "w", shopDomain: "prune.myshopify.com", topic: "customers/update", apiVersion: "2026-07", status: "processed" };
    for (let i = 0; i < 5; i++) await db.webhookReceipt.create({ data: { ...base, eventId: `old-${i}`, receivedAt: new Date(Date.now() - 15 * day) } });
    await db.webhookReceipt.create({ data: { ...base, eventId: "recent", receivedAt: new Date(Date.now() - 13 * day) } });

    const job = await getQueue("sync").add("maintenance.prune-webhook-receipts", {});
    await waitFor(async () => (await job.getState()) === "completed", { timeoutMs: 15_000, what: "the prune job" });

    expect((await db.webhookReceipt.findMany({ where: { shopDomain: "prune.myshopify.com" } })).map((r) => r.eventId)).toEqual(["recent"]);
  });
});
