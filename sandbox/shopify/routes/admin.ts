/**
 * The admin frame's stand-in. In Shopify, the merchant opens the app inside the admin's iframe, and App
 * Bridge (loaded by the app's pages) gives the app session tokens. Here:
 *  - `GET /` lists the stores, `GET /admin/{shop}` is "open the app from the admin": it redirects to
 *    `{appUrl}/app?embedded=1&shop=…&host=…&id_token=…&locale=en`, the URL Shopify loads in its iframe.
 *    The app is the TOP-LEVEL page, not framed: the app's CSP `frame-ancestors` names the shop's admin
 *    (as the library sets it), so a local iframe would be refused, and the library is not changed for it.
 *  - `GET /session-token?shop=…` mints a fresh session token, for the App Bridge stand-in's `idToken()`
 *    (CORS allows the app's origin only).
 *  - `GET /app-bridge.js` serves the stand-in (app-bridge-standin.js), whose navigation bar links to the store's
 *    customer pages (routes/customers.ts), as the admin's sidebar has Customers.
 */
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { escapeHtml, redirect, sendJson, sendText } from "../http";
import { mintSessionToken } from "../tokens";

const APP_BRIDGE_STANDIN = readFileSync(new URL("../app-bridge-standin.js", import.meta.url), "utf8");

/**
 * The admin's `host` parameter: base64 of `admin.shopify.com/store/{handle}`. Standard alphabet, padding
 * dropped, as Shopify sends it: the library's sanitizeHost accepts [0-9a-zA-Z+/] only, not base64url.
 */
const hostParam = (shop: string) =>
  Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`).toString("base64").replace(/=+$/, "");

function appEntryUrl(context: SandboxContext, shop: string): string {
  const token = mintSessionToken({ shop, apiKey: context.app.apiKey, apiSecret: context.app.apiSecret });
  const params = new URLSearchParams({ embedded: "1", shop, host: hostParam(shop), id_token: token, locale: "en" });
  return `${context.app.url.replace(/\/$/, "")}/app?${params}`;
}

export function handleAdminEntry(context: SandboxContext, shop: string, response: ServerResponse): void {
  redirect(response, appEntryUrl(context, shop));
}

export function handleHome(context: SandboxContext, response: ServerResponse): void {
  const rows = [...context.shops.values()]
    .map(
      ({ store }) =>
        `<li><a href="/admin/${escapeHtml(store.domain)}">${escapeHtml(store.name)}</a> — ${escapeHtml(store.domain)} · ` +
        `<a href="/admin/${escapeHtml(store.domain)}/customers">Customers of ${escapeHtml(store.name)}</a> (${store.count()})</li>`,
    )
    .join("\n");
  sendText(
    response,
    200,
    "text/html; charset=utf-8",
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shopify sandbox</title></head><body>
<h1>Shopify sandbox</h1><p>Open the app as the merchant of a store, or its customers to edit one (the app gets the
webhooks Shopify would send):</p><ul>\n${rows}\n</ul>
<p>App: ${escapeHtml(context.app.url)}</p></body></html>`,
  );
}

/** CORS for the app's origin only: nothing else may mint the shop's session tokens from a browser. */
function corsHeaders(context: SandboxContext, origin: string | undefined): Record<string, string> {
  const appOrigin = new URL(context.app.url).origin;
  const headers: Record<string, string> = { vary: "Origin", "cache-control": "no-store" };
  if (origin === appOrigin) Object.assign(headers, { "access-control-allow-origin": appOrigin, "access-control-allow-headers": "authorization, content-type" });
  return headers;
}

export function handleSessionTokenPreflight(context: SandboxContext, origin: string | undefined, response: ServerResponse): void {
  response.writeHead(204, corsHeaders(context, origin));
  response.end();
}

export function handleSessionToken(context: SandboxContext, url: URL, origin: string | undefined, response: ServerResponse): void {
  const cors = corsHeaders(context, origin);
  const shop = url.searchParams.get("shop") ?? "";
  if (!context.shops.has(shop)) return sendJson(response, 404, { error: `The sandbox has no shop '${shop}'.` }, cors);
  sendJson(response, 200, { token: mintSessionToken({ shop, apiKey: context.app.apiKey, apiSecret: context.app.apiSecret }) }, cors);
}

export function handleAppBridgeScript(response: ServerResponse): void {
  sendText(response, 200, "application/javascript; charset=utf-8", APP_BRIDGE_STANDIN, { "cache-control": "no-store" });
}
