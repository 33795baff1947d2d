/**
 * Issue 8, findings 2 and 3, the webhook half of 5 (jobs carry ids) and the 405 of 7, attacked through the real
 * web process (scripts/stack.ts: built app under remix-serve, the worker, the Shopify sandbox) over real HTTP,
 * on this file's database and Redis prefix.
 *
 * The attacker holds genuinely signed bodies of their own shop A (the HMAC covers the body only) and posts them
 * with whatever headers they like; or posts unsigned bodies of any size.
 */
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../../app/db.server";
import { getQueue } from "../../../app/queues/enqueue.server";
import { getRedis } from "../../../app/redis.server";
import { MAX_WEBHOOK_BODY_BYTES } from "../../../app/shopify/webhooks.server";
import { WEBHOOK_TOPICS, type WebhookTopic } from "../../../app/shopify/webhook-topics";
import { signWebhookBody } from "../../../sandbox/shopify/webhooks/sender";
import { WEBHOOK_API_VERSION, type WebhookDelivery } from "../../../sandbox/shopify/webhooks/payloads";
import { waitFor } from "../../support/wait-for";
import { exampleBody, seedSession } from "../webhooks/deliveries";
import { dumpRedis, mentioning } from "./redis-dump";
import { startWeb, type Web } from "./web-stack";

const A = { domain: "wh-attacker.myshopify.com", name: "Attacker", ianaTimezone: "UTC", customers: 5, seed: 801 };
const B = { domain: "wh-victim.myshopify.com", name: "Victim", ianaTimezone: "UTC", customers: 5, seed: 802 };

let stack: Web["stack"];
const prefix = process.env.REDIS_PREFIX!;

beforeAll(async () => {
  ({ stack } = await startWeb({ stores: [A, B], invite: [A.domain, B.domain] }));
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

type Sent = { status: number; headers: Record<string, string | string[] | undefined>; bytesSent: number };

/**
 * A raw POST with node:http, so a test controls how the body goes out: `body` whole, or `stream` bytes in 64 kB
 * chunks (chunked, no Content-Length) that stop as soon as the answer arrives. Resolves with the answer.
 */
function post(path: string, { headers, body, stream }: { headers: Record<string, string>; body?: Buffer | string; stream?: number }): Promise<Sent> {
  const url = new URL(path, stack.appUrl);
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    const req = httpRequest(url, { method: "POST", headers }, (res) => {
      answered = true;
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytesSent }));
    });
    // Writing on after the server has answered and closed is expected (EPIPE/ECONNRESET); before, it fails the test.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    if (body !== undefined) {
      bytesSent = Buffer.byteLength(body);
      req.end(body);
      return;
    }
    if (stream === undefined) {
      req.end();
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (!answered && !req.destroyed && bytesSent < stream) {
        bytesSent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered && !req.destroyed) req.end();
    };
    pump();
  });
}

/** Shopify's headers for `body`, signed with the app's secret unless `signed` is false; `overrides` win. */
function shopifyHeaders({ topic, shop, body, signed = true, eventId = randomUUID(), overrides = {} }: {
  topic: string;
  shop: string;
  body: string | Buffer;
  signed?: boolean;
  eventId?: string;
  overrides?: Record<string, string>;
}) {
  return {
    "content-type": "application/json",
    "x-shopify-hmac-sha256": signed ? signWebhookBody(body.toString(), stack.env.SHOPIFY_API_SECRET!) : "bm90LXNpZ25lZA==",
    "x-shopify-topic": topic,
    "x-shopify-shop-domain": shop,
    "x-shopify-api-version": WEBHOOK_API_VERSION,
    "x-shopify-webhook-id": randomUUID(),
    "x-shopify-event-id": eventId,
    "x-shopify-triggered-at": new Date().toISOString(),
    ...overrides,
  };
}

/** A genuine delivery's body, posted to `route` with the attacker's headers. */
function replay(delivery: WebhookDelivery, { route, topic, shop, eventId }: { route: string; topic?: string; shop?: string; eventId?: string }) {
  const body = JSON.stringify(delivery.payload);
  return post(`/webhooks/${route}`, { body, headers: shopifyHeaders({ topic: topic ?? delivery.topic, shop: shop ?? delivery.shop, body, eventId }) });
}

const receiptsOf = (shop: string) => getDb().webhookReceipt.findMany({ where: { shopDomain: shop } });
const jobsOf = async (shop: string) =>
  (await getQueue("webhooks").getJobs(["waiting", "delayed", "active", "completed", "failed", "prioritized"])).filter((j) => j.data.shop === shop);

async function victimWithSession() {
  await getDb().session.deleteMany({ where: { shop: B.domain } });
  await seedSession(B.domain);
  await getDb().shop.update({ where: { domain: B.domain }, data: { uninstalledAt: null } });
}

async function expectVictimUntouched() {
  expect(await getDb().session.count({ where: { shop: B.domain } })).toBe(1);
  expect((await getDb().shop.findUniqueOrThrow({ where: { domain: B.domain } })).uninstalledAt).toBeNull();
  expect(await receiptsOf(B.domain)).toEqual([]);
  expect(await jobsOf(B.domain)).toEqual([]);
}

const build = () => stack.sandbox.webhooks.build;
const customerOf = (shop: string) => {
  const store = stack.sandbox.store(shop);
  for (;;) {
    const customer = store.createCustomer();
    if (customer.email && customer.phone && customer.address) return customer;
  }
};

describe("finding 2: headers the HMAC does not cover", () => {
  it("shop A's signed customers/update body with app/uninstalled and shop B's headers: refused, B's session and sync gate intact", async () => {
    await victimWithSession();
    const genuine = build().customersUpdate(A.domain, customerOf(A.domain).id);
    // The attack as reported: on the customers/update route, and on the app/uninstalled route.
    for (const route of ["customers/update", "app/uninstalled"]) {
      const answer = await replay(genuine, { route, topic: "app/uninstalled", shop: B.domain });
      expect(answer.status, route).toBe(400);
    }
    await expectVictimUntouched();
  });

  it("a customers/delete topic header on the update route is refused, nothing recorded or processed", async () => {
    const genuine = build().customersUpdate(A.domain, customerOf(A.domain).id);
    const eventId = randomUUID();
    const answer = await replay(genuine, { route: "customers/update", topic: "customers/delete", eventId });
    expect(answer.status).toBe(400);
    expect(await getDb().webhookReceipt.count({ where: { eventId } })).toBe(0);
    expect((await jobsOf(A.domain)).filter((j) => j.data.eventId === eventId)).toEqual([]);
  });

  it("every route takes its own topic only", async () => {
    const body = exampleBody("customers/update", A.domain);
    for (const route of Object.keys(WEBHOOK_TOPICS) as WebhookTopic[]) {
      const other = route === "customers/update" ? "customers/delete" : "customers/update";
      const answer = await post(`/webhooks/${route}`, { body, headers: shopifyHeaders({ topic: other, shop: A.domain, body }) });
      expect(answer.status, `${other} on /webhooks/${route}`).toBe(400);
    }
  });

  it("shop A's genuine app/uninstalled and compliance bodies with shop B's header: refused, B intact", async () => {
    await victimWithSession();
    const customer = customerOf(A.domain);
    for (const genuine of [
      build().appUninstalled(A.domain),
      build().shopRedact(A.domain),
      build().customersRedact(A.domain, customer.id),
      build().customersDataRequest(A.domain, customer.id),
    ]) {
      const answer = await replay(genuine, { route: genuine.topic, shop: B.domain });
      expect(answer.status, genuine.topic).toBe(400);
    }
    await expectVictimUntouched();
  });

  it("a payload that contradicts itself (REST id vs GID) is refused", async () => {
    const genuine = build().customersUpdate(A.domain, customerOf(A.domain).id);
    const eventId = randomUUID();
    const payload = { ...genuine.payload, admin_graphql_api_id: "gid://shopify/Customer/1" };
    const answer = await replay({ ...genuine, payload }, { route: "customers/update", eventId });
    expect(answer.status).toBe(400);
    expect(await getDb().webhookReceipt.count({ where: { eventId } })).toBe(0);
  });

  it("a genuine app/uninstalled replayed under a forged event id after a reinstall does not delete the new session", async () => {
    const shop = B.domain;
    await victimWithSession();
    const genuine = build().appUninstalled(shop);
    expect(await stack.sandbox.webhooks.send(genuine)).toEqual([200]);
    expect(await getDb().session.count({ where: { shop } })).toBe(0);

    await victimWithSession(); // the merchant reinstalls
    const answer = await replay(genuine, { route: "app/uninstalled", eventId: randomUUID() });
    expect(answer.status).toBe(200);
    expect(await getDb().session.count({ where: { shop } })).toBe(1);
    expect((await getDb().shop.findUniqueOrThrow({ where: { domain: shop } })).uninstalledAt).toBeNull();
    expect(await receiptsOf(shop)).toHaveLength(1);
    await getDb().webhookReceipt.deleteMany({ where: { shopDomain: shop } });
  });

  it("genuine deliveries from the sandbox still pass on every topic", async () => {
    const shop = A.domain;
    const customer = customerOf(shop);
    const store = stack.sandbox.store(shop);
    const order = store.createOrder(customer.id);
    const deliveries = [
      build().customersCreate(shop, customer.id),
      build().customersUpdate(shop, customer.id),
      build().customersEmailMarketingConsentUpdate(shop, customer.id),
      build().customersMarketingConsentUpdate(shop, customer.id),
      build().ordersCreate(shop, order),
      build().appScopesUpdate(shop, { previous: ["read_customers"], current: ["read_customers", "read_orders"] }),
      build().customersDataRequest(shop, customer.id),
      build().customersRedact(shop, customer.id),
    ];
    expect(await stack.sandbox.webhooks.sendMany(deliveries)).toEqual(deliveries.map(() => 200));
    for (const d of deliveries) {
      const receipt = await getDb().webhookReceipt.findUniqueOrThrow({ where: { eventId: d.eventId } });
      expect(receipt.status, d.topic).not.toBe("failed");
    }
  });
});

describe("finding 3: bodies are bounded while they are read", () => {
  it("an unsigned body declaring 10 MB is answered 413 before it is sent", async () => {
    const eventId = randomUUID();
    const headers = { ...shopifyHeaders({ topic: "customers/update", shop: B.domain, body: "", signed: false, eventId }), "content-length": String(10 * 1024 * 1024) };
    // Only 64 kB of the declared 10 MB ever go out: the answer has to come without the body.
    const answer = await new Promise<Sent>((resolve, reject) => {
      const req = httpRequest(new URL("/webhooks/customers/update", stack.appUrl), { method: "POST", headers }, (res) => {
        res.resume();
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytesSent: 64 * 1024 });
        });
      });
      req.on("error", reject);
      req.write(Buffer.alloc(64 * 1024, "a"));
    });
    expect(answer.status).toBe(413);
    expect(await getDb().webhookReceipt.count({ where: { eventId } })).toBe(0);
  });

  it("an unsigned body without Content-Length is cut off at the limit, not read to its end", async () => {
    const eventId = randomUUID();
    const intended = 64 * 1024 * 1024;
    const answer = await post("/webhooks/customers/update", {
      headers: shopifyHeaders({ topic: "customers/update", shop: B.domain, body: "", signed: false, eventId }),
      stream: intended,
    });
    expect(answer.status).toBe(413);
    expect(answer.bytesSent).toBeLessThan(intended);
    expect(await getDb().webhookReceipt.count({ where: { eventId } })).toBe(0);
  });

  /** An orders/create body of shop A with `lines` line items, ids exact, as Shopify would sign it. */
  function orderBody(lines: number) {
    // Ids beyond 2^53 travel through JSON.parse as marked strings, and come back out as exact numbers.
    const order = JSON.parse(exampleBody("orders/create", A.domain).replace(/:(\d{16,})(?=[,}\]])/g, ':"exact:$1"'));
    order.line_items = Array.from({ length: lines }, () => order.line_items[0]);
    return JSON.stringify(order).replace(/"exact:(\d+)"/g, "$1");
  }

  it("a signed body over the limit is refused 413, with or without Content-Length: nothing recorded or queued", async () => {
    const body = orderBody(Math.ceil((MAX_WEBHOOK_BODY_BYTES * 1.5) / 1000));
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_WEBHOOK_BODY_BYTES);
    const refused: string[] = [];
    for (const chunked of [false, true]) {
      const eventId = randomUUID();
      refused.push(eventId);
      const headers = shopifyHeaders({ topic: "orders/create", shop: A.domain, body, eventId });
      const answer = await post("/webhooks/orders/create", chunked ? { headers: { ...headers, "transfer-encoding": "chunked" }, body } : { headers, body });
      expect(answer.status, chunked ? "chunked" : "with Content-Length").toBe(413);
      expect(await getDb().webhookReceipt.count({ where: { eventId } })).toBe(0);
    }
    // By the refused deliveries' own ids: other tests' jobs come and go (retention) meanwhile.
    expect((await jobsOf(A.domain)).filter((j) => refused.includes(j.data.eventId))).toEqual([]);
  });

  it("a genuine order of 500 line items (Shopify's cap) is well inside the limit and accepted", async () => {
    const body = orderBody(500);
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_WEBHOOK_BODY_BYTES / 2);
    const eventId = randomUUID();
    const answer = await post("/webhooks/orders/create", { body, headers: shopifyHeaders({ topic: "orders/create", shop: A.domain, body, eventId }) });
    expect(answer.status).toBe(200);
    expect(await getDb().webhookReceipt.findUniqueOrThrow({ where: { eventId } })).toMatchObject({ status: expect.not.stringMatching(/failed/) });
  });
});

describe("finding 7: GET on a webhook route", () => {
  it("answers 405 with Allow: POST on every route", async () => {
    for (const topic of Object.keys(WEBHOOK_TOPICS)) {
      const response = await fetch(new URL(`/webhooks/${topic}`, stack.appUrl));
      expect(response.status, topic).toBe(405);
      expect(response.headers.get("allow"), topic).toBe("POST");
    }
  });
});

describe("finding 5 (webhooks): jobs carry ids, not customer payloads", () => {
  it("after customer, order and redact deliveries no Redis key of the app holds the customer's email, phone, name or address", async () => {
    const shop = A.domain;
    const customer = customerOf(shop);
    const order = stack.sandbox.store(shop).createOrder(customer.id);
    const deliveries = [build().customersUpdate(shop, customer.id), build().ordersCreate(shop, order), build().customersRedact(shop, customer.id)];
    expect(await stack.sandbox.webhooks.sendMany(deliveries)).toEqual([200, 200, 200]);
    // The jobs exist (waiting, or done and kept by BullMQ): the scan below looks at them.
    await waitFor(async () => (await jobsOf(shop)).filter((j) => deliveries.some((d) => d.eventId === j.data.eventId)).length === 3, { timeoutMs: 15_000, what: "the jobs" });

    const personal = [customer.email!.address, customer.phone!.number, customer.address!.address1, customer.lastName].filter((v): v is string => !!v && v.length > 3);
    expect(personal.length).toBeGreaterThanOrEqual(3);
    const entries = await dumpRedis(getRedis(), prefix);
    expect(entries.some((e) => e.key.includes(":webhooks:"))).toBe(true);
    expect(mentioning(entries, personal)).toEqual([]);
  });
});
