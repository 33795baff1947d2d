/**
 * APSIS One access tokens (OAuth2 client credentials, docs/apis/apsis-one-api.md §2). The token endpoint
 * allows 10 requests a minute per account, so a token is reused until shortly before its JWT `exp`:
 *  - in process: one cached token per provider, and a provider is made for ONE client id and secret; concurrent
 *    callers share ONE in-flight token request;
 *  - across processes (workers): an optional ApsisTokenCache (Redis: redis-token-cache.server.ts); with a lock,
 *    one process fetches while the others wait for the cache to fill.
 *
 * A token is handed only to the holder of the secret it was issued for. A client id is no secret (it is shown
 * on the merchant's page, and anyone may type someone else's), so the shared cache is keyed by an HMAC of
 * host, client id AND secret, and the token is stored sealed (AES-256-GCM) with a key derived from the secret:
 * another secret finds nothing, and a Redis reader can neither use the token nor test a guessed secret
 * offline, because both derivations also need the app's key (ApsisTokenCache.appKey), which Redis never holds.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import type { Fetch } from "../../../http/request";
import { type Sleep, withRetries } from "../../../http/retry";
import { ApsisMalformedResponseError, errorFromResponse, retryDelayMs } from "./errors";
import { exchange, parseAnswer } from "./exchange";
import { TokenSchema } from "./schemas";

/**
 * A store shared between processes. It only ever sees what the provider gives it: keys that prove the secret
 * and tokens sealed with it (tokenCacheSlot), never a token or a secret in clear.
 */
export interface ApsisTokenCache {
  /** The app's own key for this cache (32 bytes, never stored in the cache): keys and seals are derived with it. */
  readonly appKey: Uint8Array;
  get(key: string): Promise<string | null | undefined>;
  set(key: string, sealed: string, ttlMs: number): Promise<void>;
  delete?(key: string): Promise<void>;
  /** Lets one process fetch while others wait: a release function, or null while another process holds it. */
  lock?(key: string): Promise<(() => Promise<void>) | null>;
}

/** Where one client id and secret's token lives in a shared cache, and the key it is sealed with. */
export type TokenCacheSlot = { key: string; sealKey: Buffer };

const SEAL_VERSION = "v1";

export function tokenCacheSlot({ host, clientId, clientSecret, appKey }: { host: string; clientId: string; clientSecret: string; appKey: Uint8Array }): TokenCacheSlot {
  if (appKey.byteLength < 32) throw new TypeError("An APSIS token cache needs an app key of at least 32 bytes");
  // JSON keeps the parts apart: ("a:b", "c") and ("a", "b:c") are different credentials.
  const who = JSON.stringify([host, clientId, clientSecret]);
  const indexKey = Buffer.from(hkdfSync("sha256", appKey, Buffer.alloc(0), "apsis-token-cache/key", 32));
  const key = createHmac("sha256", indexKey).update(who).digest("base64url");
  const sealKey = Buffer.from(hkdfSync("sha256", Buffer.from(clientSecret, "utf8"), appKey, `apsis-token-cache/seal${JSON.stringify([host, clientId])}`, 32));
  return { key, sealKey };
}

/** The token encrypted for its slot: "v1.<iv>.<tag>.<ciphertext>" (base64url), bound to the slot's key. */
export function sealToken(token: string, slot: TokenCacheSlot): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", slot.sealKey, iv).setAAD(Buffer.from(slot.key));
  const ciphertext = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
  return [SEAL_VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(".");
}

/** The token sealed for this slot; undefined for anything else (another secret's seal, a plain token, garbage). */
export function openToken(sealed: string, slot: TokenCacheSlot): string | undefined {
  const [version, iv, tag, ciphertext, extra] = sealed.split(".");
  if (version !== SEAL_VERSION || !iv || !tag || ciphertext === undefined || extra !== undefined) return undefined;
  try {
    // A fixed tag length: Node otherwise accepts a truncated tag, which is far easier to forge.
    const decipher = createDecipheriv("aes-256-gcm", slot.sealKey, Buffer.from(iv, "base64url"), { authTagLength: 16 }).setAAD(Buffer.from(slot.key));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return undefined;
  }
}

type Credentials = Pick<ApsisTokenProviderOptions, "baseUrl" | "clientId" | "clientSecret">;

function slotOf(cache: ApsisTokenCache, { baseUrl, clientId, clientSecret }: Credentials): TokenCacheSlot {
  return tokenCacheSlot({ host: new URL(baseUrl).host, clientId, clientSecret, appKey: cache.appKey });
}

/** Removes the shared token of these credentials, the one a provider made with them would find. */
export async function forgetSharedToken(cache: ApsisTokenCache, credentials: Credentials): Promise<void> {
  await cache.delete?.(slotOf(cache, credentials).key);
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
  readonly #slot?: TokenCacheSlot;
  #current?: Token;
  #inFlight?: Promise<Token>;

  constructor(options: ApsisTokenProviderOptions) {
    this.#options = options;
    if (options.cache) this.#slot = slotOf(options.cache, options);
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
    const slot = this.#slot;
    if (!cache || !slot) return this.#fetch();
    for (;;) {
      const shared = await this.#fromCache(cache, slot, rejected);
      if (shared) return shared;
      // The lock is the slot's too: a wrong secret never holds up the right one's token.
      const release = cache.lock ? await cache.lock(slot.key) : async () => {};
      if (!release) {
        await this.#options.sleep(LOCK_POLL_MS);
        continue;
      }
      try {
        // Another process may have filled the cache between the look and the lock.
        const filled = await this.#fromCache(cache, slot, rejected);
        if (filled) return filled;
        const token = await this.#fetch();
        await cache.set(slot.key, sealToken(token.value, slot), token.refreshAt - Date.now());
        return token;
      } finally {
        await release();
      }
    }
  }

  async #fromCache(cache: ApsisTokenCache, slot: TokenCacheSlot, rejected: string | undefined): Promise<Token | undefined> {
    const sealed = await cache.get(slot.key);
    const value = sealed ? openToken(sealed, slot) : undefined;
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
