/**
 * Session tokens (the JWT App Bridge hands the app) and a shop's access tokens.
 *
 * Session tokens are HS256 JWTs signed with the app's secret, with Shopify's claims (iss, dest, aud, sub,
 * exp, nbf, iat, jti, sid, sig), as @shopify/shopify-api's decodeSessionToken checks them.
 * Access tokens follow Shopify's expiring offline tokens: an access token lives `ttlSeconds` (1 h), a refresh
 * token 90 days, and a refresh token is ROTATED on use: spending one a second time is `invalid_grant`.
 * (Shopify's changelog of 2026-08-28 relaxes this: a used refresh token may be retried until its replacement
 * is used. The sandbox keeps the strict rule on purpose, so two workers refreshing at once are caught.)
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

export type SessionTokenClaims = {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
  sig: string;
};

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export function signJwt(payload: object, secret: string): string {
  const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(payload))}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

/** Same clock tolerance as the library (JWT_PERMITTED_CLOCK_TOLERANCE). */
const CLOCK_TOLERANCE_SECONDS = 10;

export type JwtCheck = { ok: true; claims: SessionTokenClaims } | { ok: false; reason: string };

export function verifySessionToken(token: string, options: { secret: string; apiKey: string; shop: string; nowMs?: number }): JwtCheck {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "is not a JWT" };
  const [header, payload, signature] = parts;
  const expected = createHmac("sha256", options.secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "has an invalid signature" };
  let claims: SessionTokenClaims;
  try {
    if (JSON.parse(Buffer.from(header, "base64url").toString()).alg !== "HS256") return { ok: false, reason: "is not HS256" };
    claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  } catch {
    return { ok: false, reason: "is not valid JSON" };
  }
  const now = (options.nowMs ?? Date.now()) / 1000;
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_TOLERANCE_SECONDS < now) return { ok: false, reason: "has expired" };
  if (typeof claims.nbf !== "number" || claims.nbf - CLOCK_TOLERANCE_SECONDS > now) return { ok: false, reason: "is not valid yet" };
  if (claims.aud !== options.apiKey) return { ok: false, reason: "was issued for another app (aud)" };
  if (claims.dest !== `https://${options.shop}`) return { ok: false, reason: "was issued for another shop (dest)" };
  if (claims.iss !== `https://${options.shop}/admin`) return { ok: false, reason: "has the wrong issuer (iss)" };
  return { ok: true, claims };
}

/** The staff member the sandbox's admin is "logged in" as. */
const SANDBOX_STAFF_USER_ID = "70000000001";
const SESSION_TOKEN_TTL_SECONDS = 60;

export function mintSessionToken(options: { shop: string; apiKey: string; apiSecret: string; nowMs?: number }): string {
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const claims: SessionTokenClaims = {
    iss: `https://${options.shop}/admin`,
    dest: `https://${options.shop}`,
    aud: options.apiKey,
    sub: SANDBOX_STAFF_USER_ID,
    exp: now + SESSION_TOKEN_TTL_SECONDS,
    nbf: now,
    iat: now,
    jti: randomUUID(),
    sid: randomBytes(16).toString("hex"),
    sig: randomBytes(32).toString("hex"),
  };
  return signJwt(claims, options.apiSecret);
}

const REFRESH_TOKEN_TTL_SECONDS = 90 * 24 * 3600;
const ONLINE_TOKEN_TTL_SECONDS = 86_399;

type AccessToken = { scope: string; expiresAt: number | null };
type RefreshToken = { expiresAt: number; used: boolean };

/** The fields Shopify's token endpoint answers with (library: create-session.mjs reads them). */
export type AccessTokenResponse = {
  access_token: string;
  scope: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
  associated_user_scope?: string;
  associated_user?: Record<string, unknown>;
};

export type RefreshResult = { ok: true; body: AccessTokenResponse } | { ok: false; description: string };

export class ShopTokens {
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();

  constructor(
    private readonly scope: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issueOffline(expiring: boolean): AccessTokenResponse {
    if (!expiring) return { access_token: this.newAccessToken("shpat", null), scope: this.scope };
    return this.issueExpiringPair();
  }

  issueOnline(userId: string): AccessTokenResponse {
    return {
      access_token: this.newAccessToken("shpua", ONLINE_TOKEN_TTL_SECONDS),
      scope: this.scope,
      expires_in: ONLINE_TOKEN_TTL_SECONDS,
      associated_user_scope: this.scope,
      associated_user: {
        id: Number(userId),
        first_name: "Sandbox",
        last_name: "Merchant",
        email: "merchant@example.com",
        account_owner: true,
        locale: "en",
        collaborator: false,
        email_verified: true,
      },
    };
  }

  refresh(refreshToken: string): RefreshResult {
    const record = this.refreshTokens.get(refreshToken);
    if (!record) return { ok: false, description: "The refresh token is invalid." };
    if (record.used) return { ok: false, description: "The refresh token has already been used; refresh tokens are rotated on every use." };
    if (record.expiresAt <= this.now()) return { ok: false, description: "The refresh token has expired." };
    record.used = true;
    return { ok: true, body: this.issueExpiringPair() };
  }

  /** The token's scope, or null for an unknown or expired token. */
  authenticate(accessToken: string): string | null {
    const record = this.accessTokens.get(accessToken);
    if (!record || (record.expiresAt !== null && record.expiresAt <= this.now())) return null;
    return record.scope;
  }

  /** Every access token issued so far stops working; refresh tokens stay valid (for refresh tests). */
  expireAccessTokens(): void {
    const now = this.now();
    for (const record of this.accessTokens.values()) record.expiresAt = Math.min(record.expiresAt ?? now, now);
  }

  private issueExpiringPair(): AccessTokenResponse {
    const refreshToken = `shprt_${randomBytes(16).toString("hex")}`;
    this.refreshTokens.set(refreshToken, { expiresAt: this.now() + REFRESH_TOKEN_TTL_SECONDS * 1000, used: false });
    return {
      access_token: this.newAccessToken("shpat", this.ttlSeconds),
      scope: this.scope,
      expires_in: this.ttlSeconds,
      refresh_token: refreshToken,
      refresh_token_expires_in: REFRESH_TOKEN_TTL_SECONDS,
    };
  }

  private newAccessToken(prefix: string, ttlSeconds: number | null): string {
    const token = `${prefix}_${randomBytes(16).toString("hex")}`;
    this.accessTokens.set(token, { scope: this.scope, expiresAt: ttlSeconds === null ? null : this.now() + ttlSeconds * 1000 });
    return token;
  }
}
