/**
 * Sandbox transport: rewrites https://{shop}/admin/… to {base}/store/{shop}/admin/… so the unchanged
 * Shopify library (token exchange, refresh, Admin GraphQL) talks to sandbox/shopify. Every other URL
 * passes through untouched. Installed only when SHOPIFY_ADMIN_TRANSPORT_URL is set.
 */
type Fetch = typeof globalThis.fetch;

export function rewriteShopifyUrl(url: string, base: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" || !parsed.hostname.endsWith(".myshopify.com")) return url;
  if (!parsed.pathname.startsWith("/admin/")) return url;
  return `${base.replace(/\/$/, "")}/store/${parsed.hostname}${parsed.pathname}${parsed.search}`;
}

export function sandboxTransport(base: string, inner: Fetch): Fetch {
  return (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const target = rewriteShopifyUrl(url, base);
    if (target === url) return inner(input, init);
    return inner(input instanceof Request ? new Request(target, input) : target, init);
  };
}
