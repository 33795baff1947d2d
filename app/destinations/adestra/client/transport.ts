/**
 * One XML-RPC call to Adestra: Basic auth header, deadline, decoding, typed errors, zod, retries for the
 * calls that are safe to repeat, and the account's pace (pace.ts) when one is given.
 */
import type { z } from "zod";
import { type Fetch, HttpNetworkError, HttpTimeoutError, requestText } from "../../../http/request";
import { BACKOFF_CAP_MS, backoffDelayMs, parseRetryAfterMs, type Sleep, withRetries } from "../../../http/retry";
import {
  AdestraError,
  AdestraMalformedResponseError,
  AdestraRateLimitError,
  AdestraUnavailableError,
  errorFromFault,
  errorFromHttpStatus,
} from "./errors";
import { FAULT } from "./fault-codes";
import type { RequestPace } from "./pace";
import { decodeMethodResponse, encodeMethodCall, XmlRpcParseError, type XmlRpcValue } from "./xmlrpc";

export interface AdestraTransportOptions {
  baseUrl: string;
  accountName: string;
  username: string;
  password: string;
  fetch: Fetch;
  timeoutMs: number;
  maxRetries: number;
  sleep: Sleep;
  /**
   * Taken before every request (retries included). With a pace, a 304 lowers it and the same request is sent
   * again at the lower pace, up to `maxRefusals` times in a row, whatever `maxRetries` is: a 304 refuses the
   * request before it is carried out, so sending it again is safe even for the calls never retried otherwise.
   * Without one, a 304 is a retryable failure like any other.
   */
  pace?: RequestPace;
  maxRefusals: number;
}

export interface CallOptions<Schema extends z.ZodType> {
  schema: Schema;
  /** Safe to send twice (reads, upserts with a dedupe field, set additions): only these are retried. */
  idempotent: boolean;
}

export type AdestraCall = <Schema extends z.ZodType>(method: string, params: XmlRpcValue[], options: CallOptions<Schema>) => Promise<z.output<Schema>>;

export function createAdestraTransport(options: AdestraTransportOptions): AdestraCall {
  const url = new URL(options.baseUrl);
  // Credentials in the URL break on passwords with @ & # (Adestra's own Magento module warns of it).
  if (url.username || url.password) throw new TypeError("Put the Adestra credentials in accountName/username/password, not in baseUrl");
  const headers = { "content-type": "text/xml; charset=utf-8", accept: "text/xml", authorization: basicAuthorization(options) };

  return async (method, params, { schema, idempotent }) => {
    const body = encodeMethodCall(method, params);
    const attempt = async () => {
      const result = schema.safeParse(await sendPaced(method, body));
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new AdestraMalformedResponseError(`Adestra's answer to ${method} has an unexpected shape at ${issue.path.join(".") || "the top"}: ${issue.message}`, { method });
      }
      return result.data;
    };
    const delayFor = (error: unknown, retry: number) => (options.pace && isTooFrequent(error) ? undefined : retryDelayMs(error, retry));
    return withRetries(attempt, { maxRetries: idempotent ? options.maxRetries : 0, sleep: options.sleep, delayFor });
  };

  async function sendPaced(method: string, body: string): Promise<XmlRpcValue> {
    const { pace } = options;
    if (!pace) return send(method, body);
    for (let refusals = 0; ; refusals++) {
      const ticket = await pace.take();
      try {
        return await send(method, body);
      } catch (error) {
        if (!isTooFrequent(error) || refusals >= options.maxRefusals) throw error;
        await pace.refused(ticket);
      }
    }
  }

  async function send(method: string, body: string): Promise<XmlRpcValue> {
    let response;
    try {
      response = await requestText({ fetch: options.fetch, url: url.href, init: { method: "POST", headers, body }, timeoutMs: options.timeoutMs });
    } catch (error) {
      if (error instanceof HttpTimeoutError || error instanceof HttpNetworkError) {
        throw new AdestraUnavailableError(`${error.message} (${method})`, { method, retryable: true, cause: error });
      }
      throw error;
    }
    if (response.status < 200 || response.status > 299) {
      throw errorFromHttpStatus(method, response.status, response.text, parseRetryAfterMs(response.headers.get("retry-after")));
    }
    let decoded;
    try {
      decoded = decodeMethodResponse(response.text);
    } catch (error) {
      if (!(error instanceof XmlRpcParseError)) throw error;
      throw new AdestraMalformedResponseError(`Adestra's answer to ${method} is ${error.message}`, { method, status: response.status, cause: error });
    }
    if (!decoded.ok) throw errorFromFault(method, decoded.fault);
    return decoded.value;
  }
}

const isTooFrequent = (error: unknown) => error instanceof AdestraRateLimitError && error.faultCode === FAULT.RATE_LIMITED;

/** Backoff for retryable failures; a Retry-After longer than the cap is left to the job (it should wait, not spend an attempt). */
function retryDelayMs(error: unknown, retry: number): number | undefined {
  if (!(error instanceof AdestraError) || !error.retryable) return undefined;
  if (error.retryAfterMs === undefined) return backoffDelayMs(retry);
  return error.retryAfterMs <= BACKOFF_CAP_MS ? error.retryAfterMs : undefined;
}

/** Basic auth as "<account>.<username>", spaces in the account name as "_" (Adestra's Magento module does the same). */
function basicAuthorization({ accountName, username, password }: Pick<AdestraTransportOptions, "accountName" | "username" | "password">): string {
  const account = accountName.trim().replace(/ /g, "_");
  if (!account || !username) throw new TypeError("An Adestra login needs an account name and a username");
  if (`${account}${username}`.includes(":")) throw new TypeError("An Adestra account name or username cannot contain ':'");
  return `Basic ${Buffer.from(`${account}.${username}:${password}`, "utf8").toString("base64")}`;
}
