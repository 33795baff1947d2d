/**
 * Real-time sync health on the Activity page: getRealtimeHealth over WebhookReceipts in this file's database
 * (SQLite or PostgreSQL), with a fixed `now`, and the Activity loader as App Bridge calls it (a Bearer session
 * token over a stored offline session; the shop is already recorded, so Shopify is never asked).
 */
import { Session } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { getJwt } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../../app/db.server";
import { setInvitation } from "../../../app/models/shop.server";
import { loader as activityLoader } from "../../../app/routes/app.activity";
import { getRealtimeHealth } from "../../../app/destinations/apsis/realtime-health.server";
import { sessionStorage } from "../../../app/shopify.server";

const A = "health-a.myshopify.com";
const B = "health-b.myshopify.com";
const UNCONNECTED = "health-none.myshopify.com";
const NOW = new Date("2026-12-10T12:00:00Z");
const FROM = Date.parse("2026-12-09T12:00:00Z");
const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);

let seq = 0;
type Seed = { shop: string; topic?: string; status: string; receivedAt: Date; processedAt?: Date | null; detail?: string; customer?: number };
function receipt({ shop, topic = "customers/update", status, receivedAt, processedAt = null, detail, customer = 1 }: Seed) {
  seq++;
  return {
    eventId: `evt-${seq}`,
    webhookId: `wh-${seq}`,
    shopDomain: shop,
    topic,
    apiVersion: "2026-07",
    receivedAt,
    status,
    processedAt,
    detail: detail ?? (status === "processed" ? "updated in Section Newsletter" : null),
    customerId: `gid://shopify/Customer/${customer}`,
  };
}

/** Shop A: every case the page distinguishes. Buckets run hourly from 2026-12-09T12:00Z; bucket 23 ends at NOW. */
const shopA = [
  // Bucket 0: three synced and one failed, each written seconds after it arrived.
  ...[10, 11, 12].map((minute) =>
    receipt({ shop: A, status: "processed", receivedAt: at(`2026-12-09T12:${minute}:00Z`), processedAt: at(`2026-12-09T12:${minute}:05Z`) })),
  receipt({ shop: A, topic: "customers/create", status: "failed", receivedAt: at("2026-12-09T12:20:00Z"), processedAt: at("2026-12-09T12:20:30Z"), detail: "oldest failure", customer: 99 }),
  // Arrived six hours before the window, written in bucket 1: counted where it was written.
  receipt({ shop: A, status: "processed", receivedAt: at("2026-12-09T06:00:00Z"), processedAt: at("2026-12-09T13:15:00Z") }),
  // Arrived and written before the window: not counted.
  receipt({ shop: A, status: "processed", receivedAt: at("2026-12-09T10:00:00Z"), processedAt: at("2026-12-09T11:59:00Z") }),
  // Bucket 8: 21 failures, one a minute from 20:00Z.
  ...Array.from({ length: 21 }, (_, k) =>
    receipt({
      shop: A,
      topic: "customers_email_marketing_consent/update",
      status: "failed",
      receivedAt: plus(at("2026-12-09T20:00:00Z"), k * 60_000),
      processedAt: plus(at("2026-12-09T20:00:10Z"), k * 60_000),
      detail: `APSIS answered 400: invalid email address #${k}`,
      customer: 100 + k,
    })),
  // Arrived at the end of bucket 14, written at the start of bucket 15.
  receipt({ shop: A, status: "processed", receivedAt: at("2026-12-10T02:59:58Z"), processedAt: at("2026-12-10T03:00:03Z") }),
  // A backlog: arrived in bucket 17, written in bucket 21.
  receipt({ shop: A, topic: "orders/create", status: "processed", receivedAt: at("2026-12-10T05:10:00Z"), processedAt: at("2026-12-10T09:30:00Z") }),
  // Bucket 23, synced in the last 15 minutes (from 11:45Z) with delays of 2 s, 4 s, 7 s, 6 min and 50 min 1 s.
  receipt({ shop: A, status: "processed", receivedAt: at("2026-12-10T11:50:00Z"), processedAt: at("2026-12-10T11:50:02Z") }),
  receipt({ shop: A, status: "processed", receivedAt: at("2026-12-10T11:51:00Z"), processedAt: at("2026-12-10T11:51:04Z") }),
  receipt({ shop: A, topic: "customers/delete", status: "processed", receivedAt: at("2026-12-10T11:55:00Z"), processedAt: at("2026-12-10T11:55:07Z"), detail: "profile deleted" }),
  receipt({ shop: A, status: "processed", receivedAt: at("2026-12-10T11:40:00Z"), processedAt: at("2026-12-10T11:46:00Z") }),
  receipt({ shop: A, status: "processed", receivedAt: at("2026-12-10T10:59:59Z"), processedAt: at("2026-12-10T11:50:00Z") }),
  // Written in the last 15 minutes but failed: counted as failed, and not a delay to APSIS.
  receipt({ shop: A, status: "failed", receivedAt: at("2026-12-10T11:56:00Z"), processedAt: at("2026-12-10T11:56:30Z"), detail: "newest failure", customer: 7 }),
  // Written after NOW: not yet part of the picture.
  receipt({ shop: A, status: "processed", receivedAt: at("2026-12-10T11:59:59Z"), processedAt: at("2026-12-10T12:00:05Z") }),
  // Waiting for their customer's sync: the oldest has waited 12 s.
  receipt({ shop: A, status: "syncing", receivedAt: at("2026-12-10T11:59:48Z"), customer: 8 }),
  receipt({ shop: A, topic: "customers_marketing_consent/update", status: "syncing", receivedAt: at("2026-12-10T11:59:55Z"), customer: 9 }),
  // Neither synced nor waiting for a sync: not counted anywhere.
  receipt({ shop: A, status: "queued", receivedAt: at("2026-12-10T11:00:00Z") }),
  receipt({ shop: A, status: "ignored", receivedAt: at("2026-12-10T01:00:00Z"), processedAt: at("2026-12-10T01:00:01Z"), detail: "real-time sync is off" }),
  // Topics that are not real-time sync: not counted, even when failed or newest.
  receipt({ shop: A, topic: "customers/redact", status: "processed", receivedAt: at("2026-12-09T15:00:00Z"), processedAt: at("2026-12-09T15:00:01Z") }),
  receipt({ shop: A, topic: "bulk_operations/finish", status: "failed", receivedAt: at("2026-12-10T11:58:00Z"), processedAt: at("2026-12-10T11:58:01Z"), detail: "not a real-time failure" }),
];

/** Shop B: the same hours, different numbers, a much older backlog and newer failures. */
const shopB = [
  ...Array.from({ length: 5 }, (_, k) =>
    receipt({ shop: B, status: "processed", receivedAt: at(`2026-12-09T12:3${k}:00Z`), processedAt: at(`2026-12-09T12:3${k}:01Z`), customer: 500 + k })),
  receipt({ shop: B, status: "processed", receivedAt: at("2026-12-10T11:30:00Z"), processedAt: at("2026-12-10T11:58:00Z"), customer: 510 }),
  receipt({ shop: B, status: "failed", receivedAt: at("2026-12-10T11:59:00Z"), processedAt: at("2026-12-10T11:59:01Z"), detail: "B's failure", customer: 511 }),
  receipt({ shop: B, status: "syncing", receivedAt: at("2026-12-10T06:00:00Z"), customer: 512 }),
];

async function connectApsis(shop: string, realtimeEnabled: boolean) {
  const row = await getDb().shop.create({ data: { domain: shop, name: shop.split(".")[0], ianaTimezone: "Europe/Stockholm" } });
  await getDb().apsisConnection.create({
    data: { shopId: row.id, region: "eu", clientId: `client-${shop}`, clientSecretEncrypted: "not-used", keyspaceDiscriminator: "ks", realtimeEnabled, verifiedAt: NOW },
  });
}

beforeAll(async () => {
  await getDb().webhookReceipt.createMany({ data: [...shopA, ...shopB] });
  await connectApsis(A, true);
  await connectApsis(B, false);
});

const bucketsWith = (counts: Record<number, { synced?: number; failed?: number }>) =>
  Array.from({ length: 24 }, (_, i) => ({
    start: new Date(FROM + i * HOUR).toISOString(),
    synced: counts[i]?.synced ?? 0,
    failed: counts[i]?.failed ?? 0,
  }));

describe("real-time sync health", () => {
  it("counts a shop's synced and failed deliveries per hour of their write, over exactly the 24 hours before now", async () => {
    const health = await getRealtimeHealth({ shop: A, now: NOW });
    expect(health.buckets).toEqual(
      bucketsWith({
        0: { synced: 3, failed: 1 },
        1: { synced: 1 },
        8: { failed: 21 },
        15: { synced: 1 },
        21: { synced: 1 },
        23: { synced: 5, failed: 1 },
      }),
    );
  });

  it("measures the lag by the oldest delivery still waiting, and the recent delay as the median of the last 15 minutes' syncs", async () => {
    const health = await getRealtimeHealth({ shop: A, now: NOW });
    expect(health).toMatchObject({ currentLagMs: 12_000, pending: 2, recentDelayMs: 7_000, realtimeEnabled: true });
  });

  it("lists the latest 20 real-time failures, newest first, with topic, customer and reason", async () => {
    const { latestFailures } = await getRealtimeHealth({ shop: A, now: NOW });
    expect(latestFailures).toHaveLength(20);
    expect(latestFailures[0]).toMatchObject({
      topic: "customers/update",
      customerId: "gid://shopify/Customer/7",
      receivedAt: at("2026-12-10T11:56:00Z"),
      detail: "newest failure",
    });
    expect(latestFailures[1]).toMatchObject({
      topic: "customers_email_marketing_consent/update",
      customerId: "gid://shopify/Customer/120",
      receivedAt: at("2026-12-09T20:20:00Z"),
      detail: "APSIS answered 400: invalid email address #20",
    });
    expect(latestFailures[19].detail).toBe("APSIS answered 400: invalid email address #2");
  });

  it("never mixes in another shop's deliveries", async () => {
    const health = await getRealtimeHealth({ shop: B, now: NOW });
    expect(health.buckets).toEqual(bucketsWith({ 0: { synced: 5 }, 23: { synced: 1, failed: 1 } }));
    expect(health).toMatchObject({ currentLagMs: 6 * HOUR, pending: 1, recentDelayMs: 28 * 60_000, realtimeEnabled: false });
    expect(health.latestFailures.map((f) => f.detail)).toEqual(["B's failure"]);
  });

  it("is empty and says so for a shop without APSIS One", async () => {
    const health = await getRealtimeHealth({ shop: UNCONNECTED, now: NOW });
    expect(health).toEqual({ buckets: bucketsWith({}), currentLagMs: 0, recentDelayMs: null, pending: 0, latestFailures: [], latestMerges: [], realtimeEnabled: null, outage: null, reconciliation: null });
  });
});

describe("the Activity page", () => {
  const realFetch = globalThis.fetch;
  beforeAll(() => {
    // The shop is recorded with its name and timezone, so the page has no reason to call Shopify.
    setAbstractFetchFunc(async (input) => {
      throw new Error(`unexpected call to Shopify: ${String(input)}`);
    });
  });
  afterAll(() => setAbstractFetchFunc(realFetch));

  it("shows the card above the runs: the lag in words and the failures in the store's timezone", async () => {
    const shop = "health-page.myshopify.com";
    await setInvitation({ shop, invited: true, actor: "cs@example.com", via: "cli" });
    const row = await getDb().shop.update({ where: { domain: shop }, data: { name: "Health page", ianaTimezone: "America/New_York" } });
    await getDb().apsisConnection.create({
      data: {
        shopId: row.id,
        region: "eu",
        clientId: "client-page",
        clientSecretEncrypted: "not-used",
        realtimeEnabled: true,
        verifiedAt: new Date(),
        // The last reconciliation pass (app/destinations/apsis/reconcile.server.ts).
        lastReconcileAt: at("2025-01-15T15:10:00Z"),
        lastReconcileExamined: 120,
        lastReconcileCaught: 3,
      },
    });
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    await getDb().webhookReceipt.createMany({
      data: [
        receipt({ shop, status: "failed", receivedAt: at("2025-01-15T15:04:00Z"), processedAt: at("2025-01-15T15:04:01Z"), detail: "APSIS answered 400", customer: 42 }),
        receipt({ shop, status: "syncing", receivedAt: tenMinutesAgo, customer: 43 }),
        receipt({ shop, status: "processed", receivedAt: tenMinutesAgo, processedAt: plus(tenMinutesAgo, 3_000), customer: 44 }),
      ],
    });
    await sessionStorage.storeSession(
      new Session({ id: `offline_${shop}`, shop, state: "", isOnline: false, scope: "read_customers,read_orders", accessToken: "shpat_health" }),
    );
    const { token } = await getJwt(shop.split(".")[0], "test-api-key", "test-api-secret");
    const request = new Request(`http://127.0.0.1:3000/app/activity`, { headers: { Authorization: `Bearer ${token}` } });

    const page = await (await activityLoader({ request, params: {}, context: {} })).json();
    expect(page.runs).toEqual([]);
    expect(page.realtime).toMatchObject({
      realtimeEnabled: true,
      summary: "1 synced, 0 failed in the last 24 hours",
      behind: true,
      recentDelay: "3 s",
      latestFailures: [{ at: "15 Jan 2025, 10:04 EST", topic: "customers/update", customer: "42", reason: "APSIS answered 400" }],
      timeZone: "America/New_York",
    });
    expect(page.realtime.lag).toMatch(/^10 min( \d+ s)? behind \(1 change waiting\)$/);
    expect(page.realtime.bars).toHaveLength(24);
    expect(page.realtime.reconciliation).toEqual({
      text: "Last checked 15 Jan 2025, 10:10 EST: 120 changed customers checked; 3 changes no webhook delivered were synced.",
      caught: 3,
    });
  });
});
