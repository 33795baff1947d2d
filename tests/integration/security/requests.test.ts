/**
 * Issue 8, findings 6 and 7 (requests): the whole app as it runs (scripts/stack.ts: server.mjs, the worker, the
 * Shopify and APSIS sandboxes) over real HTTP, this file's database and Redis prefix. The attacks are made as an
 * attacker would make them: a page on another site posting a form to the app, a session token in a URL, a
 * session token signed for a host that is not a Shopify store; the outcomes are read where they land (the
 * Session table, the SyncRun table, the web process's own log).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../../app/db.server";
import { decryptSecret } from "../../../app/utils/crypto.server";
import { DEMO_APSIS } from "../../../sandbox/apsis/server";
import { signJwt } from "../../../sandbox/shopify/tokens";
import { waitFor } from "../../support/wait-for";
import { installOfflineSession } from "../shopify/sandbox-session";
import { browserFetch, startWeb, type Web } from "./web-stack";

const SHOP = "requests-main.myshopify.com";
/** Its offline session is written the old way, in plain text, while the app runs. */
const LEGACY = "requests-legacy.myshopify.com";
/** Its plain-text session is in the database before the app starts, and it never opens the app. */
const DORMANT = "requests-dormant.myshopify.com";
const DORMANT_TOKENS = { accessToken: `shpat_dormant${"0".repeat(20)}`, refreshToken: `shprt_dormant${"0".repeat(20)}` };
const ATTACKER = "https://attacker.example";
const KEY = process.env.CREDENTIALS_ENCRYPTION_KEY!;
const SWEDEN = JSON.stringify([{ section: DEMO_APSIS.swedenSection, field: "country", operator: "equals", value: "SE" }]);

let web: Web;
let stack: Web["stack"];
const db = () => getDb();

beforeAll(async () => {
  await db().session.create({
    data: { id: `offline_${DORMANT}`, shop: DORMANT, state: "", isOnline: false, scope: "read_customers", ...DORMANT_TOKENS },
  });
  web = await startWeb({
    stores: [SHOP, LEGACY].map((domain, i) => ({ domain, name: domain, ianaTimezone: "Europe/Stockholm", customers: 12, seed: 40 + i })),
    invite: [SHOP],
  });
  stack = web.stack;
  // The merchant opens the app (the token exchange stores the offline session), connects APSIS One and sets
  // a sync condition, all as the embedded app does it: what a Full Sync needs, for the attacks below.
  expect((await browserFetch(await embeddedUrl(SHOP))).status).toBe(200);
  const setUp: Record<string, string>[] = [
    { intent: "connect", region: "eu", clientId: DEMO_APSIS.clientId, clientSecret: DEMO_APSIS.clientSecret },
    { intent: "save-conditions", conditions: SWEDEN },
  ];
  for (const fields of setUp) {
    const { body } = await web.post(SHOP, "/app/apsis", fields);
    expect(body, fields.intent).toMatchObject({ ok: true });
  }
});

afterAll(async () => {
  await stack?.stop();
  // server.mjs closes on SIGTERM and the process exits by itself (the stack would name a web process it had to kill).
  expect(stack?.logs() ?? "").not.toContain("web did not exit");
});

const apiKey = () => stack.env.SHOPIFY_API_KEY!;
const apiSecret = () => stack.env.SHOPIFY_API_SECRET!;

/** The URL Shopify's admin opens the app at (embedded=1, shop, host, id_token, …), from the sandbox's admin. */
async function embeddedUrl(shop: string, path = "/app") {
  const response = await fetch(stack.sandbox.adminUrl(shop), { redirect: "manual" }); // the sandbox, not the app
  const url = new URL(response.headers.get("location")!);
  url.pathname = path;
  return url;
}

async function syncRuns(shop: string) {
  const row = await db().shop.findUnique({ where: { domain: shop } });
  return row ? db().syncRun.count({ where: { shopId: row.id } }) : 0;
}

/** The stored row's tokens are ciphertext that decrypts to what Shopify issued. */
function expectEncrypted(row: { accessToken: string; refreshToken: string | null }, plain: { accessToken: string; refreshToken?: string }) {
  expect(row.accessToken).toMatch(/^v1\./);
  expect(row.accessToken).not.toContain(plain.accessToken);
  expect(decryptSecret(row.accessToken, KEY)).toBe(plain.accessToken);
  if (plain.refreshToken) {
    expect(row.refreshToken).toMatch(/^v1\./);
    expect(row.refreshToken).not.toContain(plain.refreshToken);
    expect(decryptSecret(row.refreshToken!, KEY)).toBe(plain.refreshToken);
  }
}

describe("Shopify tokens at rest (finding 6)", () => {
  it("the session the app stored at the token exchange holds ciphertext only, and the app works with it", async () => {
    const row = await db().session.findUniqueOrThrow({ where: { id: `offline_${SHOP}` } });
    // What Shopify (the sandbox) issued: an expiring offline token and its refresh token.
    const accessToken = decryptSecret(row.accessToken, KEY);
    const refreshToken = decryptSecret(row.refreshToken!, KEY);
    expect(accessToken).toMatch(/^shpat_/);
    expect(refreshToken).toMatch(/^shprt_/);
    expectEncrypted(row, { accessToken, refreshToken });
    expect(JSON.stringify(row)).not.toMatch(/shpat_|shprt_/);

    // A page and an action that read Shopify with the stored session (the condition's match count).
    expect((await browserFetch(await embeddedUrl(SHOP, "/app/apsis"))).status).toBe(200);
    const counted = await web.post(SHOP, "/app/apsis", { intent: "count-matches", conditions: SWEDEN });
    expect(counted.body).toMatchObject({ ok: true, counts: { total: 12 } });
  });

  it("a session stored in plain text before encryption keeps working and is encrypted when first read", async () => {
    // Written straight into the table, as the unencrypted storage wrote it.
    const issued = await installOfflineSession({
      sandboxUrl: stack.sandbox.url,
      shop: LEGACY,
      apiKey: apiKey(),
      apiSecret: apiSecret(),
      storeSession: async (session) => {
        await db().session.create({
          data: {
            id: session.id, shop: session.shop, state: "", isOnline: false, scope: session.scope, expires: session.expires,
            accessToken: session.accessToken!, refreshToken: session.refreshToken, refreshTokenExpires: session.refreshTokenExpires,
          },
        });
        return true;
      },
    });
    const page = await browserFetch(await embeddedUrl(LEGACY));
    expect(page.status).toBe(200);
    // The page used the stored token (no new exchange): the Admin API answered the shop query with it.
    expect((await db().shop.findUniqueOrThrow({ where: { domain: LEGACY } })).name).toBe(LEGACY);
    const row = await db().session.findUniqueOrThrow({ where: { id: `offline_${LEGACY}` } });
    expectEncrypted(row, { accessToken: issued.accessToken!, refreshToken: issued.refreshToken });
  });

  it("a plain-text session of a shop that never comes back is encrypted when the web process starts", async () => {
    const row = await waitFor(
      async () => {
        const r = await db().session.findUniqueOrThrow({ where: { id: `offline_${DORMANT}` } });
        return r.accessToken.startsWith("v1.") && r;
      },
      { timeoutMs: 10_000, what: () => `the start-up encryption of the dormant session\n${stack.logs()}` },
    );
    expectEncrypted(row, DORMANT_TOKENS);
  });
});

describe("session tokens in the web log (finding 6)", () => {
  it("loading pages with id_token (and hmac, session) in the URL logs the request without any of their values", async () => {
    const url = await embeddedUrl(SHOP);
    const marker = `requests-log-${randomUUID()}`;
    const hmac = "f".repeat(40) + "1a2b3c";
    const shopifySession = "c".repeat(40) + "4d5e6f";
    url.searchParams.set("hmac", hmac);
    url.searchParams.set("session", shopifySession);
    url.searchParams.set("marker", marker);
    const idToken = url.searchParams.get("id_token")!;
    expect((await browserFetch(url)).status).toBe(200);
    // The bounce page carries the page's URL in a parameter of its own.
    const bounce = new URL(`${stack.appUrl}/auth/session-token`);
    bounce.searchParams.set("shop", SHOP);
    bounce.searchParams.set("shopify-reload", `${stack.appUrl}/app?id_token=${idToken}&hmac=${hmac}&marker=${marker}`);
    await browserFetch(bounce);

    const log = await waitFor(async () => (stack.logs().split(marker).length > 2 ? stack.logs() : null), { timeoutMs: 10_000, what: () => `the access log lines\n${stack.logs()}` });
    const lines = log.split("\n").filter((line) => line.includes(marker));
    // The requests were logged (in the order they finished; a chunk of output is prefixed once), with the secrets' places marked.
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/GET \/app\?.*id_token=REDACTED.*&hmac=REDACTED&session=REDACTED.* 200 /),
      expect.stringMatching(/GET \/auth\/session-token\?.*id_token%3DREDACTED%26hmac%3DREDACTED/),
    ]));
    for (const secret of [idToken, idToken.split(".")[1], idToken.split(".")[2], hmac, shopifySession]) expect(log).not.toContain(secret);
  });
});

describe("cross-site and URL-token writes (finding 7)", () => {
  /** An attacker's page: a form posting to the app, the merchant's leaked session token in the action URL. */
  async function attackerUrl(dataRequest: boolean) {
    const url = await embeddedUrl(SHOP, "/app/apsis");
    if (dataRequest) url.searchParams.set("_data", "routes/app.apsis");
    return url;
  }
  const formPost = (url: URL, headers: Record<string, string>) =>
    browserFetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ intent: "start-full-sync" }),
      redirect: "manual",
    });

  it("a newcomer's first load: /favicon.ico is the app's icon (no 404 stack trace), the bounce page loads App Bridge from APP_BRIDGE_URL", async () => {
    const icon = await fetch(`${stack.appUrl}/favicon.ico`, { redirect: "manual" });
    expect(icon.status).toBe(301);
    expect(icon.headers.get("location")).toBe("/favicon.svg");
    expect((await fetch(`${stack.appUrl}/favicon.svg`)).status).toBe(200);
    const bounce = new URL(`${stack.appUrl}/auth/session-token`);
    bounce.searchParams.set("shop", SHOP);
    bounce.searchParams.set("shopify-reload", `${stack.appUrl}/app?shop=${SHOP}`);
    const page = await browserFetch(bounce);
    const html = await page.text();
    expect(html).toContain("app-bridge.js");
    expect(html).not.toContain("cdn.shopify.com");
    expect(stack.logs()).not.toContain('No route matches URL "/favicon.ico"');
  });

  it("a cross-origin form POST with id_token in its URL is refused (403) and starts no Full Sync", async () => {
    expect(await syncRuns(SHOP)).toBe(0);
    for (const dataRequest of [true, false]) {
      const response = await formPost(await attackerUrl(dataRequest), { Origin: ATTACKER });
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/another website/);
    }
    expect(await syncRuns(SHOP)).toBe(0);
  });

  it("a POST with id_token in its URL but no Authorization header is refused (403) even without an Origin", async () => {
    for (const dataRequest of [true, false]) {
      const response = await formPost(await attackerUrl(dataRequest), {});
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/only accepted from the app inside Shopify admin/);
    }
    expect(await syncRuns(SHOP)).toBe(0);
  });

  it("the same Full Sync sent as the embedded app sends it (Authorization header, own origin) starts", async () => {
    const { body } = await web.post(SHOP, "/app/apsis", { intent: "start-full-sync" });
    expect(body).toMatchObject({ ok: true, runId: expect.any(String) });
    expect(await syncRuns(SHOP)).toBe(1);
  });

  it("the admin extension's endpoint still takes its cross-origin POST with a Bearer token", async () => {
    const response = await web.embedded(SHOP, "/api/customer-sync-status", {
      method: "POST",
      headers: { Origin: "https://extensions.shopifycdn.com", "Content-Type": "application/json" },
      body: JSON.stringify({ customerId: "gid://shopify/Customer/1" }),
    });
    expect([202, 409]).toContain(response.status);
    expect(response.headers.get("access-control-allow-origin")).toBeTruthy();
  });
});

describe("clear refusals instead of 500s (finding 7)", () => {
  it("a page POST whose Origin is another site (Remix's CSRF refusal) is a 403 with the reason, not a 500", async () => {
    for (const origin of [ATTACKER, "null"]) {
      const response = await browserFetch(`${stack.appUrl}/app/apsis`, {
        method: "POST",
        headers: { Authorization: `Bearer ${web.sessionToken(SHOP)}`, Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ intent: "disconnect" }),
        redirect: "manual",
      });
      expect(response.status).toBe(403);
      expect(await response.text()).toMatch(/came from another website/);
    }
    // Nothing changed: APSIS One is still connected.
    expect((await web.embedded(SHOP, "/app/apsis")).body).toMatchObject({ connected: true });
  });

  it("a correctly signed session token whose dest is not a *.myshopify.com shop is a 401 with the reason, not a 500", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(
      { iss: `${ATTACKER}/admin`, dest: ATTACKER, aud: apiKey(), sub: "1", exp: now + 60, nbf: now, iat: now, jti: randomUUID(), sid: "s", sig: "s" },
      apiSecret(),
    );
    const page = await embeddedUrl(SHOP);
    page.searchParams.set("id_token", token);
    const asDocument = await browserFetch(page, { redirect: "manual" });
    const asFetch = await browserFetch(`${stack.appUrl}/app?_data=routes%2Fapp`, { headers: { Authorization: `Bearer ${token}` }, redirect: "manual" });
    for (const response of [asDocument, asFetch]) {
      expect(response.status).toBe(401);
      expect(await response.text()).toMatch(/not for a Shopify store/);
    }
    expect(await db().session.count({ where: { shop: { contains: "attacker" } } })).toBe(0);
  });
});
