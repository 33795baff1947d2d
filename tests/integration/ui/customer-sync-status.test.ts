/**
 * The customer page block's endpoint as the admin extension calls it: cross-origin, with a session token the
 * test signs as Shopify does (HS256 with the app's secret; iss/dest/aud/sub/exp/nbf/iat/jti/sid), against the
 * real database, Redis queues and the APSIS sandbox. The shop is the token's only: another store's rows never
 * show, a bad signature gets nothing, an uninvited store is refused in words, and Resync queues the customer's
 * sync (or says why not).
 */
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomerSyncStatus } from "../../../app/services/customer-sync-status.server";
import { toCustomerSyncView } from "../../../extensions/customer-sync-status/src/view-model";
import { connectDemo, DEMO, demoDefinitions, seededProfileLink, setUpShop, type Stack, startStack, type Store } from "../apsis/stack";

const A: Store = { domain: "block-store-a.myshopify.com", customers: 2, seed: 21, ianaTimezone: "Europe/Stockholm" };
const B: Store = { domain: "block-store-b.myshopify.com", customers: 2, seed: 22, ianaTimezone: "America/New_York" };
const REVOKED: Store = { domain: "block-store-revoked.myshopify.com", customers: 1, seed: 23, ianaTimezone: "UTC" };

const ANNA = "gid://shopify/Customer/1001";
const ONLY_IN_B = "gid://shopify/Customer/2002";
const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
const APP = "http://127.0.0.1:3000";

let stack: Stack;
let route: typeof import("../../../app/routes/api.customer-sync-status");
let newsletter: string;
let smsOffers: string;

/** A session token as Shopify signs it for the admin (and its UI extensions). */
function sessionToken(shop: string, secret = process.env.SHOPIFY_API_SECRET!) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: process.env.SHOPIFY_API_KEY,
    sub: "72001",
    exp: now + 60,
    nbf: now - 5,
    iat: now - 5,
    jti: randomUUID(),
    sid: randomUUID(),
  };
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode(claims)}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

/** Calls the route as Remix would; a Response the library throws (401, the preflight) is returned as the answer. */
async function call(handler: "loader" | "action", request: Request): Promise<Response> {
  try {
    return (await route[handler]({ request, params: {}, context: {} })) as Response;
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}

function getStatus(shop: string, customerId: string, { secret, query = "" }: { secret?: string; query?: string } = {}) {
  const url = `${APP}/api/customer-sync-status?customerId=${encodeURIComponent(customerId)}${query}`;
  return call("loader", new Request(url, { headers: { Authorization: `Bearer ${sessionToken(shop, secret)}`, Origin: EXTENSION_ORIGIN } }));
}

function postResync(shop: string, body: BodyInit, contentType = "application/json") {
  return call(
    "action",
    new Request(`${APP}/api/customer-sync-status`, {
      method: "POST",
      headers: { Authorization: `Bearer ${sessionToken(shop)}`, Origin: EXTENSION_ORIGIN, "Content-Type": contentType },
      body,
    }),
  );
}

async function realtimeJobs() {
  const jobs = await stack.app.queues.getQueue("realtime").getJobs(["delayed", "waiting"]);
  return jobs.map((job) => ({ name: job.name, data: job.data as unknown }));
}

beforeAll(async () => {
  stack = await startStack({ stores: [A, B, REVOKED], worker: false });
  const shopA = await setUpShop(stack, A);
  const shopB = await setUpShop(stack, B);
  await setUpShop(stack, REVOKED);
  await stack.app.shops.setInvitation({ shop: REVOKED.domain, invited: false, actor: "cs@example.com", via: "cli" });
  await connectDemo(stack, shopA);
  const names = await demoDefinitions(stack, shopA);
  newsletter = names.topic("Global", "Newsletter");
  smsOffers = names.topic("Global", "SMS offers");

  const db = stack.app.db.getDb();
  const link = (shopId: string, customerId: string, section: string, consent: object, lastSyncedAt: string) =>
    seededProfileLink({ shopId, customerId, section, consent, lastSyncedAt: new Date(lastSyncedAt) });
  await db.profileLink.createMany({
    data: [
      link(shopA.id, ANNA, DEMO.globalSection, { email: { address: "anna@example.com", topics: { [newsletter]: "opt-in" } }, sms: { address: "+46701234567", topics: { [smsOffers]: "opt-out" } } }, "2026-03-08T08:00:00.000Z"),
      // Store B has its own customer 1001 (ids are per store) and a customer store A does not have.
      link(shopB.id, ANNA, DEMO.swedenSection, { email: { address: "bert@b-store.example", topics: { "topic-of-b": "opt-in" } } }, "2026-02-01T10:00:00.000Z"),
      link(shopB.id, ONLY_IN_B, DEMO.globalSection, { email: { address: "carl@b-store.example", topics: { "topic-of-b": "opt-out" } } }, "2026-02-02T10:00:00.000Z"),
    ],
  });
  await db.customerSyncState.createMany({
    data: [
      {
        shopId: shopA.id,
        customerId: ANNA,
        outcome: "failed",
        section: DEMO.globalSection,
        detail: "APSIS One refused the consent write",
        lastError: "APSIS One answered 400 Bad Request: the topic is not for this channel",
        lastErrorAt: new Date("2026-03-09T12:30:00.000Z"),
        attemptedAt: new Date("2026-03-09T12:30:00.000Z"),
      },
      { shopId: shopB.id, customerId: ANNA, outcome: "failed", section: DEMO.swedenSection, detail: null, lastError: "store B's own error", lastErrorAt: new Date(), attemptedAt: new Date() },
      { shopId: shopB.id, customerId: ONLY_IN_B, outcome: "updated", section: DEMO.globalSection, detail: null, lastError: null, lastErrorAt: null, attemptedAt: new Date() },
    ],
  });
  route = await import("../../../app/routes/api.customer-sync-status");
});

afterAll(async () => {
  await stack?.close();
});

describe("GET /api/customer-sync-status", () => {
  it("shows the store's own sync state of the customer: Section and topics by name, times with the store's timezone", async () => {
    const response = await getStatus(A.domain, ANNA);
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const body = (await response.json()) as CustomerSyncStatus;
    expect(body).toEqual({
      customerId: ANNA,
      timeZone: "Europe/Stockholm",
      apsis: { connected: true, keyspaceChosen: true, realtimeEnabled: false },
      sections: [
        {
          section: DEMO.globalSection,
          sectionName: "Global",
          profileKey: "1001",
          lastSyncedAt: "2026-03-08T08:00:00.000Z",
          lastError: null,
          consent: [
            { channel: "email", address: "anna@example.com", topics: [{ topic: newsletter, name: "Newsletter", type: "opt-in" }] },
            { channel: "sms", address: "+46701234567", topics: [{ topic: smsOffers, name: "SMS offers", type: "opt-out" }] },
          ],
        },
      ],
      lastAttempt: {
        outcome: "failed",
        section: DEMO.globalSection,
        sectionName: "Global",
        detail: "APSIS One refused the consent write",
        lastError: "APSIS One answered 400 Bad Request: the topic is not for this channel",
        lastErrorAt: "2026-03-09T12:30:00.000Z",
        attemptedAt: "2026-03-09T12:30:00.000Z",
      },
    });
    // What the block makes of it: the store's local time (Stockholm, winter), the error, a Resync button.
    const view = toCustomerSyncView(body);
    expect(view.sections[0].lastSynced).toBe("Last synced 8 Mar 2026, 09:00 GMT+1");
    expect(view.lastError).toEqual({ message: "APSIS One answered 400 Bad Request: the topic is not for this channel", at: "9 Mar 2026, 13:30 GMT+1" });
    expect(view.canResync).toBe(true);
  });

  it("store A's token never sees store B's rows: not for B's customer, not for the same id, not by naming B in the URL", async () => {
    for (const [customerId, query] of [[ONLY_IN_B, ""], [ONLY_IN_B, `&shop=${B.domain}`], [ANNA, `&shop=${B.domain}`]] as const) {
      const response = await getStatus(A.domain, customerId, { query });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).not.toMatch(/bert@|carl@|topic-of-b|store B's own error/);
      const body = JSON.parse(text) as CustomerSyncStatus;
      expect(body.timeZone).toBe("Europe/Stockholm");
      if (customerId === ONLY_IN_B) expect(body).toMatchObject({ sections: [], lastAttempt: null });
      else expect(body.sections.map((s) => s.section)).toEqual([DEMO.globalSection]);
    }
  });

  it("a token with a bad signature: 401 and nothing else", async () => {
    const response = await getStatus(A.domain, ANNA, { secret: "not-the-app-secret" });
    expect(response.status).toBe(401);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await response.text()).toBe("");
  });

  it("a customer id that is not a customer GID: 400 with the reason", async () => {
    const response = await getStatus(A.domain, "gid://shopify/Order/1001");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "the customer id must be a Shopify customer GID, e.g. gid://shopify/Customer/123" });
  });

  it("an uninvited store: 403 with a message, no data", async () => {
    const response = await getStatus(REVOKED.domain, ANNA);
    expect(response.status).toBe(403);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await response.json()).toEqual({ error: `${REVOKED.domain} is not enabled yet: this app is invitation only. Contact your customer success manager.` });
  });

  it("answers the browser's CORS preflight", async () => {
    const response = await call(
      "action",
      new Request(`${APP}/api/customer-sync-status`, { method: "OPTIONS", headers: { Origin: EXTENSION_ORIGIN, "Access-Control-Request-Method": "POST" } }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Access-Control-Allow-Headers")).toContain("Authorization");
  });
});

describe("POST /api/customer-sync-status (Resync)", () => {
  it("queues the customer's sync once, however often it is pressed", async () => {
    expect(await realtimeJobs()).toEqual([]);
    const first = await postResync(A.domain, JSON.stringify({ customerId: ANNA }));
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ queued: true });
    const again = await postResync(A.domain, new URLSearchParams({ customerId: ANNA }), "application/x-www-form-urlencoded");
    expect(again.status).toBe(202);
    expect(await realtimeJobs()).toEqual([{ name: "apsis.sync-customer", data: { shop: A.domain, customerId: ANNA } }]);
  });

  it("says why when APSIS One is not connected, and queues nothing", async () => {
    const before = await realtimeJobs();
    const response = await postResync(B.domain, JSON.stringify({ customerId: ONLY_IN_B }));
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ queued: false, reason: "APSIS One is not connected" });
    expect(await realtimeJobs()).toEqual(before);
  });

  it("an uninvited store: 403 with a message, nothing queued", async () => {
    const before = await realtimeJobs();
    const response = await postResync(REVOKED.domain, JSON.stringify({ customerId: ANNA }));
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toMatch(/invitation only/);
    expect(await realtimeJobs()).toEqual(before);
  });

  it("a bad customer id: 400, nothing queued", async () => {
    const before = await realtimeJobs();
    const response = await postResync(A.domain, JSON.stringify({ customerId: "1001" }));
    expect(response.status).toBe(400);
    expect(await realtimeJobs()).toEqual(before);
  });
});
