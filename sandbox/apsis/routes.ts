/**
 * The API's routes as path templates, matched segment by segment so a URL-encoded profile key (an email with
 * %40, even %2F) stays one segment and is decoded once.
 */
import type { SandboxAccount } from "./account";

export interface SandboxRuntime {
  /** The sandbox's base URL (upload URLs point back at it). */
  url: string;
  uploadUrlTtlSeconds: number;
  importStepMs: number;
  /** Runs `task` after `ms` unless the sandbox closes first. */
  schedule(task: () => void, ms: number): void;
}

export interface RouteContext {
  account: SandboxAccount;
  params: Record<string, string>;
  /** The parsed JSON body (routes with `body`). */
  body: unknown;
  query: URLSearchParams;
  sandbox: SandboxRuntime;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  template: string;
  /** "merge-patch" accepts application/merge-patch+json (and application/json, as clients send it). */
  body?: "json" | "merge-patch";
  handle(context: RouteContext): Reply;
}

export type RouteMatch = { route: Route; params: Record<string, string> } | { allow: string[] } | undefined;

/** The route for the request; `{ allow }` when the path exists with other methods (405). */
export function matchRoute(routes: Route[], method: string, pathname: string): RouteMatch {
  const segments = pathname.split("/");
  const matches = routes.flatMap((route) => {
    const params = matchTemplate(route.template, segments);
    return params ? [{ route, params }] : [];
  });
  return matches.find(({ route }) => route.method === method) ?? (matches.length ? { allow: matches.map(({ route }) => route.method) } : undefined);
}

function matchTemplate(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.split("/");
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (part !== segments[index]) return undefined;
      continue;
    }
    try {
      params[name] = decodeURIComponent(segments[index]);
    } catch {
      return undefined;
    }
    if (!params[name]) return undefined;
  }
  return params;
}
