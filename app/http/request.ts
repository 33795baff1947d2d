/**
 * One HTTP exchange with a deadline: the whole body is read inside the deadline, and failures that never
 * produced an HTTP answer are typed, so each client maps them to its own "unavailable" error.
 */

export type Fetch = typeof globalThis.fetch;

export interface TextResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** The destination did not answer (DNS, refused or reset connection, TLS…). */
export class HttpNetworkError extends Error {
  constructor(readonly url: string, options: { cause: unknown }) {
    super(`No answer from ${new URL(url).host}: ${describe(options.cause)}`, options);
    this.name = "HttpNetworkError";
  }
}

/** The destination took longer than the deadline to send its whole answer. */
export class HttpTimeoutError extends Error {
  constructor(readonly url: string, readonly timeoutMs: number) {
    super(`${new URL(url).host} did not answer within ${timeoutMs / 1000} s`);
    this.name = "HttpTimeoutError";
  }
}

/** Sends the request and reads the body as text; an abort by the caller's `signal` is rethrown untouched. */
export async function requestText({
  fetch,
  url,
  init,
  timeoutMs,
  signal,
}: {
  fetch: Fetch;
  url: string;
  init: RequestInit;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<TextResponse> {
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (deadline.aborted) throw new HttpTimeoutError(url, timeoutMs);
    throw new HttpNetworkError(url, { cause: error });
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici reports "fetch failed" and puts the useful part (ECONNREFUSED …) in the cause.
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
