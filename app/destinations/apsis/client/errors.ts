/**
 * Typed failures of the APSIS One client, so jobs classify on the class (house style):
 *   ApsisAuthError → stop and ask the merchant to reconnect;
 *   ApsisRateLimitError / ApsisUnavailableError → wait and try again (`retryAfterMs` when APSIS said how long);
 *   ApsisValidationError, ApsisPayloadTooLargeError, ApsisNotFoundError, ApsisConflictError → APSIS refused this
 *   request: sending it unchanged cannot help;
 *   ApsisMalformedResponseError → the answer was not what the API sends: stop and report.
 * Every error keeps APSIS's problem body ({title, status, detail}), the method and the path.
 */
import { parseJsonAs } from "../../../utils/parse-json";
import { z } from "zod";
import type { TextResponse } from "../../../http/request";
import { BACKOFF_CAP_MS, backoffDelayMs, parseRetryAfterMs } from "../../../http/retry";

export interface ApsisErrorDetails {
  method: string;
  /** The path below the base URL (profile keys URL-encoded), or the upload URL's path. */
  path: string;
  /** The HTTP status; undefined when APSIS never answered (network failure, timeout). */
  status?: number;
  title?: string;
  detail?: string;
  retryAfterMs?: number;
  cause?: unknown;
}

export class ApsisApiError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly title: string;
  readonly detail: string;
  /** What APSIS's Retry-After asked for, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, details: ApsisErrorDetails) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.title = details.title ?? "";
    this.detail = details.detail ?? "";
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** 400/401/403 from the token endpoint, or 401/403 that a fresh token did not cure. */
export class ApsisAuthError extends ApsisApiError {}
/** 429. The client retries it itself unless Retry-After is longer than it is willing to wait. */
export class ApsisRateLimitError extends ApsisApiError {}
/** 5xx, 408, no answer, or no answer in time. */
export class ApsisUnavailableError extends ApsisApiError {}
export class ApsisNotFoundError extends ApsisApiError {}
export class ApsisConflictError extends ApsisApiError {}
/** 413: the body is over APSIS's 100 kB limit; split the request. */
export class ApsisPayloadTooLargeError extends ApsisApiError {}
/** 400/422: APSIS does not accept the request (unknown attribute, wrong type, consent type not settable…). */
export class ApsisValidationError extends ApsisApiError {}
/** A 2xx answer whose body is not what the endpoint returns. */
export class ApsisMalformedResponseError extends ApsisApiError {}

const RECONNECT = "Reconnect APSIS One in the app's settings with the client id and secret of an active API key.";

const ProblemSchema = z.object({ title: z.string().optional(), status: z.number().optional(), detail: z.string().optional() });

/**
 * The typed error for a non-2xx answer. From the token endpoint 400 is an auth failure too (wrong grant or
 * client); from the upload host (S3-style, XML errors) 401/403 mean an expired or refused upload URL, not
 * bad credentials.
 */
export function errorFromResponse(method: string, path: string, response: TextResponse, { endpoint = "api" }: { endpoint?: "api" | "token" | "upload" } = {}): ApsisApiError {
  const { status } = response;
  const problem = parseProblem(response.text);
  const title = problem.title ?? `HTTP ${status}`;
  const detail = problem.detail ?? response.text.slice(0, 200);
  const details = { method, path, status, title, detail, retryAfterMs: parseRetryAfterMs(response.headers.get("retry-after")) };
  const said = `APSIS One answered ${status} ${title} to ${method} ${path}${detail ? `: ${detail}` : ""}`;

  if (endpoint === "upload" && (status === 401 || status === 403)) return new ApsisApiError(`${said}. The upload URL expired or was refused: create a new import.`, details);
  if (status === 401 || status === 403 || (endpoint === "token" && status === 400)) {
    const why = status === 403 && endpoint === "api" ? " The API key may lack permission for this keyspace or attribute, or was deleted." : "";
    return new ApsisAuthError(`${said}.${why} ${RECONNECT}`, details);
  }
  if (status === 429) return new ApsisRateLimitError(said, details);
  if (status === 408 || status >= 500) return new ApsisUnavailableError(said, details);
  if (status === 404) return new ApsisNotFoundError(said, details);
  if (status === 409) return new ApsisConflictError(said, details);
  if (status === 413) return new ApsisPayloadTooLargeError(said, details);
  if (status === 400 || status === 422) return new ApsisValidationError(said, details);
  return new ApsisApiError(said, details);
}

const parseProblem = (text: string): z.infer<typeof ProblemSchema> => parseJsonAs(ProblemSchema, text) ?? {};

/**
 * How long to wait before retrying `error`, or undefined to throw it: backoff with jitter for 429/5xx/no
 * answer; a Retry-After longer than the backoff cap is left to the job (it waits without spending an attempt).
 */
export function retryDelayMs(error: unknown, retry: number): number | undefined {
  if (!(error instanceof ApsisRateLimitError || error instanceof ApsisUnavailableError)) return undefined;
  if (error.retryAfterMs === undefined) return backoffDelayMs(retry);
  return error.retryAfterMs <= BACKOFF_CAP_MS ? error.retryAfterMs : undefined;
}
