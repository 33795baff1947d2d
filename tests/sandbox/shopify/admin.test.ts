import "@shopify/shopify-api/adapters/node";
import { ApiVersion, LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { startTestSandbox, TEST_APP, TEST_SHOP } from "./test-support";

const APP_URL = "http://127.0.0.1:3999";
const api = shopifyApi({
  apiKey: TEST_APP.apiKey,
  apiSecretKey: TEST_APP.apiSecret,
  hostName: "127.0.0.1:3999",
  apiVersion: ApiVersion.July26,
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error },
});

let sandbox: ShopifySandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ appUrl: APP_URL });
});
afterAll(() => sandbox.close());

describe("the admin stand-in", () => {
  it("opens the app the way the admin's iframe does, with a session token the library accepts", async () => {
    const response = await fetch(sandbox.adminUrl(TEST_SHOP), { redirect: "manual" });
    expect(response.status).toBe(302);
    const target = new URL(response.headers.get("location")!);
    expect(`${target.origin}${target.pathname}`).toBe(`${APP_URL}/app`);
    expect(Object.fromEntries(target.searchParams)).toMatchObject({ embedded: "1", shop: TEST_SHOP, locale: "en" });
    expect(api.utils.sanitizeHost(target.searchParams.get("host")!)).toBeTruthy();
    expect(Buffer.from(target.searchParams.get("host")!, "base64").toString()).toBe("admin.shopify.com/store/test-shop");
    const payload = await api.session.decodeSessionToken(target.searchParams.get("id_token")!);
    expect(payload).toMatchObject({ dest: `https://${TEST_SHOP}`, iss: `https://${TEST_SHOP}/admin`, aud: TEST_APP.apiKey });
  });

  it("mints session tokens for the App Bridge stand-in, with CORS for the app's origin only", async () => {
    const fromApp = await fetch(`${sandbox.url}/session-token?shop=${TEST_SHOP}`, { headers: { origin: APP_URL } });
    expect(fromApp.headers.get("access-control-allow-origin")).toBe(APP_URL);
    const { token } = (await fromApp.json()) as { token: string };
    expect((await api.session.decodeSessionToken(token)).dest).toBe(`https://${TEST_SHOP}`);

    const elsewhere = await fetch(`${sandbox.url}/session-token?shop=${TEST_SHOP}`, { headers: { origin: "http://evil.example" } });
    expect(elsewhere.headers.get("access-control-allow-origin")).toBeNull();
    expect((await fetch(`${sandbox.url}/session-token?shop=nope.myshopify.com`)).status).toBe(404);
  });

  it("serves the App Bridge stand-in and a store list", async () => {
    const script = await fetch(sandbox.appBridgeUrl);
    expect(script.headers.get("content-type")).toMatch(/^application\/javascript/);
    expect(await script.text()).toContain("window.shopify = {");
    expect(await (await fetch(`${sandbox.url}/`)).text()).toContain(`/admin/${TEST_SHOP}`);
  });
});
