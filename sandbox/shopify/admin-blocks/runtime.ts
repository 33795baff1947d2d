/**
 * Browser code (bundled into the block frame with the extension, bundle.ts): what Shopify admin gives an admin
 * UI extension, inside the sandboxed frame the customer page embeds (routes/admin-blocks.ts):
 *  - the `shopify` global: `data.selected` (the customer the page shows), `extension` (target, API version),
 *    `auth.idToken()`;
 *  - `fetch` as the admin's: a relative URL is resolved against the app's URL, and a request to the app's origin
 *    carries `Authorization: Bearer <session token>`, a fresh token each time. The frame has an opaque origin and
 *    cannot mint tokens: it asks the admin page (its parent) for one by postMessage, as an extension asks its host;
 *    the page gets it from the sandbox's /session-token (HS256 with the app's secret, for this shop);
 *  - the Polaris web components, as stand-ins (elements.ts);
 *  - its height, reported to the page so the frame fits the block.
 * Then it runs the extension module's default export, as Shopify does for the target.
 */
import { defineAdminComponents } from "./elements";

export type BlockContext = {
  appUrl: string;
  /** The admin page's origin, the only one the frame talks to by postMessage. */
  adminOrigin: string;
  target: string;
  apiVersion: string;
  customerId: string;
};

export const TOKEN_REQUEST = "shopify-sandbox:session-token";
export const TOKEN_REPLY = "shopify-sandbox:session-token-reply";
export const BLOCK_SIZE = "shopify-sandbox:block-size";

function readContext(): BlockContext {
  const element = document.getElementById("shopify-block-context");
  if (!element?.textContent) throw new Error("The block frame has no #shopify-block-context.");
  return JSON.parse(element.textContent) as BlockContext;
}

function tokenBroker(adminOrigin: string): () => Promise<string> {
  let nextId = 0;
  const pending = new Map<number, { resolve: (token: string) => void; reject: (error: Error) => void }>();
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== adminOrigin) return;
    const data = event.data as { type?: string; id?: number; token?: string; error?: string };
    if (data?.type !== TOKEN_REPLY || typeof data.id !== "number") return;
    const waiting = pending.get(data.id);
    pending.delete(data.id);
    if (data.token) waiting?.resolve(data.token);
    else waiting?.reject(new Error(data.error ?? "The admin gave no session token."));
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      window.parent.postMessage({ type: TOKEN_REQUEST, id }, adminOrigin);
    });
}

function adminFetch(appUrl: string, idToken: () => Promise<string>): typeof fetch {
  const nativeFetch = window.fetch.bind(window);
  const appOrigin = new URL(appUrl).origin;
  return async (input, init) => {
    const url = input instanceof Request ? new URL(input.url) : new URL(String(input), appUrl);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    if (url.origin === appOrigin && !headers.has("authorization")) headers.set("authorization", `Bearer ${await idToken()}`);
    return nativeFetch(input instanceof Request ? new Request(input, { headers }) : url, { ...init, headers });
  };
}

function reportSize(adminOrigin: string): void {
  const report = () => window.parent.postMessage({ type: BLOCK_SIZE, height: Math.ceil(document.documentElement.getBoundingClientRect().height) }, adminOrigin);
  new ResizeObserver(report).observe(document.documentElement);
}

export function startAdminBlock(extension: () => unknown): void {
  const context = readContext();
  const idToken = tokenBroker(context.adminOrigin);
  Object.defineProperty(globalThis, "shopify", {
    configurable: false,
    value: Object.freeze({
      data: Object.freeze({ selected: Object.freeze([Object.freeze({ id: context.customerId })]) }),
      extension: Object.freeze({ target: context.target, apiVersion: context.apiVersion }),
      auth: Object.freeze({ idToken }),
    }),
  });
  window.fetch = adminFetch(context.appUrl, idToken);
  defineAdminComponents();
  reportSize(context.adminOrigin);
  void extension();
}
