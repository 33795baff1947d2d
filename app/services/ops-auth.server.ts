/**
 * Access to the internal customer-success console (/ops): HTTP Basic auth against OPS_CONSOLE_CREDENTIALS,
 * plus a same-origin check on every change. Not Shopify auth: the console is not an embedded page.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { parseEnv } from "../env.server";
import { ShopDomainSchema } from "../models/shop.server";

export type OpsCredential = { username: string; password: string };
export type OpsUser = { username: string };

const REALM = 'Basic realm="ops", charset="UTF-8"';

function digest(value: string) {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Constant-time equality for strings of any length (both sides are hashed to 32 bytes first). */
function safeEqual(a: string, b: string) {
  return timingSafeEqual(digest(a), digest(b));
}

function parseBasicAuthorization(header: string | null): OpsCredential | null {
  const match = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!match) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":"); // RFC 7617: the user-id cannot contain ':', the password can
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Returns the logged-in operator or throws a Response:
 *  - 404 when no credentials are configured: the console is then DISABLED and indistinguishable from a
 *    missing page (nothing to guess at), rather than open or broken;
 *  - 401 with `WWW-Authenticate: Basic realm="ops"` for missing or wrong credentials (the browser then asks).
 * Every configured entry is compared, in constant time, whatever matches first, so the response time does
 * not reveal which usernames exist.
 */
export function authenticateOps(request: Request, credentials: OpsCredential[]): OpsUser {
  if (credentials.length === 0) throw new Response("Not Found", { status: 404 });
  const given = parseBasicAuthorization(request.headers.get("Authorization"));
  let user: OpsUser | null = null;
  for (const credential of credentials) {
    const usernameOk = safeEqual(given?.username ?? "", credential.username);
    const passwordOk = safeEqual(given?.password ?? "", credential.password);
    if (given && usernameOk && passwordOk && !user) user = { username: credential.username };
  }
  if (!user) {
    throw new Response("Authentication required", {
      status: 401,
      headers: { "WWW-Authenticate": REALM, "Cache-Control": "no-store" },
    });
  }
  return user;
}

/**
 * CSRF protection for the console's POSTs. Browsers send Basic credentials with cross-site requests too, so a
 * page elsewhere could otherwise submit a form to /ops and invite or revoke a shop as the logged-in operator.
 * We accept a change only when the browser says it comes from our own origin (the algorithm of Go 1.25's
 * CrossOriginProtection):
 *  - `Sec-Fetch-Site` (set by the browser, not by page scripts) must be `same-origin`; when present it decides;
 *  - otherwise (older browsers) `Origin` must equal this request's origin or the app's configured URL
 *    (SHOPIFY_APP_URL: behind a TLS-terminating proxy the request may arrive as http://);
 *  - a request carrying neither is refused: tools such as curl must send `Origin` explicitly.
 * No token is needed, so the page keeps working without sessions or cookies.
 */
export function isSameOriginRequest(request: Request, trustedOrigins: string[] = []): boolean {
  const site = request.headers.get("Sec-Fetch-Site");
  if (site) return site === "same-origin";
  const origin = request.headers.get("Origin");
  if (!origin || origin === "null") return false;
  return origin === new URL(request.url).origin || trustedOrigins.includes(origin);
}

/** The logged-in operator, from the configured credentials (throws 404/401 Responses, see authenticateOps). */
export function requireOpsUser(request: Request): OpsUser {
  return authenticateOps(request, parseEnv().OPS_CONSOLE_CREDENTIALS);
}

/** For actions: the operator, and a 403 unless the POST is same-origin. */
export function requireOpsChange(request: Request): OpsUser {
  const user = requireOpsUser(request);
  if (!isSameOriginRequest(request, [new URL(parseEnv().SHOPIFY_APP_URL).origin])) {
    throw new Response("Cross-origin request refused", { status: 403 });
  }
  return user;
}

/** One change submitted from the console (the invite form or a row's Invite/Revoke button). */
export const OpsChangeSchema = z.object({
  intent: z.enum(["invite", "revoke"], { error: "must be invite or revoke" }),
  shop: ShopDomainSchema,
  note: z
    .string()
    .trim()
    .max(500, "must be at most 500 characters")
    .optional()
    .transform((v) => v || undefined),
  form: z.enum(["add", "row"]).default("row"),
});
export type OpsChange = z.infer<typeof OpsChangeSchema>;
export type OpsChangeErrors = Partial<Record<"intent" | "shop" | "note", string>>;
