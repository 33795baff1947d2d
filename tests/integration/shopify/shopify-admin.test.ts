/**
 * The token-refresh lock against real Redis and the real library, with Shopify's HTTP answered by a
 * stand-in that behaves like Shopify on the points that matter: a refresh token works once (rotation), and
 * an access token that was refreshed away is refused with 401.
 */
import { Session } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ShopifySessionNotFoundError, ShopifyTokenRefreshError } from "../../../app/shopify/errors";
import { readShop } from "../../../app/shopify/shop";
import { getShopifyAdmin } from "../../../app/shopify/admin.server";
import { sessionStorage } from "../../../app/shopify.server";

const SHOP = "lock-test.myshopify.com";
const HOUR = 3600;

let shopify: { accessToken: string; refreshToken: string; refreshes: number; failRefresh: boolean };

function reply(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

async function fakeShopify(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  const headers = new Headers(init?.headers);
  if (url.pathname === "/admin/oauth/access_token") {
    const body = JSON.parse(String(init?.body));
    // Slow enough that concurrent callers overlap.
    await new Promise((resolve) => setTimeout(resolve, 150));
    if (shopify.failRefresh) return reply({ errors: "internal" }, 500);
    if (body.grant_type !== "refresh_token" || body.refresh_token !== shopify.refreshToken) return reply({ error: "invalid_grant" }, 400);
    shopify.refreshes += 1;
    shopify.accessToken = `shpat_${shopify.refreshes}`;
    shopify.refreshToken = `shprt_${shopify.refreshes}`;
    return reply({
      access_token: shopify.accessToken,
      scope: "read_customers,read_orders",
      expires_in: HOUR,
      refresh_token: shopify.refreshToken,
      refresh_token_expires_in: 90 * 24 * HOUR,
    });
  }
  if (url.pathname.endsWith("/graphql.json")) {
    if (headers.get("X-Shopify-Access-Token") !== shopify.accessToken) return reply({ errors: "[API] Invalid API key or access token" }, 401);
    return reply({
      data: { shop: { name: "Lock Test", ianaTimezone: "Europe/Stockholm", currencyCode: "SEK", myshopifyDomain: SHOP } },
    });
  }
  return reply({ errors: "Not Found" }, 404);
}

async function storeOfflineSession({ expiresInMs }: { expiresInMs: number }) {
  await sessionStorage.storeSession(
    new Session({
      id: `offline_${SHOP}`,
      shop: SHOP,
      state: "",
      isOnline: false,
      scope: "read_customers,read_orders",
      accessToken: shopify.accessToken,
      expires: new Date(Date.now() + expiresInMs),
      refreshToken: shopify.refreshToken,
      refreshTokenExpires: new Date(Date.now() + 90 * 24 * HOUR * 1000),
    }),
  );
}

beforeEach(async () => {
  shopify = { accessToken: "shpat_0", refreshToken: "shprt_0", refreshes: 0, failRefresh: false };
  setAbstractFetchFunc(fakeShopify);
  await sessionStorage.deleteSession(`offline_${SHOP}`);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("getShopifyAdmin", () => {
  it("8 workers at once near expiry: exactly one refresh, and every one works with the new token", async () => {
    await storeOfflineSession({ expiresInMs: 60_000 });

    const admins = await Promise.all(Array.from({ length: 8 }, () => getShopifyAdmin({ shop: SHOP })));

    expect(shopify.refreshes).toBe(1);
    const shops = await Promise.all(admins.map(({ graphql }) => readShop({ graphql })));
    expect(shops.map((s) => s.ianaTimezone)).toEqual(Array(8).fill("Europe/Stockholm"));
    expect((await sessionStorage.loadSession(`offline_${SHOP}`))?.accessToken).toBe("shpat_1");
  });

  it("a token far from expiry is used as it is", async () => {
    await storeOfflineSession({ expiresInMs: 30 * 60_000 });
    const { graphql } = await getShopifyAdmin({ shop: SHOP });
    await readShop({ graphql });
    expect(shopify.refreshes).toBe(0);
  });

  it("a long job reopens the admin (once) when its token nears expiry", async () => {
    await storeOfflineSession({ expiresInMs: 30 * 60_000 });
    const { graphql } = await getShopifyAdmin({ shop: SHOP });
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 27 * 60_000 });

    await Promise.all([readShop({ graphql }), readShop({ graphql }), readShop({ graphql })]);
    expect(shopify.refreshes).toBe(1);
  });

  it("a shop without an offline session gets a typed error", async () => {
    await expect(getShopifyAdmin({ shop: "never-installed.myshopify.com" })).rejects.toThrow(ShopifySessionNotFoundError);
    await expect(getShopifyAdmin({ shop: "never-installed.myshopify.com" })).rejects.toThrow(/reinstall\/open the app/);
  });

  it("a failed refresh is a typed error and frees the lock for the next attempt", async () => {
    await storeOfflineSession({ expiresInMs: 60_000 });
    shopify.failRefresh = true;
    await expect(getShopifyAdmin({ shop: SHOP })).rejects.toThrow(ShopifyTokenRefreshError);

    shopify.failRefresh = false;
    await getShopifyAdmin({ shop: SHOP });
    expect(shopify.refreshes).toBe(1);
  });
});
