/**
 * The app's admin blocks on the sandbox admin's customer page, rendered the way Shopify admin renders an admin UI
 * extension: the extension's own module runs isolated from the admin page (Shopify: a sandboxed worker; here a
 * frame with `sandbox="allow-scripts"`, an opaque origin: no access to the page, its cookies or storage), gets the
 * `shopify` API and Polaris components from the host, and talks to the app's backend with a session token the
 * admin mints for the shop (admin-blocks/runtime.ts, admin-block-host.js). The app authenticates those requests
 * exactly as it does Shopify's: nothing here bypasses its checks.
 *  - the customer page's "App blocks" section (customerBlocksSection): one frame per block of the target
 *    admin.customer-details.block.render in extensions/ (admin-blocks/extensions.ts);
 *  - `GET /admin/{shop}/blocks/{handle}/customers/{id}`: the frame's page (CSP: scripts from the sandbox only,
 *    connections to the app only, framed by the sandbox only);
 *  - `GET /admin-blocks/{handle}.js`: the extension bundled with the frame's runtime (admin-blocks/bundle.ts);
 *  - `GET /admin-block-host.js`: the page's side (session tokens for its frames, frame heights).
 */
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { blockBundle } from "../admin-blocks/bundle";
import { type AdminBlock, adminBlocks, CUSTOMER_DETAILS_BLOCK } from "../admin-blocks/extensions";
import type { BlockContext } from "../admin-blocks/runtime";
import type { SandboxContext } from "../context";
import { customerGid } from "../customer";
import { escapeHtml, sendText } from "../http";
import type { SandboxStore } from "../store";

const HOST_SCRIPT = readFileSync(new URL("../admin-block-host.js", import.meta.url), "utf8");
export const HOST_SCRIPT_PATH = "/admin-block-host.js";

const FRAME_PATH = /^\/admin\/([^/]+)\/blocks\/([\w-]+)\/customers\/(\d{1,20})$/;
const BUNDLE_PATH = /^\/admin-blocks\/([\w-]+)\.js$/;

export type AdminBlockRoute = { kind: "frame"; shop: string; handle: string; customerId: number } | { kind: "bundle"; handle: string } | { kind: "host" };

export function matchAdminBlockRoute(pathname: string): AdminBlockRoute | null {
  if (pathname === HOST_SCRIPT_PATH) return { kind: "host" };
  const frame = FRAME_PATH.exec(pathname);
  if (frame) return { kind: "frame", shop: frame[1], handle: frame[2], customerId: Number(frame[3]) };
  const bundle = BUNDLE_PATH.exec(pathname);
  return bundle ? { kind: "bundle", handle: bundle[1] } : null;
}

const customerBlock = (handle: string): AdminBlock | undefined => adminBlocks(CUSTOMER_DETAILS_BLOCK).find((block) => block.handle === handle);
const frameUrl = (shop: string, block: AdminBlock, customerId: number) => `/admin/${shop}/blocks/${block.handle}/customers/${customerId}`;

/** The customer page's section with one sandboxed frame per customer details block; empty without blocks. */
export function customerBlocksSection(store: SandboxStore, customerId: number): string {
  const blocks = adminBlocks(CUSTOMER_DETAILS_BLOCK);
  if (!blocks.length) return "";
  const frames = blocks
    .map(
      (block) =>
        `<iframe data-admin-block="${escapeHtml(block.handle)}" data-shop="${escapeHtml(store.domain)}" title="${escapeHtml(block.name)}" sandbox="allow-scripts" ` +
        `src="${escapeHtml(frameUrl(store.domain, block, customerId))}" style="width:100%;height:120px;border:0;display:block;margin:8px 0"></iframe>`,
    )
    .join("\n");
  return `<section aria-labelledby="blocks-heading"><h2 id="blocks-heading">App blocks</h2>
<p class="hint">Each block runs in a sandboxed frame, as in Shopify admin, and calls its app with a session token for this shop.</p>
<script src="${HOST_SCRIPT_PATH}"></script>
${frames}
</section>`;
}

export async function handleAdminBlock(context: SandboxContext, route: AdminBlockRoute, response: ServerResponse): Promise<void> {
  const notFound = (what: string) => sendText(response, 404, "text/plain; charset=utf-8", `Not found: ${what}`);
  if (route.kind === "host") return sendText(response, 200, "application/javascript; charset=utf-8", HOST_SCRIPT, { "cache-control": "no-store" });
  const block = customerBlock(route.handle);
  if (!block) return notFound(`the app has no customer details block "${route.handle}"`);
  if (route.kind === "bundle") {
    const script = await blockBundle(block);
    return sendText(response, 200, "application/javascript; charset=utf-8", script, { "cache-control": "no-store" });
  }
  const store = context.shops.get(route.shop)?.store;
  if (!store) return notFound(`the sandbox has no store "${route.shop}"`);
  if (!store.getCustomer(route.customerId)) return notFound(`${store.name} has no customer ${route.customerId}`);
  const blockContext: BlockContext = {
    appUrl: context.app.url,
    adminOrigin: new URL(context.url).origin,
    target: block.target,
    apiVersion: block.apiVersion,
    customerId: customerGid(route.customerId),
  };
  const json = JSON.stringify(blockContext).replace(/</g, "\\u003c");
  const csp = [
    "default-src 'none'",
    `script-src ${new URL(context.url).origin}`,
    "style-src 'unsafe-inline'",
    `connect-src ${new URL(context.app.url).origin}`,
    `frame-ancestors ${new URL(context.url).origin}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  sendText(
    response,
    200,
    "text/html; charset=utf-8",
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(block.name)}</title>
<style>html,body{margin:0;padding:2px;background:transparent}</style>
<script type="application/json" id="shopify-block-context">${json}</script>
<script defer src="/admin-blocks/${escapeHtml(block.handle)}.js"></script>
</head><body></body></html>`,
    { "cache-control": "no-store", "content-security-policy": csp },
  );
}
