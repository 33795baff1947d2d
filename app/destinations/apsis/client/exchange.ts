/** One HTTP exchange with APSIS (or its upload host), with the failures and answers typed for the client. */
import type { z } from "zod";
import { type Fetch, HttpNetworkError, HttpTimeoutError, requestText, type TextResponse } from "../../../http/request";
import { ApsisMalformedResponseError, ApsisUnavailableError } from "./errors";

export interface ExchangeOptions {
  fetch: Fetch;
  timeoutMs: number;
}

/** Sends the request; no answer, or none in time, is ApsisUnavailableError (worth retrying). */
export async function exchange({ fetch, timeoutMs }: ExchangeOptions, url: string, init: RequestInit & { method: string }, path: string): Promise<TextResponse> {
  try {
    return await requestText({ fetch, url, init, timeoutMs });
  } catch (error) {
    if (!(error instanceof HttpTimeoutError || error instanceof HttpNetworkError)) throw error;
    throw new ApsisUnavailableError(`${error.message} (${init.method} ${path})`, { method: init.method, path, cause: error });
  }
}

/** The answer's JSON body checked against `schema`, or ApsisMalformedResponseError saying where it differs. */
export function parseAnswer<Schema extends z.ZodType>(schema: Schema, response: TextResponse, method: string, path: string): z.output<Schema> {
  const fail = (why: string) => new ApsisMalformedResponseError(`APSIS One's answer to ${method} ${path} ${why}`, { method, path, status: response.status });
  let json: unknown;
  try {
    json = JSON.parse(response.text);
  } catch {
    throw fail(`is not JSON: ${response.text.slice(0, 100)}`);
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw fail(`has an unexpected shape at ${issue.path.join(".") || "the top"}: ${issue.message}`);
}
