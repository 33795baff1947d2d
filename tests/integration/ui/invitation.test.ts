/**
 * The invitation gate as the embedded pages meet it: real requests authenticated the way
 * @shopify/shopify-app-remix accepts them (a Bearer session token, HS256-signed with SHOPIFY_API_SECRET, and a
 * stored offline session), the real database, and Shopify's Admin GraphQL intercepted at the library's own
 * fetch seam (setAbstractFetchFunc).
 */
import { Session } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { getJwt } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "../../../app/db.server";
import { getShop, setInvitation } from "../../../app/models/shop.server";
import { loader as overviewLoader } from "../../../app/routes/app._index";
import { loader as activityLoader } from "../../../app/routes/app.activity";
import { loader as dataSyncLoader } from "../../../app/routes/app.data-sync";
import { loader as appLoader } from "../../../app/routes/app";
import { requireInvitedShop, requireInvitedShopDomain } from "../../../app/services/invitation.server";
import { sessionStorage } from "../../../app/shopify.server";

const APP = "http://127.0.0.1:3000";
const realFetch = globalThis.fetch;
let adminCalls: { url: string; token: string | null; query: string }[] = [];

// Shopify's Admin API for this test: only the shop-details query, answered like Shopify does.
setAbstractFetchFunc(async (input, init) => {
  const request = new Request(input as RequestInfo, init as RequestInit);
  const body = (await request.json()) as { query: string };
  adminCalls.push({ url: request.url, token: request.headers.get("X-Shopify-Access-Token"), query: body.query });
  const shop = new URL(request.url).hostname;
  if (shop.startsWith("flaky")) return new Response("upstream trouble", { status: 500 });
  if (shop.startsWith("uninstalled-token")) return new Response(JSON.stringify({ errors: "[API] Invalid API key or access token" }), { status: 401 });
  return new Response(
    JSON.stringify({
      data: { shop: { name: `Store ${shop.split(".")[0]}`, ianaTimezone: "America/New_York", currencyCode: "USD", myshopifyDomain: shop } },
      extensions: { cost: { requestedQueryCost: 1, actualQueryCost: 1, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1999, restoreRate: 100 } } },
    }),
    { status: 200, headers: { "Content-Type": "application/json" } },
  );
});
afterAll(() => setAbstractFetchFunc(realFetch));
beforeEach(() => {
  adminCalls = [];
});

/** What App Bridge gives the app after the merchant opened it: an offline session and a fresh session token. */
async function embeddedRequest(store: string, path: string, secret = "test-api-secret") {
  const shop = `${store}.myshopify.com`;
  await sessionStorage.storeSession(
    new Session({
      id: `offline_${shop}`,
      shop,
      state: "",
      isOnline: false,
      scope: "read_customers,read_orders",
      accessToken: `shpat_${store}`,
      expires: new Date(Date.now() + 3_600_000),
      refreshToken: `shprt_${store}`,
      refreshTokenExpires: new Date(Date.now() + 30 * 86_400_000),
    }),
  );
  const { token } = await getJwt(store, "test-api-key", secret);
  return new Request(`${APP}${path}`, { headers: { Authorization: `Bearer ${token}` } });
}

const args = (request: Request) => ({ request, params: {}, context: {} });

async function thrown(run: () => Promise<unknown>): Promise<Response> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
  throw new Error("expected a thrown Response");
}

describe("first sight of a shop", () => {
  it("the app layout records the install with the shop's name, IANA timezone and currency, not invited", async () => {
    const response = await appLoader(args(await embeddedRequest("first-visit", "/app")));
    expect(await response.json()).toEqual({
      apiKey: "test-api-key",
      appBridgeUrl: "https://cdn.shopify.com/shopifycloud/app-bridge.js",
      shop: "first-visit.myshopify.com",
      invited: false,
    });
    expect(await getShop({ shop: "first-visit.myshopify.com" })).toMatchObject({
      name: "Store first-visit",
      ianaTimezone: "America/New_York",
      currencyCode: "USD",
      invitation: "pending",
      uninstalledAt: null,
    });
    expect(adminCalls).toEqual([
      {
        url: expect.stringMatching(/^https:\/\/first-visit\.myshopify\.com\/admin\/api\/2026-07\/graphql\.json$/),
        token: "shpat_first-visit",
        query: expect.stringContaining("shop { name ianaTimezone currencyCode"),
      },
    ]);

    // Seen before: no second Admin API call.
    await appLoader(args(await embeddedRequest("first-visit", "/app")));
    expect(adminCalls).toHaveLength(1);
  });

  it("a shop invited before it installed gets its details on first visit and keeps its invitation", async () => {
    await setInvitation({ shop: "ahead.myshopify.com", invited: true, actor: "cs@example.com", via: "cli" });
    const { shopRecord, invited } = await requireInvitedShop(await embeddedRequest("ahead", "/app/data-sync"));
    expect(invited).toBe(true);
    expect(shopRecord).toMatchObject({ name: "Store ahead", invitation: "invited", invitedBy: "cs@example.com" });
  });

  it("a failing Admin API does not lock the merchant out: the shop is recorded without details, asked again next time", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const response = await appLoader(args(await embeddedRequest("flaky", "/app")));
    expect(await response.json()).toMatchObject({ shop: "flaky.myshopify.com", invited: false });
    expect(await getShop({ shop: "flaky.myshopify.com" })).toMatchObject({ name: null, ianaTimezone: "UTC", invitation: "pending" });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("flaky.myshopify.com"), expect.anything());

    await appLoader(args(await embeddedRequest("flaky", "/app")));
    expect(adminCalls.filter((c) => c.url.includes("flaky"))).toHaveLength(2);
  });
});

describe("requireInvitedShop", () => {
  it("passes Shopify's 401 for a dead access token through (the library then re-exchanges), instead of swallowing it", async () => {
    const refused = await thrown(async () => appLoader(args(await embeddedRequest("uninstalled-token", "/app"))));
    expect(refused.status).toBe(401);
    expect(await getShop({ shop: "uninstalled-token.myshopify.com" })).toBeNull();
  });

  it("refuses a pending shop with 403 carrying the shop domain to quote, on every sync page", async () => {
    const response = await thrown(async () => requireInvitedShop(await embeddedRequest("pending-one", "/app/data-sync")));
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ reason: "invitation_required", shop: "pending-one.myshopify.com", state: "pending" });

    for (const loader of [dataSyncLoader, activityLoader]) {
      const refused = await thrown(async () => loader(args(await embeddedRequest("pending-one", "/app/x"))));
      expect(refused.status).toBe(403);
      expect((await refused.json()).shop).toBe("pending-one.myshopify.com");
    }
  });

  it("lets an invited shop through, and refuses it again once revoked", async () => {
    await setInvitation({ shop: "gated.myshopify.com", invited: true, actor: "cs@example.com", via: "console" });
    const access = await requireInvitedShop(await embeddedRequest("gated", "/app/data-sync"));
    expect(access.shop).toBe("gated.myshopify.com");
    expect(access.session.shop).toBe("gated.myshopify.com");

    await setInvitation({ shop: "gated.myshopify.com", invited: false, actor: "cs@example.com", via: "console" });
    const refused = await thrown(async () => requireInvitedShop(await embeddedRequest("gated", "/app/data-sync")));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ shop: "gated.myshopify.com", state: "revoked" });
    await expect(requireInvitedShopDomain({ shop: "gated.myshopify.com" })).rejects.toMatchObject({ status: 403 });
  });

  it("never reaches the gate with a session token signed by someone else", async () => {
    await setInvitation({ shop: "forged.myshopify.com", invited: true, actor: "cs@example.com", via: "cli" });
    const refused = await thrown(async () => requireInvitedShop(await embeddedRequest("forged", "/app/data-sync", "not-the-secret")));
    expect(refused.status).toBe(401);
  });
});

describe("pages of an invited shop", () => {
  it("the Overview shows the connections and the latest 5 runs with times in the shop's timezone; Activity lists them all", async () => {
    await setInvitation({ shop: "busy.myshopify.com", invited: true, actor: "cs@example.com", via: "cli" });
    await requireInvitedShop(await embeddedRequest("busy", "/app")); // first sight: America/New_York
    const shop = await getShop({ shop: "busy.myshopify.com" });
    for (let i = 0; i < 7; i++) {
      await getDb().syncRun.create({
        data: {
          shopId: shop!.id,
          destination: i % 2 ? "apsis" : "adestra",
          kind: "send",
          trigger: "on_demand",
          status: "succeeded",
          seen: 10 + i,
          created: 3,
          updated: 2,
          queuedAt: new Date(Date.UTC(2026, 2, 8, 6, 50 + i)),
          startedAt: new Date(Date.UTC(2026, 2, 8, 6, 55 + i)), // 01:55 EST … 03:01 EDT (DST starts at 07:00Z)
          finishedAt: new Date(Date.UTC(2026, 2, 8, 7, 30)),
        },
      });
    }

    const overview = await (await overviewLoader(args(await embeddedRequest("busy", "/app")))).json();
    expect(overview).toMatchObject({
      shop: "busy.myshopify.com",
      name: "Store busy",
      invitation: "invited",
      timeZone: "America/New_York",
      connections: { adestra: null, apsis: null },
    });
    expect(overview.runs).toHaveLength(5);
    expect(overview.runs?.[0]).toMatchObject({ seen: 16, startedAt: "8 Mar 2026, 03:01 EDT", finishedAt: "8 Mar 2026, 03:30 EDT" });
    expect(overview.runs?.[4]).toMatchObject({ seen: 12, startedAt: "8 Mar 2026, 01:57 EST" });

    const activity = await (await activityLoader(args(await embeddedRequest("busy", "/app/activity")))).json();
    expect(activity.runs).toHaveLength(7);
  });

  it("the Overview of a pending shop shows the invitation message data but no sync features", async () => {
    const overview = await (await overviewLoader(args(await embeddedRequest("waiting", "/app")))).json();
    expect(overview).toMatchObject({ shop: "waiting.myshopify.com", invitation: "pending", connections: null, runs: null });
  });
});
