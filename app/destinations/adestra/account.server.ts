import { AdestraClient } from "./client/client";
import {
  AdestraAuthError,
  AdestraError,
  AdestraFaultError,
  AdestraMalformedResponseError,
  AdestraNotFoundError,
  AdestraPermissionError,
  AdestraRateLimitError,
  AdestraUnavailableError,
} from "./client/errors";
import { parseEnv } from "../../env.server";
import { getAdestraConnectionWithSecret } from "../../models/adestra-connection.server";
import { getRedis, redisKey } from "../../redis.server";
import { decryptSecret } from "../../utils/crypto.server";
import { createAccountPace } from "./rate-limit.server";

/**
 * How the app reaches a shop's Adestra account: a client on ADESTRA_BASE_URL whose every request (retries
 * included) keeps to the account's pace, shared in Redis and lowered by Adestra's 304s (rate-limit.server.ts).
 */
export type AdestraCredentials = { accountName: string; username: string; password: string };

/** The bucket and its pace are the account's, whichever shop or process uses it. */
export function accountBucketKey(accountName: string) {
  return redisKey("adestra-rate", encodeURIComponent(accountName.trim().toLowerCase().replace(/ /g, "_")));
}

type ClientOptions = { maxRetries?: number; timeoutMs?: number; maxRefusals?: number };

export function createAdestraClient(credentials: AdestraCredentials, options: ClientOptions = {}) {
  const env = parseEnv();
  const pace = createAccountPace({ redis: getRedis(), key: accountBucketKey(credentials.accountName), ceiling: env.ADESTRA_REQUESTS_PER_SECOND });
  return new AdestraClient({ baseUrl: env.ADESTRA_BASE_URL, ...credentials, pace, ...options });
}

/** For requests a merchant waits on (forms): fewer retries, 304s and a shorter deadline than a send's. */
export const INTERACTIVE = { maxRetries: 1, timeoutMs: 15_000, maxRefusals: 5 } as const;

export class AdestraNotConnectedError extends Error {
  constructor(readonly shop: string) {
    super("Adestra is not connected: connect it in Settings first.");
    this.name = "AdestraNotConnectedError";
  }
}

/** The shop's stored connection with a client for it; null when not connected. */
export async function openAdestraConnection({ shopId }: { shopId: string }, options: ClientOptions = {}) {
  const connection = await getAdestraConnectionWithSecret({ shopId });
  if (!connection) return null;
  const password = decryptSecret(connection.passwordEncrypted, parseEnv().CREDENTIALS_ENCRYPTION_KEY);
  const client = createAdestraClient({ accountName: connection.accountName, username: connection.username, password }, options);
  return { connection, client };
}

export const RECONNECT_MESSAGE = "Adestra rejected the saved credentials — reconnect in Settings";

/** How Adestra failed to answer: "fault 101", "HTTP 503", "no answer". */
export const unavailableStatus = (error: AdestraUnavailableError) =>
  error.faultCode ? `fault ${error.faultCode}` : error.status ? `HTTP ${error.status}` : "no answer";

/** What a merchant is told when Adestra refuses or fails (a sentence for the page, not a stack trace). */
export function describeAdestraError(error: unknown): string {
  if (error instanceof AdestraAuthError) return RECONNECT_MESSAGE;
  if (error instanceof AdestraRateLimitError) {
    return error.faultCode === 303
      ? "The Adestra account is over its quota (Adestra fault 303). Ask Adestra to raise it, then send again."
      : "Adestra kept refusing requests as too frequent (fault 304), even after the app slowed down. Try again in a few minutes.";
  }
  if (error instanceof AdestraUnavailableError) return `Adestra is not available right now (${unavailableStatus(error)}). Try again later.`;
  if (error instanceof AdestraNotFoundError) return `Adestra could not find it (fault 207): ${error.faultString}`;
  if (error instanceof AdestraPermissionError) return `Adestra does not let this user do that (fault 208): ${error.faultString}`;
  if (error instanceof AdestraFaultError) return `Adestra refused (fault ${error.faultCode}): ${error.faultString}`;
  if (error instanceof AdestraMalformedResponseError) return "Adestra answered in a way the app does not understand. Try again later; if it persists, contact support.";
  if (error instanceof AdestraError) return error.message;
  return "Something went wrong talking to Adestra. Try again later.";
}
