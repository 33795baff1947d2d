/**
 * The webhook endpoint (route action → app/shopify/webhooks.server.ts) against the real database and Redis:
 * what is recorded and what is queued, never processed here (no worker in this file).
 */
import { randomUUID } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "../../../app/db.server";
import { parseEnv } from "../../../app/env.server";
import { getQueue } from "../../../app/queues/enqueue.server";
import { createRedis } from "../../../app/redis.server";
import { receiveWebhook, webhookJobId } from "../../../app/shopify/webhooks.server";
import { deliver, examplePayload, seedSession, seedShop, signedRequest } from "./deliveries";

const webhooks = () => getQueue("webhooks");
const receipts = (where: { eventId?: string; shopDomain?: string } = {}) => getDb().webhookReceipt.findMany({ where });
const jobsOf = async (shop: string) =>
  (await webhooks().getJobs(["waiting", "delayed", "active", "completed", "failed", "prioritized"])).filter((j) => j.data.shop === shop);

describe("verification", () => {
  it("a bad HMAC is answered 401, and nothing is recorded or queued", async () => {
    const shop = "bad-hmac.myshopify.com";
    for (const topic of ["customers/update", "customers/redact", "app/uninstalled"] as const) {
      const response = await deliver({ topic, shop, secret: "not-the-secret" });
      expect(response.status).toBe(401);
    }
    expect(await receipts({ shopDomain: shop })).toEqual([]);
    expect(await jobsOf(shop)).toEqual([]);
  });

  it("a body altered after signing is answered 401", async () => {
    const shop = "tampered.myshopify.com";
    const request = signedRequest({ topic: "shop/redact", shop, body: JSON.stringify({ shop_domain: shop }) });
    const tampered = new Request(request.url, { method: "POST", headers: request.headers, body: JSON.stringify({ shop_domain: "other.myshopify.com" }) });
    await expect(receiveWebhook(tampered, { topic: "shop/redact" })).rejects.toMatchObject({ status: 401 });
    expect(await receipts({ shopDomain: shop })).toEqual([]);
  });

  it("missing required headers are answered 400, a GET 405, nothing recorded", async () => {
    const shop = "no-headers.myshopify.com";
    expect((await deliver({ topic: "customers/update", shop, headers: { "X-Shopify-Webhook-Id": null } })).status).toBe(400);
    expect((await deliver({ topic: "customers/update", shop, headers: { "X-Shopify-Topic": null } })).status).toBe(400);
    const get = receiveWebhook(new Request("http://127.0.0.1:3000/webhooks/customers/update"), { topic: "customers/update" });
    await expect(get).rejects.toMatchObject({ status: 405 });
    expect((await get.catch((r: Response) => r)).headers.get("Allow")).toBe("POST");
    expect(await receipts({ shopDomain: shop })).toEqual([]);
  });
});

describe("record and enqueue", () => {
  it("a valid delivery is answered 200 with one receipt and one job carrying the customer's id, not the payload", async () => {
    const shop = "valid.myshopify.com";
    const eventId = randomUUID();
    const response = await deliver({ topic: "customers/update", shop, eventId, webhookId: "wh-1" });
    expect(response.status).toBe(200);

    const [receipt] = await receipts({ shopDomain: shop });
    expect(receipt).toMatchObject({ eventId, webhookId: "wh-1", topic: "customers/update", apiVersion: "2026-07", status: "queued" });
    expect(receipt.triggeredAt).toBeInstanceOf(Date);

    const jobs = await jobsOf(shop);
    expect(jobs).toHaveLength(1);
    expect(jobs[0].id).toBe(`webhook-${eventId}`);
    expect(jobs[0].name).toBe("webhooks.process-delivery");
    expect(jobs[0].data).toMatchObject({ receiptId: receipt.id, eventId, shop, topic: "customers/update" });
    expect(jobs[0].data.subject).toEqual({ customerId: "gid://shopify/Customer/706405506930370084" });
    expect(jobs[0].data).not.toHaveProperty("payload");
  });

  it("the same event delivered 3 times (new webhook ids) is recorded once and queued once", async () => {
    const shop = "redelivery.myshopify.com";
    const eventId = randomUUID();
    for (const webhookId of ["wh-a", "wh-b", "wh-c"]) {
      const response = await deliver({ topic: "customers_email_marketing_consent/update", shop, eventId, webhookId });
      expect(response.status).toBe(200);
    }
    const rows = await receipts({ shopDomain: shop });
    expect(rows).toHaveLength(1);
    expect(rows[0].webhookId).toBe("wh-a");
    expect(await jobsOf(shop)).toHaveLength(1);
  });

  it("concurrent deliveries of one event still make one receipt and one job", async () => {
    const shop = "concurrent.myshopify.com";
    const eventId = randomUUID();
    const responses = await Promise.all(["x", "y", "z"].map((w) => deliver({ topic: "orders/create", shop, eventId, webhookId: w })));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await receipts({ shopDomain: shop })).toHaveLength(1);
    expect(await jobsOf(shop)).toHaveLength(1);
  });

  it("without an X-Shopify-Event-Id the webhook id is the dedupe key", async () => {
    const shop = "no-event-id.myshopify.com";
    for (let i = 0; i < 2; i++) {
      expect((await deliver({ topic: "customers/create", shop, eventId: null, webhookId: "wh-only" })).status).toBe(200);
    }
    const rows = await receipts({ shopDomain: shop });
    expect(rows.map((r) => r.eventId)).toEqual(["wh-only"]);
    expect((await jobsOf(shop)).map((j) => j.id)).toEqual(["webhook-wh-only"]);
  });

  it("customer ids beyond 2^53 reach the job exactly", async () => {
    const shop = "big-ids.myshopify.com";
    const body = JSON.stringify({ ...examplePayload("customers/redact"), shop_domain: shop }).replace('"id":191167', '"id":9223372036854775807');
    expect(body).toContain("9223372036854775807");
    expect((await deliver({ topic: "customers/redact", shop, body })).status).toBe(200);
    const [job] = await jobsOf(shop);
    expect(job.data.subject.customer).toEqual({ id: "9223372036854775807" });
  });

  it("job ids never contain ':'", () => {
    expect(webhookJobId("8f1c-22")).toBe("webhook-8f1c-22");
    expect(webhookJobId("urn:event:1")).toMatch(/^webhook-sha256-[0-9a-f]{64}$/);
  });

  it("a genuine delivery that is not JSON is recorded as failed and answered 200 (a retry cannot fix it)", async () => {
    const shop = "not-json.myshopify.com";
    expect((await deliver({ topic: "customers/update", shop, body: "{not json" })).status).toBe(200);
    expect(await receipts({ shopDomain: shop })).toMatchObject([{ status: "failed", detail: "the body is not valid JSON" }]);
    expect(await jobsOf(shop)).toEqual([]);
  });

  it("a topic header that is not the route's (even one the app does not subscribe to) is refused 400, nothing recorded or queued", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const shop = "other-topic.myshopify.com";
    const response = await deliver({ topic: "customers/update", shop, headers: { "X-Shopify-Topic": "products/update" } });
    expect(response.status).toBe(400);
    expect(await receipts({ shopDomain: shop })).toEqual([]);
    expect(await jobsOf(shop)).toEqual([]);
  });
});

describe("when the queue is unavailable", () => {
  const env = parseEnv();
  let deadQueue: Queue | undefined;
  let deadConnection: Redis | undefined;

  afterEach(async () => {
    // Put the real queue back.
    globalThis.__queues?.delete("webhooks");
    if (deadQueue) {
      // Drop the raw connection (BullMQ's own disconnect would wait for a "ready" that never comes); the
      // queue's pending promises then reject with the connection error: expected, swallowed.
      deadConnection?.disconnect();
      void deadQueue.disconnect().catch(() => {});
      deadQueue = undefined;
    }
  });

  let blackhole: Server | undefined;

  const sockets = new Set<Socket>();

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    if (blackhole) await new Promise((resolve) => blackhole!.close(resolve));
  });

  /** A TCP server that accepts connections and never answers: a hung Redis. */
  async function blackholeUrl() {
    blackhole ??= createServer((socket) => void sockets.add(socket));
    if (!blackhole.listening) await new Promise<void>((resolve) => blackhole!.listen(0, "127.0.0.1", resolve));
    return `redis://127.0.0.1:${(blackhole.address() as AddressInfo).port}`;
  }

  async function breakTheQueue(options: { failFast: boolean }) {
    const connection = options.failFast
      ? createRedis("redis://127.0.0.1:1", { enableOfflineQueue: false, retryStrategy: () => null })
      : createRedis(await blackholeUrl());
    connection.on("error", () => {});
    deadConnection = connection;
    deadQueue = new Queue("webhooks", { connection, prefix: env.REDIS_PREFIX });
    deadQueue.on("error", () => {});
    globalThis.__queues?.set("webhooks", deadQueue);
  }

  it("Redis refusing: 500, and Shopify's retry of the same event is enqueued (not deduplicated away)", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const shop = "redis-down.myshopify.com";
    const eventId = randomUUID();
    await breakTheQueue({ failFast: true });
    expect((await deliver({ topic: "customers/update", shop, eventId, webhookId: "try-1" })).status).toBe(500);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining(`event ${eventId}`));
    expect(await receipts({ eventId })).toMatchObject([{ status: "received" }]);

    globalThis.__queues?.delete("webhooks");
    expect((await deliver({ topic: "customers/update", shop, eventId, webhookId: "try-2" })).status).toBe(200);
    expect((await deliver({ topic: "customers/update", shop, eventId, webhookId: "try-3" })).status).toBe(200);
    expect(await receipts({ eventId })).toMatchObject([{ status: "queued", webhookId: "try-1" }]);
    expect(await jobsOf(shop)).toHaveLength(1);
  });

  it("Redis not answering: 500 within the time budget instead of hanging past Shopify's 5 s", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const shop = "redis-hangs.myshopify.com";
    const eventId = randomUUID();
    await breakTheQueue({ failFast: false });
    const started = Date.now();
    const response = await receiveWebhook(signedRequest({ topic: "orders/create", shop, eventId }), { topic: "orders/create", enqueueTimeoutMs: 300 });
    expect(response.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await receipts({ eventId })).toMatchObject([{ status: "received" }]);
  });
});

describe("app/uninstalled (inline)", () => {
  it("with a stored session: sessions deleted, shop marked uninstalled, receipt processed, nothing queued", async () => {
    const shop = "uninstall-session.myshopify.com";
    await seedShop(shop);
    await seedSession(shop);
    await getDb().session.create({ data: { id: `${shop}_online_1`, shop, state: "", isOnline: true, accessToken: "online-token" } });

    expect((await deliver({ topic: "app/uninstalled", shop })).status).toBe(200);

    expect(await getDb().session.count({ where: { shop } })).toBe(0);
    expect((await getDb().shop.findUniqueOrThrow({ where: { domain: shop } })).uninstalledAt).toBeInstanceOf(Date);
    expect(await receipts({ shopDomain: shop })).toMatchObject([{ topic: "app/uninstalled", status: "processed", detail: expect.stringContaining("2 session(s) deleted") }]);
    expect(await jobsOf(shop)).toEqual([]);
  });

  it("without a session (and for a shop the app never saw): 200, receipt processed", async () => {
    const shop = "uninstall-nosession.myshopify.com";
    await seedShop(shop);
    expect((await deliver({ topic: "app/uninstalled", shop })).status).toBe(200);
    expect((await getDb().shop.findUniqueOrThrow({ where: { domain: shop } })).uninstalledAt).toBeInstanceOf(Date);

    const stranger = "uninstall-unknown.myshopify.com";
    expect((await deliver({ topic: "app/uninstalled", shop: stranger })).status).toBe(200);
    expect(await receipts({ shopDomain: stranger })).toMatchObject([{ status: "processed", detail: expect.stringContaining("unknown to the app") }]);
  });

  it("with an expired offline token: no refresh is attempted (no call to Shopify at all) and the sessions go", async () => {
    const shop = "uninstall-expired.myshopify.com";
    await seedShop(shop);
    await seedSession(shop, { expires: new Date(Date.now() - 3600_000), refreshToken: "shprt_revoked" });
    const outbound: string[] = [];
    setAbstractFetchFunc(async (input) => {
      outbound.push(String(input instanceof Request ? input.url : input));
      return new Response(JSON.stringify({ error: "invalid_request" }), { status: 401 });
    });
    try {
      expect((await deliver({ topic: "app/uninstalled", shop })).status).toBe(200);
    } finally {
      setAbstractFetchFunc(globalThis.fetch);
    }
    expect(outbound).toEqual([]);
    expect(await getDb().session.count({ where: { shop } })).toBe(0);
  });

  it("a redelivered uninstall after a reinstall does not delete the new session", async () => {
    const shop = "uninstall-redelivered.myshopify.com";
    await seedShop(shop);
    await seedSession(shop);
    const eventId = randomUUID();
    expect((await deliver({ topic: "app/uninstalled", shop, eventId })).status).toBe(200);
    await seedSession(shop); // reinstalled
    expect((await deliver({ topic: "app/uninstalled", shop, eventId, webhookId: "retry" })).status).toBe(200);
    expect(await getDb().session.count({ where: { shop } })).toBe(1);
    expect(await receipts({ shopDomain: shop })).toHaveLength(1);
  });
});

describe("app/scopes_update (inline)", () => {
  it("updates the stored offline session's scope", async () => {
    const shop = "scopes.myshopify.com";
    await seedSession(shop);
    const body = JSON.stringify({ ...examplePayload("app/scopes_update"), current: ["read_customers", "read_orders", "write_customers"] });
    expect((await deliver({ topic: "app/scopes_update", shop, body })).status).toBe(200);
    expect((await getDb().session.findUniqueOrThrow({ where: { id: `offline_${shop}` } })).scope).toBe("read_customers,read_orders,write_customers");
    expect(await receipts({ shopDomain: shop })).toMatchObject([{ status: "processed" }]);
  });

  it("without a session: 200, receipt processed, nothing else", async () => {
    const shop = "scopes-nosession.myshopify.com";
    expect((await deliver({ topic: "app/scopes_update", shop })).status).toBe(200);
    expect(await receipts({ shopDomain: shop })).toMatchObject([{ status: "processed", detail: "no stored session to update" }]);
  });

  it("a malformed payload is recorded as failed with the reason", async () => {
    const shop = "scopes-malformed.myshopify.com";
    expect((await deliver({ topic: "app/scopes_update", shop, body: JSON.stringify({ current: "read_customers" }) })).status).toBe(200);
    expect(await receipts({ shopDomain: shop })).toMatchObject([{ status: "failed", detail: expect.stringMatching(/^malformed app\/scopes_update payload: current /) }]);
  });
});
