/**
 * APSIS One access tokens (OAuth2 client credentials, docs/apis/apsis-one-api.md §2). The token endpoint
 * allows 10 requests a minute per account, so a token is reused until shortly before its JWT `exp`:
 *  - in process: one cached token, and concurrent callers share ONE in-flight token request;
 *  - across processes (workers): an optional ApsisTokenCache (Redis: redis-token-cache.server.ts); with a lock,
 *    one process fetches while the others wait for the cache to fill.
 */
import type { Fetch } from "../http/request";
import { type Sleep, withRetries } from "../http/retry";
import { ApsisMalformedResponseError, errorFromResponse, retryDelayMs } from "./errors";
import { exchange, parseAnswer } from "./exchange";
import { TokenSchema } from "./schemas";

/** Tokens shared between processes, keyed by API host and client id. */
export interface ApsisTokenCache {
  get(key: string): Promise<string | null | undefined>;
  set(key: string, token: string, ttlMs: number): Promise<void>;
  /** Lets one process fetch while others wait: a release function, or null while another process holds it. */
  lock?(key: string): Promise<(() => Promise<void>) | null>;
}

export interface ApsisTokenProviderOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch: Fetch;
  timeoutMs: number;
  maxRetries: number;
  sleep: Sleep;
  cache?: ApsisTokenCache;
}

export const TOKEN_PATH = "/oauth/token";
/** Refresh this long before `exp` (or half the remaining life, if shorter), so no request goes out with a dying token. */
const REFRESH_MARGIN_MS = 60_000;
/** A token this young cannot have expired: a 403 on it is a refused permission, and a new token would not help. */
const YOUNG_TOKEN_MS = 10 * 60_000;
/** How often a process that did not get the lock looks for the token another process is fetching. */
const LOCK_POLL_MS = 250;
/** A cached token whose exp cannot be read is used this long before the cache is asked again. */
const UNREADABLE_EXPIRY_MS = 60_000;

interface Token {
  value: string;
  /** When to stop handing it out. */
  refreshAt: number;
  issuedAt: number;
}

export class ApsisTokenProvider {
  readonly #options: ApsisTokenProviderOptions;
  readonly #cacheKey: string;
  #current?: Token;
  #inFlight?: Promise<Token>;

  constructor(options: ApsisTokenProviderOptions) {
    this.#options = options;
    this.#cacheKey = `${new URL(options.baseUrl).host}:${options.clientId}`;
  }

  /** A token to send; `rejected` is one APSIS just refused, which is never handed out again. */
  async get(rejected?: string): Promise<string> {
    if (this.#current?.value === rejected) this.#current = undefined;
    if (this.#current && Date.now() < this.#current.refreshAt) return this.#current.value;
    let token = await this.#sharedRequest(rejected);
    // The request joined may have started before `rejected` was refused, and found it in the shared cache.
    if (token.value === rejected) token = await this.#sharedRequest(rejected);
    this.#current = token;
    return token.value;
  }

  /**
   * A token to retry with after APSIS answered `status` to `rejected`, or undefined when a new token cannot
   * help: 403 on a young token is a permission refusal (refreshing on every such 403 would spend the token
   * endpoint's 10 calls a minute in seconds).
   */
  async replace(rejected: string, status: number): Promise<string | undefined> {
    if (status === 403 && Date.now() - (this.#issuedAt(rejected) ?? 0) < YOUNG_TOKEN_MS) return undefined;
    return this.get(rejected);
  }

  #sharedRequest(rejected: string | undefined): Promise<Token> {
    this.#inFlight ??= this.#obtain(rejected).finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  async #obtain(rejected: string | undefined): Promise<Token> {
    const { cache } = this.#options;
    if (!cache) return this.#fetch();
    for (;;) {
      const shared = await this.#fromCache(cache, rejected);
      if (shared) return shared;
      const release = cache.lock ? await cache.lock(this.#cacheKey) : async () => {};
      if (!release) {
        await this.#options.sleep(LOCK_POLL_MS);
        continue;
      }
      try {
        // Another process may have filled the cache between the look and the lock.
        const filled = await this.#fromCache(cache, rejected);
        if (filled) return filled;
        const token = await this.#fetch();
        await cache.set(this.#cacheKey, token.value, token.refreshAt - Date.now());
        return token;
      } finally {
        await release();
      }
    }
  }

  async #fromCache(cache: ApsisTokenCache, rejected: string | undefined): Promise<Token | undefined> {
    const value = await cache.get(this.#cacheKey);
    if (!value || value === rejected) return undefined;
    const token = tokenFrom(value, readClaims(value).exp ?? Date.now() + UNREADABLE_EXPIRY_MS);
    return Date.now() < token.refreshAt ? token : undefined;
  }

  #fetch(): Promise<Token> {
    const { baseUrl, clientId, clientSecret, maxRetries, sleep } = this.#options;
    const init = {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
    };
    const attempt = async () => {
      const response = await exchange(this.#options, `${baseUrl}${TOKEN_PATH}`, init, TOKEN_PATH);
      if (response.status !== 200) throw errorFromResponse("POST", TOKEN_PATH, response, { endpoint: "token" });
      const { access_token, expires_in } = parseAnswer(TokenSchema, response, "POST", TOKEN_PATH);
      // The JWT's exp is authoritative; expires_in is deprecated and only a fallback.
      const expiresAt = readClaims(access_token).exp ?? (expires_in ? Date.now() + expires_in * 1_000 : undefined);
      if (expiresAt === undefined) {
        throw new ApsisMalformedResponseError("APSIS One's token has neither an exp claim nor expires_in", { method: "POST", path: TOKEN_PATH, status: 200 });
      }
      return tokenFrom(access_token, expiresAt);
    };
    return withRetries(attempt, { maxRetries, sleep, delayFor: retryDelayMs });
  }

  #issuedAt(value: string): number | undefined {
    return readClaims(value).iat ?? (this.#current?.value === value ? this.#current.issuedAt : undefined);
  }
}

function tokenFrom(value: string, expiresAt: number): Token {
  const now = Date.now();
  return { value, refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, (expiresAt - now) / 2), issuedAt: readClaims(value).iat ?? now };
}

/** exp and iat of a JWT, in epoch milliseconds; empty when the token is not a readable JWT. */
function readClaims(token: string): { exp?: number; iat?: number } {
  const payload = token.split(".")[1];
  if (!payload) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (!claims || typeof claims !== "object") return {};
    const { exp, iat } = claims as Record<string, unknown>;
    return { exp: typeof exp === "number" ? exp * 1_000 : undefined, iat: typeof iat === "number" ? iat * 1_000 : undefined };
  } catch {
    return {};
  }
}
