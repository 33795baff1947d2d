/**
 * One call to APSIS One's API: limiter slot, bearer token (refreshed once on 401/403), deadline, typed
 * errors, and retries with backoff for the calls that are safe to repeat.
 */
import type { TextResponse } from "../../../http/request";
import { type Sleep, withRetries } from "../../../http/retry";
import type { ApsisLimiter } from "./limiter";
import { errorFromResponse, retryDelayMs } from "./errors";
import { exchange, type ExchangeOptions } from "./exchange";
import type { ApsisTokenProvider } from "./token";

export interface ApsisRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Below the base URL, with every variable segment already URL-encoded (see `apsisPath`). */
  path: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Send `json` as application/merge-patch+json (attribute PATCHes). */
  mergePatch?: boolean;
  /** The profile key the call is on: counted against APSIS's 10 requests/s per profile. */
  profileKey?: string;
  /** False for calls that a lost answer makes unsafe to repeat (imports.create). */
  retry?: boolean;
  /** Statuses beyond 2xx that are answers, not failures (409 "exists" on create, 404 on delete). */
  answers?: number[];
}

export type ApsisSend = (request: ApsisRequest) => Promise<TextResponse>;

export interface ApsisTransportOptions extends ExchangeOptions {
  baseUrl: string;
  maxRetries: number;
  sleep: Sleep;
  tokens: ApsisTokenProvider;
  limiter?: ApsisLimiter;
}

export function createApsisTransport(options: ApsisTransportOptions): ApsisSend {
  const { tokens, limiter } = options;

  async function send(request: ApsisRequest, token: string): Promise<TextResponse> {
    if (request.profileKey !== undefined) await limiter?.acquire(`profile:${request.profileKey}`);
    await limiter?.acquire("account");
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json, application/problem+json" };
    if (request.json !== undefined) headers["content-type"] = request.mergePatch ? "application/merge-patch+json" : "application/json";
    const init = { method: request.method, headers, body: request.json === undefined ? undefined : JSON.stringify(request.json) };
    return exchange(options, `${options.baseUrl}${request.path}`, init, request.path);
  }

  return (request) => {
    let refreshed = false;
    const attempt = async () => {
      const token = await tokens.get();
      let response = await send(request, token);
      if ((response.status === 401 || response.status === 403) && !refreshed) {
        refreshed = true;
        const replacement = await tokens.replace(token, response.status);
        if (replacement) response = await send(request, replacement);
      }
      if ((response.status >= 200 && response.status < 300) || request.answers?.includes(response.status)) return response;
      throw errorFromResponse(request.method, request.path, response);
    };
    return withRetries(attempt, { maxRetries: request.retry === false ? 0 : options.maxRetries, sleep: options.sleep, delayFor: retryDelayMs });
  };
}

/** A path with every substituted value URL-encoded: apsisPath`/audience/keyspaces/${ks}/profiles/${email}`. */
export function apsisPath(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((path, text, index) => path + text + (index < values.length ? encodeURIComponent(values[index]) : ""), "");
}
