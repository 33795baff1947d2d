import { HttpResponseError, RequestedTokenType } from "@shopify/shopify-api";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxTransport } from "../../../app/shopify/transport.server";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { testShopifyApi } from "./library";
import { exchangeToken, graphql, postToken, startTestSandbox, TEST_APP, TEST_SHOP } from "./test-support";
import { mintSessionToken, signJwt } from "../../../sandbox/shopify/tokens";

let sandbox: ShopifySandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
  // The app's own transport: the library's unchanged code, talking to the sandbox.
  setAbstractFetchFunc(sandboxTransport(sandbox.url, globalThis.fetch));
});
afterAll(() => sandbox.close());

const library = () => testShopifyApi({ scopes: ["read_customers"] });

const exchange = (subjectToken: string, extra: Record<string, unknown> = {}) =>
  postToken(sandbox, {
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token: subjectToken,
    subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
    requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
    expiring: "1",
    ...extra,
  });

const claims = (overrides: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: `https://${TEST_SHOP}/admin`,
    dest: `https://${TEST_SHOP}`,
    aud: TEST_APP.apiKey,
    sub: "1",
    exp: now + 60,
    nbf: now,
    iat: now,
    jti: "j",
    sid: "s",
    ...overrides,
  };
};

describe("token exchange", () => {
  it("gives @shopify/shopify-api an expiring offline session that works for GraphQL", async () => {
    const api = library();
    const sessionToken = mintSessionToken({ shop: TEST_SHOP, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret });
    const { session } = await api.auth.tokenExchange({
      shop: TEST_SHOP,
      sessionToken,
      requestedTokenType: RequestedTokenType.OfflineAccessToken,
      expiring: true,
    });
    expect(session.id).toBe(`offline_${TEST_SHOP}`);
    expect(session.accessToken).toMatch(/^shpat_/);
    expect(session.refreshToken).toMatch(/^shprt_/);
    expect(session.expires!.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(session.refreshTokenExpires!.getTime()).toBeGreaterThan(Date.now() + 89 * 24 * 3600_000);

    const client = new api.clients.Graphql({ session });
    const response = await client.request("{ shop { myshopifyDomain } }");
    expect(response.data).toEqual({ shop: { myshopifyDomain: TEST_SHOP } });
  });

  it("issues a non-expiring offline token without the expiring flag, and online tokens with a user", async () => {
    const token = () => mintSessionToken({ shop: TEST_SHOP, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret });
    const offline = await exchange(token(), { expiring: "0" });
    expect(offline.status).toBe(200);
    expect(Object.keys(offline.body).sort()).toEqual(["access_token", "scope"]);
    const online = await exchange(token(), { requested_token_type: "urn:shopify:params:oauth:token-type:online-access-token" });
    expect(online.body).toMatchObject({ access_token: expect.stringMatching(/^shpua_/), expires_in: 86399, associated_user: { id: 70000000001 } });
  });

  it("refuses a session token with a bad signature, audience, destination or lifetime", async () => {
    const refused = async (token: string) => {
      const { status, body } = await exchange(token);
      expect(status).toBe(400);
      expect(body.error).toBe("invalid_subject_token");
      return body.error_description;
    };
    expect(await refused(signJwt(claims(), "not-the-secret"))).toMatch(/signature/);
    expect(await refused(signJwt(claims({ aud: "other-app" }), TEST_APP.apiSecret))).toMatch(/aud/);
    expect(await refused(signJwt(claims({ dest: "https://other.myshopify.com" }), TEST_APP.apiSecret))).toMatch(/dest/);
    expect(await refused(signJwt(claims({ exp: Math.floor(Date.now() / 1000) - 60 }), TEST_APP.apiSecret))).toMatch(/expired/);
    expect(await refused("not-a-jwt")).toMatch(/JWT/);
    expect((await exchange("")).body.error).toBe("missing_subject_token");
  });

  it("refuses wrong client credentials and unknown grants", async () => {
    const token = mintSessionToken({ shop: TEST_SHOP, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret });
    expect(await exchange(token, { client_secret: "wrong" })).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    expect(await postToken(sandbox, { grant_type: "authorization_code", code: "x" })).toMatchObject({ status: 400, body: { error: "unsupported_grant_type" } });
    expect((await postToken(sandbox, { grant_type: "refresh_token" }, "unknown.myshopify.com")).status).toBe(404);
  });
});

describe("refresh", () => {
  it("rotates the refresh token: the library refreshes once, a second use is invalid_grant", async () => {
    const api = library();
    const first = await exchangeToken(sandbox);
    const { session } = await api.auth.refreshToken({ shop: TEST_SHOP, refreshToken: first.refresh_token! });
    expect(session.accessToken).not.toBe(first.access_token);
    expect(session.refreshToken).not.toBe(first.refresh_token);

    const reuse = await api.auth.refreshToken({ shop: TEST_SHOP, refreshToken: first.refresh_token! }).catch((error: unknown) => error);
    expect(reuse).toBeInstanceOf(HttpResponseError);
    expect((reuse as HttpResponseError).response).toMatchObject({ code: 400, body: { error: "invalid_grant" } });
  });

  it("lets exactly one of several concurrent refreshes with the same token win, and counts them all", async () => {
    const { refresh_token } = await exchangeToken(sandbox);
    const before = sandbox.stats(TEST_SHOP).refreshes;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => postToken(sandbox, { grant_type: "refresh_token", refresh_token })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400]);
    expect(sandbox.stats(TEST_SHOP).refreshes - before).toBe(5);
  });

  it("expires access tokens on demand; the refreshed one works", async () => {
    const tokens = await exchangeToken(sandbox);
    sandbox.expireAccessTokens(TEST_SHOP);
    const expired = await graphql(sandbox, tokens.access_token, "{ shop { name } }");
    expect(expired).toEqual({ status: 401, body: { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" } });
    const refreshed = await postToken(sandbox, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
    expect((await graphql(sandbox, refreshed.body.access_token, "{ shop { name } }")).body.data).toEqual({ shop: { name: "Test Shop" } });
  });
});
