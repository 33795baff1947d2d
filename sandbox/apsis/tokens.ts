/**
 * The token endpoint (docs/apis/apsis-one-api.md §2): client credentials as JSON (all official examples) or
 * form-encoded (APSIS's Drupal module), answered with a JWT-shaped token whose `exp` is authoritative, and
 * 10 requests a minute per account. Bearer tokens are then checked on every other call.
 */
import { createHmac, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { TOKEN_PATH } from "../../app/destinations/apsis/client/token";
import { parseParams, readBody, sendJson } from "../shopify/http";
import type { SandboxAccount } from "./account";
import { ApsisProblem, tooManyRequests } from "./problem";

const SIGNING_SECRET = randomUUID();

export async function handleToken(
  request: IncomingMessage,
  response: ServerResponse,
  { accounts, issuer, ttlSeconds }: { accounts: Map<string, SandboxAccount>; issuer: string; ttlSeconds: number },
): Promise<void> {
  const params = parseParams(await readBody(request), request.headers["content-type"]);
  if (!params) throw new ApsisProblem(400, "The body must be JSON or form-encoded");
  const account = accounts.get(typeof params.client_id === "string" ? params.client_id : "");
  account?.count(`POST ${TOKEN_PATH}`);
  if (params.grant_type !== "client_credentials") throw new ApsisProblem(400, "grant_type must be client_credentials");
  if (!account) throw new ApsisProblem(401, "Invalid client credentials");
  const waitMs = account.admit("token");
  if (waitMs > 0) {
    account.count429();
    throw tooManyRequests("Token request limit reached (10 per minute per account)", waitMs);
  }
  if (params.client_secret !== account.config.clientSecret) throw new ApsisProblem(401, "Invalid client credentials");

  const iat = Math.floor(Date.now() / 1_000);
  const exp = iat + ttlSeconds;
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${part({ alg: "RS256", typ: "JWT", kid: "apsis-sandbox" })}.${part({ iss: issuer, sub: account.config.clientId, aud: "one-api", iat, exp, jti: randomUUID() })}`;
  const token = `${unsigned}.${createHmac("sha256", SIGNING_SECRET).update(unsigned).digest("base64url")}`;
  account.addToken(token, exp * 1_000);
  sendJson(response, 200, { access_token: token, expires_in: ttlSeconds, token_type: "Bearer" });
}

/** The account a valid, unexpired bearer token was issued to; 401 otherwise. */
export function authenticate(header: string | undefined, accounts: Map<string, SandboxAccount>): SandboxAccount {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
  if (!token) throw new ApsisProblem(401, "Missing bearer token", { "www-authenticate": 'Bearer realm="APSIS One API"' });
  const account = accounts.get(subjectOf(token) ?? "");
  if (!account?.hasValidToken(token)) throw new ApsisProblem(401, "The access token is invalid or has expired", { "www-authenticate": 'Bearer error="invalid_token"' });
  return account;
}

function subjectOf(token: string): string | undefined {
  try {
    const { sub } = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { sub?: unknown };
    return typeof sub === "string" ? sub : undefined;
  } catch {
    return undefined;
  }
}
