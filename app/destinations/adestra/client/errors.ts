/**
 * Typed failures of the Adestra client, so jobs classify on the class (house style):
 *   AdestraAuthError → stop and ask the merchant to reconnect;
 *   AdestraRateLimitError / AdestraUnavailableError → wait and try again (`retryable` says whether soon);
 *   AdestraFaultError and its subclasses → Adestra refused this request: retrying it unchanged cannot help;
 *   AdestraMalformedResponseError → the answer was not what the API sends: stop and report.
 * Every error keeps the method, and Adestra's fault code and text or the HTTP status.
 */
import { FAULT, type FaultCode } from "./fault-codes";
import type { XmlRpcFault } from "./xmlrpc";

export interface AdestraErrorDetails {
  method: string;
  faultCode?: number;
  faultString?: string;
  /** The HTTP status, when the failure was an HTTP answer other than 200. */
  status?: number;
  /** Worth trying again after a short backoff (the client does so itself for idempotent calls). */
  retryable?: boolean;
  /** What the server's Retry-After asked for. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class AdestraError extends Error {
  readonly method: string;
  readonly faultCode?: number;
  readonly faultString?: string;
  readonly status?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, details: AdestraErrorDetails) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
    this.method = details.method;
    this.faultCode = details.faultCode;
    this.faultString = details.faultString;
    this.status = details.status;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Adestra refused the request with a fault; the subclasses name the faults callers handle one by one. */
export class AdestraFaultError extends AdestraError {
  declare readonly faultCode: number;
  declare readonly faultString: string;

  constructor(method: string, { faultCode, faultString }: XmlRpcFault) {
    super(`Adestra refused ${method} (fault ${faultCode}): ${faultString}`, { method, faultCode, faultString });
  }
}

/** 207: the core table, list, contact or unsub list does not exist (any more). */
export class AdestraNotFoundError extends AdestraFaultError {}
/** 208: the object exists but this API user may not use it. */
export class AdestraPermissionError extends AdestraFaultError {}
/** 214: Adestra does not accept the email address. */
export class AdestraInvalidEmailError extends AdestraFaultError {}
/** 211: a field name is not a field of the core table. */
export class AdestraInvalidFieldError extends AdestraFaultError {}
/** 204: an argument has the wrong type or value. */
export class AdestraBadArgumentError extends AdestraFaultError {}

/** HTTP 401, fault 301 or 305: the credentials no longer work; only the merchant can fix that. */
export class AdestraAuthError extends AdestraError {}

/** Fault 304 (too many requests: retryable) or 303 (over quota: not until the quota allows). */
export class AdestraRateLimitError extends AdestraError {}

/** Fault 101/102, HTTP 429 or 5xx, no answer, or no answer in time. */
export class AdestraUnavailableError extends AdestraError {}

/** The answer was not XML-RPC, or not the shape the method returns. */
export class AdestraMalformedResponseError extends AdestraError {}

const RECONNECT = "Reconnect Adestra in the app's settings with the account name, username and password of a user with API access.";

export function errorFromFault(method: string, fault: XmlRpcFault): AdestraError {
  const details = { method, ...fault };
  const code = fault.faultCode as FaultCode;
  switch (code) {
    case FAULT.NOT_AUTHENTICATED:
      return new AdestraAuthError(`Adestra did not accept the login. ${RECONNECT}`, details);
    case FAULT.ACCOUNT_DISABLED:
      return new AdestraAuthError("The Adestra account is disabled. Once Adestra has enabled it again, reconnect it in the app's settings.", details);
    case FAULT.RATE_LIMITED:
      return new AdestraRateLimitError(`Adestra asked to slow down (fault 304) on ${method}.`, { ...details, retryable: true });
    case FAULT.OVER_QUOTA:
      return new AdestraRateLimitError(`The Adestra account is over its quota (fault 303) on ${method}.`, details);
    case FAULT.UNAVAILABLE:
      return new AdestraUnavailableError(`Adestra is temporarily unavailable (fault 101) on ${method}.`, { ...details, retryable: true });
    case FAULT.DISABLED:
      return new AdestraUnavailableError(`Adestra is currently disabled (fault 102) on ${method}.`, details);
    case FAULT.NOT_FOUND:
      return new AdestraNotFoundError(method, fault);
    case FAULT.PERMISSION_DENIED:
      return new AdestraPermissionError(method, fault);
    case FAULT.INVALID_EMAIL:
      return new AdestraInvalidEmailError(method, fault);
    case FAULT.INVALID_FIELD:
      return new AdestraInvalidFieldError(method, fault);
    case FAULT.BAD_ARGUMENT:
      return new AdestraBadArgumentError(method, fault);
    default:
      return new AdestraFaultError(method, fault);
  }
}

/** A non-200 HTTP answer (Adestra sends faults with 200). */
export function errorFromHttpStatus(method: string, status: number, body: string, retryAfterMs: number | undefined): AdestraError {
  const details = { method, status, retryAfterMs };
  if (status === 401) return new AdestraAuthError(`Adestra did not accept the login (HTTP 401). ${RECONNECT}`, details);
  if (status === 429 || status >= 500) {
    return new AdestraUnavailableError(`Adestra answered HTTP ${status} to ${method}.`, { ...details, retryable: true });
  }
  return new AdestraError(`Adestra answered HTTP ${status} to ${method}: ${body.slice(0, 200)}`, details);
}
