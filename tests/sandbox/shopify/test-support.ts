/**
 * Helpers for tests that talk to the sandbox over real HTTP: a sandbox on a free port, a token-exchanged
 * access token, a GraphQL call, and a stand-in app that records the webhooks it receives.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { type ShopifySandbox, type ShopifySandboxOptions, startShopifySandbox } from "../../../sandbox/shopify/server";
import { mintSessionToken } from "../../../sandbox/shopify/tokens";

export const TEST_APP = { apiKey: "test-api-key", apiSecret: "test-api-secret" };
export const TEST_SHOP = "test-shop.myshopify.com";

export function startTestSandbox(overrides: Partial<ShopifySandboxOptions> & { appUrl?: string; customers?: number } = {}) {
  const { appUrl = "http://127.0.0.1:9", customers = 30, ...options } = overrides;
  return startShopifySandbox({
    app: { ...TEST_APP, url: appUrl },
    stores: [{ domain: TEST_SHOP, name: "Test Shop", ianaTimezone: "Europe/Stockholm", currencyCode: "SEK", customers, seed: 7 }],
    ...options,
  });
}

export type TokenResponse = { access_token: string; scope: string; expires_in?: number; refresh_token?: string; refresh_token_expires_in?: number };

export async function postToken(sandbox: ShopifySandbox, body: Record<string, unknown>, shop = TEST_SHOP) {
  const response = await fetch(`${sandbox.url}/store/${shop}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ client_id: TEST_APP.apiKey, client_secret: TEST_APP.apiSecret, ...body }),
  });
  return { status: response.status, body: (await response.json()) as TokenResponse & { error?: string; error_description?: string } };
}

export async function exchangeToken(sandbox: ShopifySandbox, shop = TEST_SHOP): Promise<TokenResponse> {
  const { status, body } = await postToken(
    sandbox,
    {
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: mintSessionToken({ shop, apiKey: TEST_APP.apiKey, apiSecret: TEST_APP.apiSecret }),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      expiring: "1",
    },
    shop,
  );
  if (status !== 200) throw new Error(`token exchange failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

// Test code reads arbitrary response shapes; `any` keeps the assertions readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GraphqlBody = { data?: any; errors?: any; extensions?: any };

export async function graphql(sandbox: ShopifySandbox, accessToken: string, query: string, variables: Record<string, unknown> = {}, shop = TEST_SHOP) {
  const response = await fetch(`${sandbox.url}/store/${shop}/admin/api/2026-07/graphql.json`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-shopify-access-token": accessToken },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlBody };
}

export type ReceivedWebhook = { path: string; headers: IncomingHttpHeaders; body: string };

/** An HTTP server standing in for the app's webhook routes; answers `status(request)` (default 200). */
export async function startWebhookReceiver(status: (request: ReceivedWebhook) => number = () => 200) {
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const webhook = { path: request.url ?? "", headers: request.headers, body };
      received.push(webhook);
      response.writeHead(status(webhook)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls until `check` returns a value (no wall-clock assertion: the test's own timeout is the limit). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, intervalMs = 25): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
