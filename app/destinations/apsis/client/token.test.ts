import { describe, expect, it } from "vitest";
import { ApsisTokenProvider, type ApsisTokenCache, forgetSharedToken, openToken, sealToken, tokenCacheSlot } from "./token";

const jwt = (claims: object) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
const hourFromNow = () => Math.floor(Date.now() / 1_000) + 3_600;
const APP_KEY = new Uint8Array(32).fill(3);
const BASE = "https://api.apsis.one";

/** A shared cache in memory (what Redis holds, visible to the test), with the lock always free. */
function memoryCache(appKey: Uint8Array = APP_KEY) {
  const store = new Map<string, string>();
  const locked: string[] = [];
  const cache: ApsisTokenCache = {
    appKey,
    get: async (key) => store.get(key),
    set: async (key, sealed) => void store.set(key, sealed),
    delete: async (key) => void store.delete(key),
    lock: async (key) => {
      locked.push(key);
      return async () => {};
    },
  };
  return { cache, store, locked };
}

/** A provider whose token endpoint issues a new token to `secret` and refuses (401) any other secret. */
function providerFor({ clientId = "client-b", clientSecret, cache, secret = "secret-b" }: { clientId?: string; clientSecret: string; cache?: ApsisTokenCache; secret?: string }) {
  const issued: string[] = [];
  let tokenRequests = 0;
  const fetch = async (_url: RequestInfo | URL, init?: RequestInit) => {
    tokenRequests += 1;
    const body = JSON.parse(String(init?.body)) as { client_secret: string };
    if (body.client_secret !== secret) return Response.json({ title: "Unauthorized", status: 401, detail: "Invalid client credentials" }, { status: 401 });
    const token = jwt({ exp: hourFromNow(), jti: `t${issued.length + 1}` });
    issued.push(token);
    return Response.json({ access_token: token });
  };
  const provider = new ApsisTokenProvider({ baseUrl: BASE, clientId, clientSecret, fetch, timeoutMs: 1_000, maxRetries: 0, sleep: async () => {}, cache });
  return { provider, issued, tokenRequests: () => tokenRequests };
}

describe("ApsisTokenProvider", () => {
  it("never hands back a rejected token, even one a refresh already under way found in the shared cache", async () => {
    const stale = jwt({ exp: hourFromNow(), jti: "stale" });
    const slot = tokenCacheSlot({ host: "api.apsis.one", clientId: "c", clientSecret: "s", appKey: APP_KEY });
    let cached: string | undefined = sealToken(stale, slot);
    const cache: ApsisTokenCache = { appKey: APP_KEY, get: async () => cached, set: async (_key, sealed) => void (cached = sealed) };
    let tokenRequests = 0;
    const fetch = async () => Response.json({ access_token: jwt({ exp: hourFromNow(), jti: `new${++tokenRequests}` }) });
    const provider = new ApsisTokenProvider({ baseUrl: BASE, clientId: "c", clientSecret: "s", fetch, timeoutMs: 1_000, maxRetries: 0, sleep: async () => {}, cache });

    const [plain, replacement] = await Promise.all([provider.get(), provider.get(stale)]);
    expect(plain).toBe(stale);
    expect(replacement).not.toBe(stale);
    expect(tokenRequests).toBe(1);
    expect(openToken(cached!, slot)).toBe(replacement);
    await expect(provider.get()).resolves.toBe(replacement);
  });
});

describe("the shared token cache: a token only for the holder of its secret", () => {
  it("a wrong secret with the right client id finds nothing cached and is refused by APSIS", async () => {
    const { cache, store } = memoryCache();
    const owner = providerFor({ clientSecret: "secret-b", cache });
    const token = await owner.provider.get();

    const intruder = providerFor({ clientSecret: "any-other-secret", cache });
    await expect(intruder.provider.get()).rejects.toMatchObject({ name: "ApsisAuthError", status: 401 });
    expect(intruder.tokenRequests()).toBe(1);
    // The owner's token is still there, and still its own.
    expect(store.size).toBe(1);
    const again = providerFor({ clientSecret: "secret-b", cache });
    await expect(again.provider.get()).resolves.toBe(token);
    expect(again.tokenRequests()).toBe(0);
  });

  it("holds neither the token, the secret nor the client id in clear, and keys by host, client id and secret", async () => {
    const { cache, store, locked } = memoryCache();
    const { provider } = providerFor({ clientSecret: "secret-b", cache });
    const token = await provider.get();
    const [[key, sealed]] = [...store];
    for (const clear of [token, token.split(".")[1], "secret-b", "client-b"]) {
      expect(key).not.toContain(clear);
      expect(sealed).not.toContain(clear);
    }
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    // The fetch lock is the slot's own: another secret's attempt never holds up this one.
    expect(locked).toEqual([key]);

    const slot = (over: Partial<Parameters<typeof tokenCacheSlot>[0]>) =>
      tokenCacheSlot({ host: "api.apsis.one", clientId: "client-b", clientSecret: "secret-b", appKey: APP_KEY, ...over }).key;
    expect(slot({})).toBe(key);
    const others = [slot({ clientSecret: "secret-c" }), slot({ clientId: "client-c" }), slot({ host: "api-apac.apsis.one" }), slot({ appKey: new Uint8Array(32).fill(4) })];
    expect(new Set([key, ...others]).size).toBe(5);
    // The parts are kept apart: moving a character from the client id to the secret is another slot.
    expect(tokenCacheSlot({ host: "h", clientId: "a", clientSecret: "bc", appKey: APP_KEY }).key).not.toBe(tokenCacheSlot({ host: "h", clientId: "ab", clientSecret: "c", appKey: APP_KEY }).key);
  });

  it("a token sealed for one secret does not open with another, even when found under the other's key", async () => {
    const right = tokenCacheSlot({ host: "api.apsis.one", clientId: "client-b", clientSecret: "secret-b", appKey: APP_KEY });
    const wrong = tokenCacheSlot({ host: "api.apsis.one", clientId: "client-b", clientSecret: "guess", appKey: APP_KEY });
    const otherApp = tokenCacheSlot({ host: "api.apsis.one", clientId: "client-b", clientSecret: "secret-b", appKey: new Uint8Array(32).fill(5) });
    const token = jwt({ exp: hourFromNow() });
    const sealed = sealToken(token, right);
    expect(openToken(sealed, right)).toBe(token);
    expect(openToken(sealed, wrong)).toBeUndefined();
    expect(openToken(sealed, otherApp)).toBeUndefined();
    // Bound to its key: the right secret's seal moved under another key does not open there.
    expect(openToken(sealed, { ...right, key: wrong.key })).toBeUndefined();
    // A plain token (what the cache held before), a truncated tag or garbage is a miss, not a token.
    expect(openToken(token, right)).toBeUndefined();
    const [version, iv, tag, ciphertext] = sealed.split(".");
    expect(openToken([version, iv, Buffer.from(tag, "base64url").subarray(0, 4).toString("base64url"), ciphertext].join("."), right)).toBeUndefined();
    expect(openToken("v1...", right)).toBeUndefined();

    // A provider with the wrong secret that finds the right one's seal under its own key still asks APSIS.
    const planted: ApsisTokenCache = { appKey: APP_KEY, get: async () => sealed, set: async () => {} };
    const intruder = providerFor({ clientSecret: "guess", cache: planted });
    await expect(intruder.provider.get()).rejects.toMatchObject({ name: "ApsisAuthError" });
    expect(intruder.tokenRequests()).toBe(1);
  });

  it("in process, too, a token stays with its provider's client id and secret", async () => {
    const owner = providerFor({ clientSecret: "secret-b" });
    await owner.provider.get();
    const intruder = providerFor({ clientSecret: "guess" });
    await expect(intruder.provider.get()).rejects.toMatchObject({ name: "ApsisAuthError" });
  });

  it("forgetSharedToken removes exactly the slot of those credentials", async () => {
    const { cache, store } = memoryCache();
    await providerFor({ clientSecret: "secret-b", cache }).provider.get();
    await providerFor({ clientId: "client-c", clientSecret: "secret-c", secret: "secret-c", cache }).provider.get();
    expect(store.size).toBe(2);
    await forgetSharedToken(cache, { baseUrl: BASE, clientId: "client-b", clientSecret: "guess" });
    expect(store.size).toBe(2);
    await forgetSharedToken(cache, { baseUrl: BASE, clientId: "client-b", clientSecret: "secret-b" });
    expect(store.size).toBe(1);
    const left = providerFor({ clientId: "client-c", clientSecret: "secret-c", secret: "secret-c", cache });
    await left.provider.get();
    expect(left.tokenRequests()).toBe(0);
  });

  it("refuses an app key too short to keep the cache's keys and seals secret", () => {
    expect(() => tokenCacheSlot({ host: "h", clientId: "c", clientSecret: "s", appKey: new Uint8Array(8) })).toThrow(/32 bytes/);
  });
});
