/**
 * Typed failures of the Shopify reader. Jobs classify on the class (house style: transient → retry with
 * backoff, rate limited → wait without spending an attempt, auth or bad request → stop and tell the merchant).
 */

/** Shopify answered with GraphQL errors (other than THROTTLED) or mutation userErrors. */
export class ShopifyGraphqlError extends Error {
  readonly codes: string[];
  constructor(readonly messages: string[], codes: (string | undefined)[] = []) {
    super(`Shopify GraphQL error: ${messages.join("; ") || "(no message)"}`);
    this.name = "ShopifyGraphqlError";
    this.codes = codes.filter((c): c is string => Boolean(c));
  }
}

/** 401, or a refresh token Shopify no longer accepts: the merchant must open the app again to re-authorise. */
export class ShopifyAuthError extends Error {
  constructor(readonly shop: string | undefined, detail: string) {
    super(`Shopify rejected the app's access token${shop ? ` for ${shop}` : ""} (${detail}); the shop must open the app again`);
    this.name = "ShopifyAuthError";
  }
}

/** Any other non-2xx HTTP answer (including the bulk result download); 429 and 5xx are worth retrying. */
export class ShopifyHttpError extends Error {
  readonly retryable: boolean;
  constructor(readonly status: number, detail: string) {
    super(`Shopify answered HTTP ${status}: ${detail}`);
    this.name = "ShopifyHttpError";
    this.retryable = status === 429 || status >= 500;
  }
}

/** The cost bucket stayed empty past the caller's deadline; the job should wait `retryAfterMs`, not fail. */
export class ShopifyThrottledError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`Shopify is throttling this app; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = "ShopifyThrottledError";
  }
}

/** A response did not have the shape the query asked for; `field` is the path of the first bad value. */
export class ShopifyMalformedDataError extends Error {
  readonly code = "SCHEMA_MISMATCH";
  constructor(readonly field: string, detail: string) {
    super(`Shopify sent a malformed value at ${field}: ${detail}`);
    this.name = "ShopifyMalformedDataError";
  }
}

/** Another bulk query is running for this shop (or the concurrency limit is reached): wait and start again. */
export class ShopifyBulkOperationInProgressError extends Error {
  constructor(readonly code: "OPERATION_IN_PROGRESS" | "LIMIT_REACHED", message: string) {
    super(`Shopify refused a new bulk operation (${code}): ${message}`);
    this.name = "ShopifyBulkOperationInProgressError";
  }
}

/** The bulk operation ended without a result (FAILED, CANCELED or EXPIRED), with Shopify's errorCode. */
export class ShopifyBulkOperationFailedError extends Error {
  constructor(
    readonly id: string,
    readonly status: string,
    readonly errorCode: string | null,
  ) {
    super(`Shopify bulk operation ${id} ended ${status}${errorCode ? ` (${errorCode})` : ""}`);
    this.name = "ShopifyBulkOperationFailedError";
  }
}

/** No offline session is stored for the shop: it never finished installing, or it uninstalled. */
export class ShopifySessionNotFoundError extends Error {
  constructor(readonly shop: string) {
    super(`${shop}: shop has no offline session (reinstall/open the app)`);
    this.name = "ShopifySessionNotFoundError";
  }
}

/** Refreshing the expiring offline token failed for a reason other than a rejected token (transient). */
export class ShopifyTokenRefreshError extends Error {
  constructor(readonly shop: string, detail: string) {
    super(`${shop}: refreshing the offline access token failed: ${detail}`);
    this.name = "ShopifyTokenRefreshError";
  }
}
