import { parseEnv } from "../../env.server";
import { APSIS_BASE_URLS, ApsisClient } from "./client/client";
import {
  ApsisApiError,
  ApsisAuthError,
  ApsisConflictError,
  ApsisMalformedResponseError,
  ApsisNotFoundError,
  ApsisPayloadTooLargeError,
  ApsisRateLimitError,
  ApsisUnavailableError,
  ApsisValidationError,
} from "./client/errors";
import { createRedisApsisLimiter } from "./client/redis-limiter.server";
import { createRedisTokenCache } from "./client/redis-token-cache.server";
import { type ApsisTokenCache, forgetSharedToken } from "./client/token";
import { type ApsisRegion, getApsisConnectionWithSecret } from "../../models/apsis-connection.server";
import { getRedis } from "../../redis.server";
import { decryptSecret } from "../../utils/crypto.server";

/**
 * How the app reaches a shop's APSIS One account: a client on the region's API (or APSIS_BASE_URL), whose
 * tokens are shared by every process through Redis (one token request per token lifetime, not one per
 * worker) and whose every request — retries included — takes a slot from the account's limiter in Redis
 * (100 requests/s per account, 10/s per profile key, shared by all workers).
 *
 * A shared token is found only with the client id AND the secret it was issued for (token.ts), and a
 * credential check never uses one at all (createApsisClientToVerify).
 *
 * The limiter is keyed by the API key's client id: APSIS counts per account, and the app cannot tell which
 * account a key belongs to. Two shops connected with two keys of ONE account each get the full rate, and may
 * together meet APSIS's 429s — which the client waits out (Retry-After) without failing anything. The client
 * id alone is enough here: a slot is taken only for a request that carries a token, and only the secret's
 * holder has one, so someone typing another shop's client id with a wrong secret never spends that shop's rate
 * (the token request itself is outside the limiter).
 */
export type ApsisCredentials = { region: ApsisRegion; clientId: string; clientSecret: string };

export function apsisBaseUrl(region: ApsisRegion): string {
  return parseEnv().APSIS_BASE_URL ?? APSIS_BASE_URLS[region];
}

export type ApsisClientTuning = { maxRetries?: number; timeoutMs?: number };

function sharedTokenCache() {
  const env = parseEnv();
  return createRedisTokenCache({ redis: getRedis(), prefix: env.REDIS_PREFIX, credentialsKey: env.CREDENTIALS_ENCRYPTION_KEY });
}

function buildClient({ region, clientId, clientSecret }: ApsisCredentials, tuning: ApsisClientTuning, tokenCache: ApsisTokenCache | undefined) {
  return new ApsisClient({
    baseUrl: apsisBaseUrl(region),
    clientId,
    clientSecret,
    tokenCache,
    limiter: createRedisApsisLimiter({ redis: getRedis(), prefix: parseEnv().REDIS_PREFIX, account: `${region}-${clientId}` }),
    ...tuning,
  });
}

export function createApsisClient(credentials: ApsisCredentials, tuning: ApsisClientTuning = {}) {
  return buildClient(credentials, tuning, sharedTokenCache());
}

/**
 * A client for credentials a merchant has just typed: its first request makes a token request of its own, so
 * APSIS itself proves the secret. A token some process cached for these credentials would do as well (it is
 * found only with the same secret), but a check must also catch a key revoked since that token was issued.
 */
export function createApsisClientToVerify(credentials: ApsisCredentials, tuning: ApsisClientTuning) {
  return buildClient(credentials, tuning, undefined);
}

/** Removes the shared token of these credentials from Redis (a redacted shop leaves none behind). */
export async function forgetApsisToken({ region, clientId, clientSecret }: ApsisCredentials): Promise<void> {
  await forgetSharedToken(sharedTokenCache(), { baseUrl: apsisBaseUrl(region), clientId, clientSecret });
}

/** For requests a merchant waits on (forms): fewer retries and a shorter deadline than a sync's. */
export const INTERACTIVE: ApsisClientTuning = { maxRetries: 1, timeoutMs: 15_000 };

export class ApsisNotConnectedError extends Error {
  readonly status = 409;
  constructor(readonly shop: string) {
    super("APSIS One is not connected: connect it first.");
    this.name = "ApsisNotConnectedError";
  }
}

/** The shop's stored connection with a client for it; null when not connected. */
export async function openApsisConnection({ shopId }: { shopId: string }, tuning: ApsisClientTuning = {}) {
  const connection = await getApsisConnectionWithSecret({ shopId });
  if (!connection) return null;
  const clientSecret = decryptSecret(connection.clientSecretEncrypted, parseEnv().CREDENTIALS_ENCRYPTION_KEY);
  const region = connection.region === "apac" ? "apac" : "eu";
  const client = createApsisClient({ region, clientId: connection.clientId, clientSecret }, tuning);
  return { connection, client };
}

export const RECONNECT_MESSAGE = "APSIS One rejected the saved API key — reconnect APSIS One with the client id and secret of an active API key.";

/** APSIS's own words for a refused request: "title: detail" (what SyncFailure.reason shows). */
export function apsisReason(error: ApsisApiError): string {
  const said = [error.title, error.detail].filter(Boolean).join(": ");
  return said || error.message;
}

/** What a merchant is told when APSIS refuses or fails (a sentence for the page, not a stack trace). */
export function describeApsisError(error: unknown): string {
  if (error instanceof ApsisAuthError) return RECONNECT_MESSAGE;
  if (error instanceof ApsisRateLimitError) return "APSIS One kept asking the app to slow down (HTTP 429). Try again in a few minutes.";
  if (error instanceof ApsisUnavailableError) {
    return `APSIS One is not available right now (${error.status ? `HTTP ${error.status}${error.title ? ` ${error.title}` : ""}` : "no answer"}). Try again later.`;
  }
  if (error instanceof ApsisNotFoundError) return `APSIS One could not find it: ${apsisReason(error)}`;
  if (error instanceof ApsisValidationError || error instanceof ApsisConflictError) return `APSIS One refused the request: ${apsisReason(error)}`;
  if (error instanceof ApsisPayloadTooLargeError) return "The profile's data is over APSIS One's 100 kB limit.";
  if (error instanceof ApsisMalformedResponseError) return "APSIS One answered in a way the app does not understand. Try again later; if it persists, contact support.";
  if (error instanceof ApsisApiError) return error.message;
  return "Something went wrong talking to APSIS One. Try again later.";
}
