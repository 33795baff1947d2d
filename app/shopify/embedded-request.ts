/**
 * Checks every embedded request passes before @shopify/shopify-app-remix authenticates it (shopify.server.ts
 * wraps `authenticate.admin` with them, so every loader and action that authenticates gets them; no route repeats
 * them). Why, and the threat model: docs/decisions/015-embedded-requests-and-shopify-tokens.md.
 *
 * 1. A change needs the session token in the `Authorization: Bearer` header. The library also accepts it as the
 *    `id_token` URL parameter, which is how Shopify's admin opens a page (a GET in the iframe). A session token
 *    leaks with a URL (a log, a Referer, a shared link), and a form on any other site can POST to a URL of its
 *    choosing, but no page can make a browser add an Authorization header to a cross-site request without our
 *    CORS consent. Every real change is a `fetch` inside the app (Remix fetchers), to which App Bridge adds the
 *    header (sandbox/shopify/app-bridge-standin.js does the same), or the admin extension's call, which sends it.
 * 2. A session token names its shop in `dest`. The library takes the shop from it without checking that it is a
 *    Shopify store, and a token for `https://anything.example` ends in a 500 at the token exchange. The library
 *    verifies the signature afterwards; reading the claim first is safe because this check only ever refuses.
 */

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** What Shopify puts in `dest`: https://{shop}.myshopify.com (the library's sanitizeShop accepts the same names). */
const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i;
/** A session token is a few hundred bytes; a longer value is not one and is left to the library to refuse. */
const MAX_TOKEN_LENGTH = 4096;

function bearerToken(request: Request): string | null {
  const header = request.headers.get("Authorization");
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match ? match[1] : null;
}

function refuse(status: 401 | 403, message: string, headers: Record<string, string> = {}): never {
  throw new Response(message, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...headers } });
}

/** The claims of an unverified session token, or null when the token is not readable as a JWT. */
function tokenClaims(token: string): Record<string, unknown> | null {
  const payload = token.length <= MAX_TOKEN_LENGTH ? token.split(".")[1] : undefined;
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return claims && typeof claims === "object" ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isShopDestination(dest: unknown): boolean {
  if (typeof dest !== "string") return false;
  try {
    const url = new URL(dest);
    return url.protocol === "https:" && SHOP_DOMAIN.test(url.hostname);
  } catch {
    return false;
  }
}

/** Throws the Response (403 or 401, with the reason in words) for a request the app must not authenticate. */
export function assertEmbeddedRequestAcceptable(request: Request): void {
  const headerToken = bearerToken(request);
  if (STATE_CHANGING.has(request.method) && !headerToken) {
    refuse(
      403,
      "This change was refused: changes are only accepted from the app inside Shopify admin. Open the app from your Shopify admin and try again.",
    );
  }
  const token = headerToken ?? new URL(request.url).searchParams.get("id_token");
  if (!token) return;
  const claims = tokenClaims(token);
  // An unreadable token is the library's to refuse (it answers 401 or re-authenticates through the bounce page).
  if (claims && !isShopDestination(claims.dest)) {
    refuse(401, "This session token is not for a Shopify store: its destination must be a *.myshopify.com address.", {
      "WWW-Authenticate": 'Bearer error="invalid_token", error_description="dest is not a myshopify.com shop"',
    });
  }
}
