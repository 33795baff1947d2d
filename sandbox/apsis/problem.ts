/** APSIS's error answers: `{"title","status","detail"}` (help.apsis.com 6104977), thrown by handlers as ApsisProblem. */
import type { ServerResponse } from "node:http";
import type { z } from "zod";
import { sendText } from "../shopify/http";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export class ApsisProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "ApsisProblem";
  }
}

export function sendProblem(response: ServerResponse, { status, detail, headers }: ApsisProblem): void {
  const body = JSON.stringify({ title: TITLES[status] ?? "Error", status, detail });
  sendText(response, status, "application/problem+json", body, headers);
}

/** 429 with Retry-After in whole seconds (at least 1), as the client expects it. */
export function tooManyRequests(detail: string, waitMs: number): ApsisProblem {
  return new ApsisProblem(429, detail, { "retry-after": String(Math.max(1, Math.ceil(waitMs / 1_000))) });
}

/** The request body checked against `schema`, or 400 naming the first thing wrong with it. */
export function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ApsisProblem(400, `Invalid request body${issue.path.length ? ` at ${issue.path.join(".")}` : ""}: ${issue.message}`);
}
