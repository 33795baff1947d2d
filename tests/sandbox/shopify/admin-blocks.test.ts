/**
 * The app's admin blocks in the sandbox admin's customer page (routes/admin-blocks.ts): a sandboxed frame per
 * block, the frame's page and policy, the bundled extension, and the host script. The block running in a browser
 * against the app is tests/e2e/customer-block.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { startTestSandbox, TEST_SHOP } from "./test-support";

const APP_URL = "http://127.0.0.1:9";
let sandbox: ShopifySandbox;
let customerId: number;

beforeAll(async () => {
  sandbox = await startTestSandbox({ appUrl: APP_URL, customers: 5 });
  customerId = [...sandbox.store(TEST_SHOP).customers()][0].id;
});
afterAll(() => sandbox.close());

const get = (path: string) => fetch(`${sandbox.url}${path}`);
const framePath = (id: number) => `/admin/${TEST_SHOP}/blocks/customer-sync-status/customers/${id}`;

describe("Shopify sandbox: app blocks on the customer page", () => {
  it("embeds each customer details block in a frame that may run scripts and nothing else", async () => {
    const html = await (await get(`/admin/${TEST_SHOP}/customers/${customerId}`)).text();
    expect(html).toContain('<h2 id="blocks-heading">App blocks</h2>');
    expect(html).toContain('<script src="/admin-block-host.js"></script>');
    const frames = html.match(/<iframe [^>]*>/g) ?? [];
    expect(frames).toHaveLength(1);
    expect(frames[0]).toContain('title="APSIS One sync"');
    expect(frames[0]).toContain(' sandbox="allow-scripts" ');
    expect(frames[0]).toContain(`data-shop="${TEST_SHOP}"`);
    expect(frames[0]).toContain(`src="${framePath(customerId)}"`);
  });

  it("serves the frame with the customer, the app's URL and a policy: scripts from the sandbox, calls to the app only", async () => {
    const response = await get(framePath(customerId));
    expect(response.status).toBe(200);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp.split("; ")).toEqual(expect.arrayContaining([
      "default-src 'none'",
      `script-src ${sandbox.url}`,
      `connect-src ${APP_URL}`,
      `frame-ancestors ${sandbox.url}`,
    ]));
    const html = await response.text();
    const context = JSON.parse(/<script type="application\/json" id="shopify-block-context">(.*?)<\/script>/.exec(html)![1]);
    expect(context).toEqual({
      appUrl: APP_URL,
      adminOrigin: sandbox.url,
      target: "admin.customer-details.block.render",
      apiVersion: "2026-07",
      customerId: `gid://shopify/Customer/${customerId}`,
    });
    expect(html).toContain('<script defer src="/admin-blocks/customer-sync-status.js"></script>');
  });

  it("serves the extension bundled with its runtime, and the host script", async () => {
    const bundle = await get("/admin-blocks/customer-sync-status.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toMatch(/^application\/javascript/);
    const script = await bundle.text();
    expect(script).toContain("/api/customer-sync-status"); // the extension's own code
    expect(script).toContain("shopify-sandbox:session-token"); // the runtime's token requests
    expect(script).toContain("s-admin-block");
    const host = await get("/admin-block-host.js");
    expect(host.status).toBe(200);
    expect(await host.text()).toContain("/session-token?shop=");
  });

  it("answers 404 for an unknown block, store or customer", async () => {
    expect((await get("/admin-blocks/nope.js")).status).toBe(404);
    expect((await get(`/admin/${TEST_SHOP}/blocks/nope/customers/${customerId}`)).status).toBe(404);
    expect((await get(`/admin/other.myshopify.com/blocks/customer-sync-status/customers/${customerId}`)).status).toBe(404);
    expect((await get(framePath(1))).status).toBe(404);
  });
});
