/**
 * Access to the internal customer-success console (/ops): HTTP Basic auth against OPS_CONSOLE_CREDENTIALS,
 * with repeated failures slowed down and then locked out (per username and per client address, in Redis),
 * plus a same-origin check on every change. Not Shopify auth: the console is not an embedded page.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { parseEnv } from "../env.server";
import { ShopDomainSchema } from "../models/shop.server";
import { getRedis, redisKey } from "../redis.server";
import { BOUNDS, tooLong } from "../utils/input-bounds";

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

export function parseBasicAuthorization(header: string | null): OpsCredential | null {
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

// ---------------------------------------------------------------- slowing down and locking out guesses

/**
 * Failed logins (credentials sent, and wrong) are counted per username and per client address, each in a
 * sliding window of FAILURE_WINDOW_MS. The first FREE_FAILURES cost nothing (typos); each one after that locks
 * the login for 1 s, 2 s, 4 s…; from LOCK_AFTER_FAILURES on, for LOCKOUT_MS. A locked login is answered 429
 * with Retry-After, whatever the password (otherwise guessing would just go on during the lock). The counter
 * outlives the lock, so after a lockout each further failure locks again at once. A successful login clears the
 * username's counter, not the address's (a valid login must not reset a guesser sharing its address).
 */
export const OPS_LOGIN_LIMITS = {
  FREE_FAILURES: 5,
  LOCK_AFTER_FAILURES: 8,
  LOCKOUT_MS: 15 * 60_000,
  FAILURE_WINDOW_MS: 60 * 60_000,
} as const;

/** How long the login is locked after the `failures`-th failure in the window (0: not locked). */
export function lockMsAfterFailures(failures: number): number {
  const { FREE_FAILURES, LOCK_AFTER_FAILURES, LOCKOUT_MS } = OPS_LOGIN_LIMITS;
  if (failures < FREE_FAILURES) return 0;
  if (failures >= LOCK_AFTER_FAILURES) return LOCKOUT_MS;
  return 1000 * 2 ** (failures - FREE_FAILURES);
}

/** The words for a lock of `ms`: "15 minutes", "4 seconds". */
export function describeLock(ms: number): string {
  if (ms >= 60_000) {
    const minutes = Math.ceil(ms / 60_000);
    return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}

/**
 * The client's address, for the per-address count: the socket's peer, which server.mjs passes to Remix as
 * `context.clientAddress` (no header is trusted: the client writes those). Behind a reverse proxy this is the
 * proxy's address, so every client shares one per-address count there; the per-username count still holds.
 */
export function clientAddressOf(context: unknown): string {
  const fromContext = (context as { clientAddress?: unknown } | null | undefined)?.clientAddress;
  return typeof fromContext === "string" && fromContext !== "" ? fromContext.slice(0, 100) : "unknown";
}

/** Redis keys (hashed: a username is whatever the client sent). */
function loginSubjects({ username, address }: { username: string; address: string }) {
  const hash = (value: string) => createHash("sha256").update(value, "utf8").digest("hex").slice(0, 32);
  const subject = (kind: string, value: string) => ({
    failures: redisKey("ops-login", "failures", kind, hash(value)),
    lock: redisKey("ops-login", "lock", kind, hash(value)),
  });
  return { user: subject("user", username.normalize("NFC").toLowerCase()), address: subject("address", address) };
}

/** ms left on the longer of the username's and the address's locks (0: not locked). */
async function lockedForMs(subjects: ReturnType<typeof loginSubjects>): Promise<number> {
  const [user, address] = await Promise.all([getRedis().pttl(subjects.user.lock), getRedis().pttl(subjects.address.lock)]);
  return Math.max(0, user, address);
}

/** Counts one failure for the username and the address, and locks each as lockMsAfterFailures says. */
async function recordFailure(subjects: ReturnType<typeof loginSubjects>): Promise<void> {
  const redis = getRedis();
  await Promise.all(
    [subjects.user, subjects.address].map(async (subject) => {
      const result = await redis.multi().incr(subject.failures).pexpire(subject.failures, OPS_LOGIN_LIMITS.FAILURE_WINDOW_MS).exec();
      const failures = Number(result?.[0]?.[1] ?? 0);
      const lockMs = lockMsAfterFailures(failures);
      if (lockMs > 0) await redis.set(subject.lock, "1", "PX", lockMs);
    }),
  );
}

/** The answer while a login is locked: 429, Retry-After in seconds, and the page's words. */
export function loginLockedResponse(ms: number): Response {
  return new Response(`Too many failed sign-ins: the login is locked for ${describeLock(ms)}. Try again after that; the right password does not unlock it sooner.`, {
    status: 429,
    headers: { "Retry-After": String(Math.max(1, Math.ceil(ms / 1000))), "Cache-Control": "no-store", "Content-Type": "text/plain; charset=utf-8" },
  });
}

/**
 * The logged-in operator, from the configured credentials (throws 404/401 Responses, see authenticateOps, and
 * 429 while the username or the client address is locked out). A request without credentials (the browser's
 * first, before it asks) is not a failure.
 */
export async function requireOpsUser(request: Request, context?: unknown): Promise<OpsUser> {
  const credentials = parseEnv().OPS_CONSOLE_CREDENTIALS;
  const given = parseBasicAuthorization(request.headers.get("Authorization"));
  if (credentials.length === 0 || !given) return authenticateOps(request, credentials);
  const subjects = loginSubjects({ username: given.username, address: clientAddressOf(context) });
  const locked = await lockedForMs(subjects);
  if (locked > 0) throw loginLockedResponse(locked);
  let user: OpsUser;
  try {
    user = authenticateOps(request, credentials);
  } catch (error) {
    if (error instanceof Response && error.status === 401) await recordFailure(subjects);
    throw error;
  }
  await getRedis().del(subjects.user.failures);
  return user;
}

/** For actions: the operator, and a 403 unless the POST is same-origin. */
export async function requireOpsChange(request: Request, context?: unknown): Promise<OpsUser> {
  const user = await requireOpsUser(request, context);
  if (!isSameOriginRequest(request, [new URL(parseEnv().SHOPIFY_APP_URL).origin])) {
    throw new Response("Cross-origin request refused", { status: 403 });
  }
  return user;
}

/** One change submitted from the console (the invite form or a row's Invite/Revoke button). */
export const OpsChangeSchema = z.object({
  intent: z.enum(["invite", "revoke"], { error: "must be invite or revoke" }),
  shop: z.string().max(BOUNDS.shopDomain, tooLong("a shop domain", BOUNDS.shopDomain)).pipe(ShopDomainSchema),
  note: z
    .string()
    .trim()
    .max(BOUNDS.note, `must be at most ${BOUNDS.note} characters`)
    .optional()
    .transform((v) => v || undefined),
  form: z.enum(["add", "row"]).default("row"),
});
export type OpsChange = z.infer<typeof OpsChangeSchema>;
export type OpsChangeErrors = Partial<Record<"intent" | "shop" | "note", string>>;
