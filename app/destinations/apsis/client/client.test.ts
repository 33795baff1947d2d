import { afterEach, describe, expect, it, vi } from "vitest";
import { currentVersionId } from "../rules/attribute-values";
import { ApsisClient, type ApsisClientOptions } from "./client";
import {
  ApsisAuthError,
  ApsisConflictError,
  ApsisMalformedResponseError,
  ApsisPayloadTooLargeError,
  ApsisRateLimitError,
  ApsisUnavailableError,
  ApsisValidationError,
} from "./errors";
import { type ApsisTokenCache, sealToken, tokenCacheSlot } from "./token";

interface SeenRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string | FormData | undefined;
}

type Reply = Response | Error | (() => Response);

const BASE = "https://api.apsis.one";
const CLIENT_ID = "b49b39a0-82a1-11ec-8017-5d554e8551d6";
const CLIENT_SECRET = "s3cr3t";
const APP_KEY = new Uint8Array(32).fill(9);
const HOUR_S = 3_600;

/** A JWT-shaped token whose payload carries the claims (the signature is never checked by the client). */
function jwt(claims: { exp: number; iat?: number; jti?: string }): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}.c2ln`;
}

const nowS = () => Math.floor(Date.now() / 1_000);
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const problem = (status: number, title: string, detail: string, headers: Record<string, string> = {}) => json({ title, status, detail }, status, headers);
const empty = (status: number) => new Response(null, { status });

/**
 * A client whose fetch answers /oauth/token with fresh JWTs (or `tokenReplies`) and every other request with
 * the next reply in line (the last one repeats); records every request and every sleep.
 */
function clientWith(replies: Reply[], { tokenReplies, ...options }: Partial<ApsisClientOptions> & { tokenReplies?: Reply[] } = {}) {
  const tokenRequests: SeenRequest[] = [];
  const requests: SeenRequest[] = [];
  const sleeps: number[] = [];
  let issued = 0;
  const next = (queue: Reply[]) => {
    const reply = queue.length > 1 ? queue.shift()! : queue[0];
    if (reply instanceof Error) throw reply;
    return typeof reply === "function" ? reply() : reply.clone();
  };
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const seen = { method: init?.method ?? "GET", url, headers: new Headers(init?.headers), body: init?.body as string | FormData | undefined };
    await Promise.resolve(); // let concurrent callers pile up, as a real network would
    if (url.pathname === "/oauth/token") {
      tokenRequests.push(seen);
      if (tokenReplies) return next(tokenReplies);
      return json({ access_token: jwt({ exp: nowS() + 24 * HOUR_S, iat: nowS() - 3 * HOUR_S, jti: `t${++issued}` }), expires_in: 86_400, token_type: "Bearer" });
    }
    requests.push(seen);
    return next(replies);
  });
  const client = new ApsisClient({
    baseUrl: `${BASE}/`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    fetch,
    sleep: async (ms) => void sleeps.push(ms),
    ...options,
  });
  return { client, requests, tokenRequests, sleeps };
}

const KEYSPACES = json({ items: [{ discriminator: "com.apsis1.keyspaces.email", name: "Email" }] });
const bearerOf = (request: SeenRequest) => request.headers.get("authorization");

afterEach(() => {
  vi.useRealTimers();
});

describe("ApsisClient tokens", () => {
  it("asks for a token with a JSON client-credentials body, caches it, and shares one request among concurrent callers", async () => {
    const { client, requests, tokenRequests } = clientWith([KEYSPACES]);
    const results = await Promise.all(Array.from({ length: 5 }, () => client.keyspaces.list()));
    expect(results[4]).toEqual([{ discriminator: "com.apsis1.keyspaces.email", name: "Email" }]);
    await client.keyspaces.list();
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0].url.href).toBe(`${BASE}/oauth/token`);
    expect(tokenRequests[0].headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(String(tokenRequests[0].body))).toEqual({ grant_type: "client_credentials", client_id: "b49b39a0-82a1-11ec-8017-5d554e8551d6", client_secret: "s3cr3t" });
    expect(requests).toHaveLength(6);
    expect(new Set(requests.map(bearerOf)).size).toBe(1);
    expect(bearerOf(requests[0])).toMatch(/^Bearer eyJ/);
  });

  it("fetches a new token shortly before the JWT's exp, not on expires_in", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.parse("2026-05-01T12:00:00Z");
    vi.setSystemTime(start);
    const token = (exp: number) => json({ access_token: jwt({ exp, iat: start / 1_000 }), expires_in: 86_400 });
    const { client, tokenRequests } = clientWith([KEYSPACES], { tokenReplies: [token(start / 1_000 + HOUR_S), token(start / 1_000 + 2 * HOUR_S)] });
    await client.keyspaces.list();
    vi.setSystemTime(start + HOUR_S * 1_000 - 2 * 60_000);
    await client.keyspaces.list();
    expect(tokenRequests).toHaveLength(1);
    vi.setSystemTime(start + HOUR_S * 1_000 - 30_000); // inside the last minute
    await client.keyspaces.list();
    expect(tokenRequests).toHaveLength(2);
  });

  it("falls back to expires_in when the token is not a readable JWT", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse("2026-05-01T12:00:00Z"));
    const { client, tokenRequests } = clientWith([KEYSPACES], { tokenReplies: [json({ access_token: "opaque", expires_in: 600 })] });
    await client.keyspaces.list();
    vi.setSystemTime(Date.parse("2026-05-01T12:08:00Z"));
    await client.keyspaces.list();
    vi.setSystemTime(Date.parse("2026-05-01T12:09:30Z"));
    await client.keyspaces.list();
    expect(tokenRequests).toHaveLength(2);
  });

  it("on 401 fetches one new token and retries the call with it", async () => {
    const { client, requests, tokenRequests } = clientWith([problem(401, "Unauthorized", "Token expired"), KEYSPACES]);
    await expect(client.keyspaces.list()).resolves.toHaveLength(1);
    expect(tokenRequests).toHaveLength(2);
    expect(requests).toHaveLength(2);
    expect(bearerOf(requests[1])).not.toBe(bearerOf(requests[0]));
  });

  it("throws ApsisAuthError, asking to reconnect, when the new token is refused too", async () => {
    const { client, requests, tokenRequests } = clientWith([problem(401, "Unauthorized", "Invalid token")]);
    const error = await client.sections.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApsisAuthError);
    expect(error).toMatchObject({ status: 401, title: "Unauthorized", detail: "Invalid token", method: "GET", path: "/audience/sections" });
    expect((error as Error).message).toMatch(/Reconnect APSIS One/);
    expect(requests).toHaveLength(2);
    expect(tokenRequests).toHaveLength(2);
  });

  it("does not refresh a young token on 403 (a refused permission), so the token endpoint is not spent", async () => {
    const young = json({ access_token: jwt({ exp: nowS() + HOUR_S, iat: nowS() }) });
    const { client, requests, tokenRequests } = clientWith([problem(403, "Forbidden", "Attribute not writable")], { tokenReplies: [young] });
    const error = await client.profiles.setAttributes({ keyspace: "ks", profileKey: "1", section: "s", attributes: { a: "b" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApsisAuthError);
    expect((error as Error).message).toMatch(/lack permission/);
    expect(requests).toHaveLength(1);
    expect(tokenRequests).toHaveLength(1);
  });

  it("refreshes a token of some age on 403 (APSIS has answered 403 for expired tokens)", async () => {
    const { client, requests, tokenRequests } = clientWith([problem(403, "Forbidden", "Token expired"), KEYSPACES]);
    await expect(client.keyspaces.list()).resolves.toHaveLength(1);
    expect(tokenRequests).toHaveLength(2);
    expect(requests).toHaveLength(2);
  });

  it("turns a refused client id or secret into ApsisAuthError without retrying", async () => {
    for (const status of [400, 401, 403]) {
      const { client, requests, tokenRequests } = clientWith([KEYSPACES], { tokenReplies: [problem(status, "Unauthorized", "Invalid client credentials")] });
      await expect(client.keyspaces.list()).rejects.toMatchObject({ name: "ApsisAuthError", status, path: "/oauth/token" });
      expect(tokenRequests).toHaveLength(1);
      expect(requests).toHaveLength(0);
    }
  });

  it("shares tokens through a tokenCache: a second client (another worker) makes no token request", async () => {
    const store = new Map<string, { token: string; ttlMs: number }>();
    const tokenCache: ApsisTokenCache = {
      appKey: APP_KEY,
      get: async (key) => store.get(key)?.token,
      set: async (key, token, ttlMs) => void store.set(key, { token, ttlMs }),
      lock: async () => async () => {},
    };
    const first = clientWith([KEYSPACES], { tokenCache });
    const second = clientWith([KEYSPACES], { tokenCache });
    await first.client.keyspaces.list();
    await second.client.keyspaces.list();
    expect(first.tokenRequests).toHaveLength(1);
    expect(second.tokenRequests).toHaveLength(0);
    expect(bearerOf(second.requests[0])).toBe(bearerOf(first.requests[0]));
    const [[key, { token, ttlMs }]] = [...store];
    // Keyed and sealed by the secret too (token.test.ts): neither the client id nor the token is in the cache.
    expect(key).toBe(tokenCacheSlot({ host: "api.apsis.one", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, appKey: APP_KEY }).key);
    expect(token).not.toContain(bearerOf(first.requests[0])!.slice("Bearer ".length));
    expect(ttlMs).toBeGreaterThan(23 * HOUR_S * 1_000);
  });

  it("waits while another process holds the token lock, then uses the token it cached", async () => {
    let cached: string | undefined;
    const other = jwt({ exp: nowS() + HOUR_S, iat: nowS() - HOUR_S });
    const slot = tokenCacheSlot({ host: "api.apsis.one", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, appKey: APP_KEY });
    const tokenCache: ApsisTokenCache = { appKey: APP_KEY, get: async () => cached, set: async () => {}, lock: async () => null };
    const { client, requests, tokenRequests, sleeps } = clientWith([KEYSPACES], {
      tokenCache,
      sleep: async (ms) => {
        sleeps.push(ms);
        cached = sealToken(other, slot); // the other process finished while we waited
      },
    });
    await client.keyspaces.list();
    expect(tokenRequests).toHaveLength(0);
    expect(sleeps).toEqual([250]);
    expect(bearerOf(requests[0])).toBe(`Bearer ${other}`);
  });
});

describe("ApsisClient retries and errors", () => {
  it("waits what Retry-After (seconds) asks on 429, then succeeds", async () => {
    const { client, requests, sleeps } = clientWith([problem(429, "Too Many Requests", "Rate limit", { "retry-after": "2" }), KEYSPACES]);
    await expect(client.keyspaces.list()).resolves.toHaveLength(1);
    expect(sleeps).toEqual([2_000]);
    expect(requests).toHaveLength(2);
  });

  it("leaves a Retry-After longer than 30 s to the job: ApsisRateLimitError with retryAfterMs, no retry", async () => {
    const { client, requests } = clientWith([problem(429, "Too Many Requests", "Slow down", { "retry-after": "120" })]);
    await expect(client.keyspaces.list()).rejects.toMatchObject({ name: "ApsisRateLimitError", retryAfterMs: 120_000 });
    expect(requests).toHaveLength(1);
  });

  it("backs off with jitter on 5xx and network failures, then throws ApsisUnavailableError", async () => {
    const { client, requests, sleeps } = clientWith([problem(503, "Service unavailable", "Connection to database timed out"), new TypeError("fetch failed")], { maxRetries: 2 });
    const error = await client.sections.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApsisUnavailableError);
    expect((error as Error).message).toMatch(/No answer from api.apsis.one/);
    expect(requests).toHaveLength(3);
    expect(sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(sleeps[0]).toBeLessThanOrEqual(1_000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1_000);
    expect(sleeps[1]).toBeLessThanOrEqual(2_000);
  });

  it("does not retry 413 (the body is too large however often it is sent)", async () => {
    const { client, requests } = clientWith([problem(413, "Payload Too Large", "Max 100KB")]);
    const attributes = { "com.apsis1.attributes.firstname": "x".repeat(200_000) };
    await expect(client.profiles.setAttributes({ keyspace: "ks", profileKey: "1", section: "s", attributes })).rejects.toBeInstanceOf(ApsisPayloadTooLargeError);
    expect(requests).toHaveLength(1);
  });

  it("parses APSIS's {title, status, detail} into the typed error, and copes with a body that is not JSON", async () => {
    const { client } = clientWith([problem(400, "Bad Request", "Unknown attribute usercreated.attributes.x")]);
    const error = await client.profiles.setAttributes({ keyspace: "ks", profileKey: "1", section: "sec", attributes: { "usercreated.attributes.x": 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApsisValidationError);
    expect(error).toMatchObject({
      status: 400,
      title: "Bad Request",
      detail: "Unknown attribute usercreated.attributes.x",
      method: "PATCH",
      path: "/v2/audience/keyspaces/ks/profiles/1/sections/sec/attributes",
    });
    const html = clientWith([new Response("<html>Bad gateway</html>", { status: 502 })], { maxRetries: 0 });
    await expect(html.client.keyspaces.list()).rejects.toMatchObject({ name: "ApsisUnavailableError", status: 502, title: "HTTP 502", detail: "<html>Bad gateway</html>" });
  });

  it("reports an answer of the wrong shape as ApsisMalformedResponseError", async () => {
    const { client } = clientWith([json({ items: [{ name: "no discriminator" }] })]);
    await expect(client.keyspaces.list()).rejects.toThrow(ApsisMalformedResponseError);
    await expect(client.keyspaces.list()).rejects.toThrow(/unexpected shape at items.0.discriminator/);
  });

  it("never retries imports.create, even on 503", async () => {
    const { client, requests } = clientWith([problem(503, "Service unavailable", "Try later")]);
    const body = { keyspace_mapping: { keyspace_discriminator: "ks", field_selector: "id" }, attribute_mappings: [] };
    await expect(client.imports.create({ section: "s", body })).rejects.toBeInstanceOf(ApsisUnavailableError);
    expect(requests).toHaveLength(1);
  });
});

describe("ApsisClient calls", () => {
  it("URL-encodes an email profile key and sends attributes as a merge patch", async () => {
    const { client, requests } = clientWith([empty(204)]);
    await client.profiles.setAttributesV1({
      keyspace: "com.apsis1.keyspaces.email",
      profileKey: "anna+shop/1@example.com",
      section: "usercreated.sections.global-abc",
      byVersionId: { "9820534": "Anna", "312460234": null },
    });
    const [request] = requests;
    expect(request.method).toBe("PATCH");
    expect(request.url.pathname).toBe("/audience/keyspaces/com.apsis1.keyspaces.email/profiles/anna%2Bshop%2F1%40example.com/sections/usercreated.sections.global-abc/attributes");
    expect(request.headers.get("content-type")).toBe("application/merge-patch+json");
    expect(JSON.parse(String(request.body))).toEqual({ "9820534": "Anna", "312460234": null });
  });

  it("maps profile creation and deletion answers", async () => {
    const { client, requests } = clientWith([empty(201), problem(409, "Conflict", "Profile exists"), empty(204), problem(404, "Not Found", "No profile")]);
    const profile = { keyspace: "com.apsis1.keyspaces.email", profileKey: "a@b.se" };
    await expect(client.profiles.create({ ...profile, section: "s" })).resolves.toBe("created");
    await expect(client.profiles.create({ ...profile, section: "s" })).resolves.toBe("exists");
    await expect(client.profiles.delete(profile)).resolves.toBe("deleted");
    await expect(client.profiles.delete(profile)).resolves.toBe("absent");
    expect(requests[0].url.pathname).toBe("/audience/keyspaces/com.apsis1.keyspaces.email/sections/s/profiles");
    expect(JSON.parse(String(requests[0].body))).toEqual({ profile_key: "a@b.se" });
    expect(requests[2]).toMatchObject({ method: "DELETE" });
    expect(requests[2].url.pathname).toBe("/audience/keyspaces/com.apsis1.keyspaces.email/profiles/a%40b.se");
  });

  it("writes Consent 2.0 and maps 201/204/409 to created/updated/unchanged", async () => {
    const { client, requests } = clientWith([empty(201), empty(204), problem(409, "Conflict", "Same type")]);
    const consent = {
      keyspace: "ks",
      profileKey: "42",
      section: "s",
      channel: "com.apsis1.channels.email",
      topic: "usercreated.topics.news-abc",
      type: "opt-in",
      reason: "Accepted marketing in Shopify",
      source: "Shopify",
    } as const;
    expect([await client.consents.write(consent), await client.consents.write(consent), await client.consents.write(consent)]).toEqual(["created", "updated", "unchanged"]);
    expect(requests[0].url.pathname).toBe("/v2/audience/keyspaces/ks/profiles/42/sections/s/consents");
    expect(JSON.parse(String(requests[0].body))).toEqual({
      channel_discriminator: "com.apsis1.channels.email",
      topic_discriminator: "usercreated.topics.news-abc",
      type: "opt-in",
      reason: "Accepted marketing in Shopify",
      source: "Shopify",
    });
  });

  it("reads consents filtered by repeated consent_types", async () => {
    const item = { channel_discriminator: "com.apsis1.channels.sms", topic_discriminator: "t", type: "opt-in", reason: "r", source: "s", modified_at: "2026-01-01T00:00:00Z" };
    const { client, requests } = clientWith([json({ items: [item] })]);
    await expect(client.consents.list({ keyspace: "ks", profileKey: "42", section: "s", types: ["opt-in", "confirmed-opt-in"] })).resolves.toEqual([item]);
    expect(requests[0].url.search).toBe("?consent_types=opt-in&consent_types=confirmed-opt-in");
  });

  it("sends events with ISO times and version ids", async () => {
    const { client, requests } = clientWith([empty(204)]);
    await client.events.add({
      keyspace: "ks",
      profileKey: "42",
      section: "s",
      items: [{ versionId: "777", eventTime: new Date("2026-05-01T12:00:00Z"), data: { orderId: 1001, total: 99.5 } }],
    });
    expect(requests[0].url.pathname).toBe("/audience/keyspaces/ks/profiles/42/sections/s/events");
    expect(JSON.parse(String(requests[0].body))).toEqual({ items: [{ event_time: "2026-05-01T12:00:00.000Z", version_id: "777", data: { orderId: 1001, total: 99.5 } }] });
  });

  it("lists attribute definitions with string version ids, and picks the current version", async () => {
    const attribute = { discriminator: "com.apsis1.attributes.email", name: "Email", versions: [{ id: 1, deprecated_at: "2024-01-01T00:00:00Z" }, { id: "9820534", deprecated_at: null }] };
    const { client, requests } = clientWith([json({ items: [attribute] })]);
    const [listed] = await client.attributes.list({ section: "usercreated.sections.global-abc" });
    expect(listed.versions).toEqual([{ id: "1", deprecated_at: "2024-01-01T00:00:00Z" }, { id: "9820534", deprecated_at: null }]);
    expect(currentVersionId(listed)).toBe("9820534");
    expect(currentVersionId({ versions: [] })).toBeNull();
    expect(requests[0].url.pathname).toBe("/audience/sections/usercreated.sections.global-abc/attributes");
  });

  it("uploads an import file as multipart with APSIS's fields first and no bearer token", async () => {
    const { client, requests } = clientWith([empty(204)]);
    await client.imports.upload({ url: "https://s3.eu-west-1.amazonaws.com/bucket", fields: { key: "imports/1.csv", policy: "abc" }, csv: "id,email\n1,a@b.se\n" });
    const [request] = requests;
    expect(request.headers.get("authorization")).toBeNull();
    const form = request.body as FormData;
    expect([...form.keys()]).toEqual(["key", "policy", "file"]);
    await expect((form.get("file") as File).text()).resolves.toBe("id,email\n1,a@b.se\n");
  });

  it("does not read an expired upload URL (403 from S3) as bad credentials", async () => {
    const { client } = clientWith([new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403 })]);
    const error = await client.imports.upload({ url: "https://s3.eu-west-1.amazonaws.com/b", fields: {}, csv: "" }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ApsisAuthError);
    expect((error as Error).message).toMatch(/create a new import/);
  });

  it("sends the customers' file only to Amazon S3 over HTTPS (or the API's own origin), whatever URL APSIS answers", async () => {
    for (const url of ["https://evil.example/s3.eu-west-1.amazonaws.com", "http://s3.eu-west-1.amazonaws.com/b", "https://s3.eu-west-1.amazonaws.com.evil.example/b", "not a url"]) {
      const { client, requests } = clientWith([empty(204)]);
      const error = await client.imports.upload({ url, fields: {}, csv: "1,a@b.se\n" }).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(ApsisMalformedResponseError);
      expect(requests, url).toEqual([]);
    }
    for (const url of ["https://s3.ap-southeast-1.amazonaws.com/b", "https://bucket.s3.eu-west-1.amazonaws.com/k", "https://s3-eu-west-1.amazonaws.com/b"]) {
      const { client, requests } = clientWith([empty(204)]);
      await client.imports.upload({ url, fields: {}, csv: "" });
      expect(requests, url).toHaveLength(1);
    }
  });

  it("keeps 409 from other calls as ApsisConflictError", async () => {
    const { client } = clientWith([problem(409, "Conflict", "Email belongs to another profile")]);
    await expect(client.profiles.setAttributes({ keyspace: "ks", profileKey: "1", section: "s", attributes: { "com.apsis1.attributes.email": "b@c.se" } })).rejects.toBeInstanceOf(
      ApsisConflictError,
    );
  });

  it("does not read an unrelated error as a rate limit", async () => {
    const { client } = clientWith([problem(410, "Gone", "Profile is locked")]);
    const error = await client.profiles.delete({ keyspace: "ks", profileKey: "1" }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ApsisRateLimitError);
    expect(error).toMatchObject({ name: "ApsisApiError", status: 410 });
  });
});
