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
import { apsisRateKey, createRedisApsisLimiter } from "./client/redis-limiter.server";
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

/** The limiter's account: APSIS's limits hold per account, and the region and client id identify it. */
const limiterAccount = ({ region, clientId }: Pick<ApsisCredentials, "region" | "clientId">) => `${region}-${clientId}`;

function buildClient({ region, clientId, clientSecret }: ApsisCredentials, tuning: ApsisClientTuning, tokenCache: ApsisTokenCache | undefined) {
  return new ApsisClient({
    baseUrl: apsisBaseUrl(region),
    clientId,
    clientSecret,
    tokenCache,
    limiter: createRedisApsisLimiter({ redis: getRedis(), prefix: parseEnv().REDIS_PREFIX, account: limiterAccount({ region, clientId }) }),
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

/**
 * shop/redact: removes what Redis holds for the shop's credentials (the shared token and the account's rate
 * key). Answers the prefix of the account's per-profile rate keys, for the purge of every key naming the shop.
 */
export async function forgetApsisCredentials({ shopId }: { shopId: string }): Promise<string[]> {
  const connection = await getApsisConnectionWithSecret({ shopId });
  if (!connection) return [];
  const credentials = credentialsOf(connection);
  await forgetSharedToken(sharedTokenCache(), { baseUrl: apsisBaseUrl(credentials.region), clientId: credentials.clientId, clientSecret: credentials.clientSecret });
  const rateKey = apsisRateKey(parseEnv().REDIS_PREFIX, limiterAccount(credentials));
  await getRedis().unlink(rateKey);
  return [`${rateKey}:`];
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
  return { connection, client: createApsisClient(credentialsOf(connection), tuning) };
}

function credentialsOf(connection: { region: string; clientId: string; clientSecretEncrypted: string }): ApsisCredentials {
  const clientSecret = decryptSecret(connection.clientSecretEncrypted, parseEnv().CREDENTIALS_ENCRYPTION_KEY);
  return { region: connection.region === "apac" ? "apac" : "eu", clientId: connection.clientId, clientSecret };
}

export const RECONNECT_MESSAGE = "APSIS One rejected the saved API key — reconnect APSIS One with the client id and secret of an active API key.";

/** APSIS's own words for a refused request: "title: detail" (what SyncFailure.reason shows). */
export function apsisReason(error: ApsisApiError): string {
  const said = [error.title, error.detail].filter(Boolean).join(": ");
  return said || error.message;
}

/** How APSIS One failed to answer: "HTTP 503 Service Unavailable", "no answer". */
export const unavailableStatus = (error: ApsisUnavailableError) => (error.status ? `HTTP ${error.status}${error.title ? ` ${error.title}` : ""}` : "no answer");

/** What a merchant is told when APSIS refuses or fails (a sentence for the page, not a stack trace). */
export function describeApsisError(error: unknown): string {
  if (error instanceof ApsisAuthError) return RECONNECT_MESSAGE;
  if (error instanceof ApsisRateLimitError) return "APSIS One kept asking the app to slow down (HTTP 429). Try again in a few minutes.";
  if (error instanceof ApsisUnavailableError) return `APSIS One is not available right now (${unavailableStatus(error)}). Try again later.`;
  if (error instanceof ApsisNotFoundError) return `APSIS One could not find it: ${apsisReason(error)}`;
  if (error instanceof ApsisValidationError || error instanceof ApsisConflictError) return `APSIS One refused the request: ${apsisReason(error)}`;
  if (error instanceof ApsisPayloadTooLargeError) return "The profile's data is over APSIS One's 100 kB limit.";
  if (error instanceof ApsisMalformedResponseError) return "APSIS One answered in a way the app does not understand. Try again later; if it persists, contact support.";
  if (error instanceof ApsisApiError) return error.message;
  return "Something went wrong talking to APSIS One. Try again later.";
}
