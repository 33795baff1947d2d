/**
 * The read-only inspection page the Adestra and APSIS One sandboxes serve beside their API, so what the app wrote
 * can be looked at from outside the process that runs them (the demo, a test being debugged): an HTML page for a
 * person and the same data as JSON, at INSPECTION_PATH, a path neither real API has.
 *
 * It needs no API credentials only because it is the local sandbox: it is served only while the sandbox listens
 * on a loopback address (127.0.0.0/8, ::1, localhost). Started on any other host, the path is like any unknown
 * path of that API (APSIS: 401 without a token, else 404; Adestra: 404). It never counts as an API request, takes
 * nothing from a rate limit and changes nothing; only GET and HEAD are allowed (405 otherwise).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { escapeHtml, sendJson, sendText } from "./shopify/http";

export const INSPECTION_PATH = "/_sandbox/inspect";
export const INSPECTION_JSON_PATH = `${INSPECTION_PATH}.json`;

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const MAX_QUERY_LENGTH = 200;

/** Whether the sandbox, listening on `host`, serves the inspection page at `pathname`. */
export function servesInspection(host: string, pathname: string): boolean {
  return isLoopbackHost(host) && (pathname === INSPECTION_PATH || pathname === INSPECTION_JSON_PATH);
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(?:\.\d{1,3}){3}$/.test(bare) || /^::ffff:127(?:\.\d{1,3}){3}$/.test(bare);
}

/** What the page shows: the items whose text contains `q` (case-insensitive), `limit` of them from `offset`. */
export type InspectionQuery = { q: string; offset: number; limit: number };

export function parseInspectionQuery(params: URLSearchParams): { query: InspectionQuery } | { errors: string[] } {
  const errors = [...new Set(params.keys())].filter((key) => !["q", "offset", "limit"].includes(key)).map((key) => `Unknown parameter "${key}" (use q, offset, limit).`);
  const q = (params.get("q") ?? "").trim();
  if (q.length > MAX_QUERY_LENGTH) errors.push(`q is longer than ${MAX_QUERY_LENGTH} characters.`);
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = params.get(name);
    if (raw === null || raw === "") return fallback;
    const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max)) errors.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
    return value;
  };
  const offset = integer("offset", 0, 0, 999_999_999);
  const limit = integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
  return errors.length ? { errors } : { query: { q, offset, limit } };
}

/** Whether any of the texts contains the query's `q`, ignoring case (an empty `q` matches everything). */
export function matchesQuery(query: InspectionQuery, texts: Iterable<string | null | undefined>): boolean {
  if (!query.q) return true;
  const needle = query.q.toLowerCase();
  for (const text of texts) if (text?.toLowerCase().includes(needle)) return true;
  return false;
}

/** One page of the matching items, with how many there are in all and how many match. */
export type InspectionPage<T> = { total: number; matching: number; offset: number; items: T[] };

export function pageOf<T>(query: InspectionQuery, all: Iterable<T>, texts: (item: T) => Iterable<string | null | undefined>): InspectionPage<T> {
  let total = 0;
  let matching = 0;
  const items: T[] = [];
  for (const item of all) {
    total++;
    if (!matchesQuery(query, texts(item))) continue;
    if (matching >= query.offset && items.length < query.limit) items.push(item);
    matching++;
  }
  return { total, matching, offset: query.offset, items };
}

export type Inspection = {
  /** "APSIS One", "Adestra": in the page's title. */
  sandbox: string;
  /** The JSON answer (without `sandbox` and `query`, which are added). */
  json(query: InspectionQuery): Record<string, unknown>;
  /** The page's body: the same data as HTML (inspectionHtml helps). */
  html(query: InspectionQuery): string;
};

/** The inspection of a sandbox's accounts: each account's JSON, and its HTML section, one after the other. */
export function inspectAccounts<A>(
  sandbox: string,
  accounts: Map<string, A>,
  render: { json(account: A, query: InspectionQuery): unknown; html(account: A, query: InspectionQuery): string },
): Inspection {
  return {
    sandbox,
    json: (query) => ({ accounts: [...accounts.values()].map((account) => render.json(account, query)) }),
    html: (query) => [...accounts.values()].map((account) => render.html(account, query)).join("\n"),
  };
}

/** Answers GET/HEAD on INSPECTION_PATH (HTML) or INSPECTION_JSON_PATH (JSON). */
export function handleInspection(request: IncomingMessage, response: ServerResponse, url: URL, inspection: Inspection): void {
  const asJson = url.pathname === INSPECTION_JSON_PATH;
  const headers = { "cache-control": "no-store", "x-content-type-options": "nosniff" };
  if (request.method !== "GET" && request.method !== "HEAD") {
    return sendText(response, 405, "text/plain; charset=utf-8", "The inspection page is read-only: use GET.", { ...headers, allow: "GET, HEAD" });
  }
  const parsed = parseInspectionQuery(url.searchParams);
  if ("errors" in parsed) {
    if (asJson) return sendJson(response, 400, { errors: parsed.errors }, headers);
    return sendText(response, 400, "text/html; charset=utf-8", layout(inspection.sandbox, `<section role="alert"><ul>${parsed.errors.map((e) => `<li>${escapeHtml(e)}</li>`).join("")}</ul></section>`), headers);
  }
  const { query } = parsed;
  if (asJson) return sendJson(response, 200, { sandbox: inspection.sandbox, query, ...inspection.json(query) }, headers);
  sendText(response, 200, "text/html; charset=utf-8", layout(inspection.sandbox, `${searchForm(query)}\n${inspection.html(query)}`), headers);
}

/** HTML pieces the two sandboxes' pages share. */
export const inspectionHtml = {
  escape: escapeHtml,
  /** A table with a caption and column headers; cells are HTML already. */
  table(caption: string, headers: string[], rows: string[][]): string {
    if (!rows.length) return `<p class="empty">${escapeHtml(caption)}: none.</p>`;
    return `<table><caption>${escapeHtml(caption)}</caption><thead><tr>${headers.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("")}</tr></thead>
<tbody>${rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join("")}</tr>`).join("\n")}</tbody></table>`;
  },
  /** "Showing 1–50 of 120 matching (1,000 in all)", and links to the pages before and after. */
  pager(query: InspectionQuery, page: InspectionPage<unknown>, noun: string): string {
    const shown = page.items.length ? `${page.offset + 1}–${page.offset + page.items.length}` : "none";
    const link = (offset: number, label: string) =>
      `<a href="${INSPECTION_PATH}?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), offset: String(offset), limit: String(query.limit) })}">${label}</a>`;
    const previous = page.offset > 0 ? link(Math.max(0, page.offset - query.limit), "Previous") : "";
    const next = page.offset + page.items.length < page.matching ? link(page.offset + query.limit, "Next") : "";
    const of = query.q ? `${page.matching.toLocaleString("en-US")} matching "${escapeHtml(query.q)}" (${page.total.toLocaleString("en-US")} in all)` : page.total.toLocaleString("en-US");
    return `<p class="pager">${escapeHtml(noun)}: showing ${shown} of ${of}. ${[previous, next].filter(Boolean).join(" · ")}</p>`;
  },
  /** A value as stored, shown so that an empty string, null and a number are told apart. */
  value(value: unknown): string {
    if (value === null || value === undefined) return `<span class="none">null</span>`;
    if (typeof value === "string") return value === "" ? `<span class="none">""</span>` : escapeHtml(value);
    return `<code>${escapeHtml(JSON.stringify(value))}</code>`;
  },
};

function searchForm(query: InspectionQuery): string {
  return `<form method="get" action="${INSPECTION_PATH}" role="search" aria-label="Search the sandbox's data">
<label for="q">Search (key, email, any value)</label> <input id="q" name="q" type="search" value="${escapeHtml(query.q)}">
<input type="hidden" name="limit" value="${query.limit}"> <button type="submit">Search</button>
<a href="${INSPECTION_JSON_PATH}?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), offset: String(query.offset), limit: String(query.limit) })}">This page as JSON</a>
</form>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:8px 16px 40px;color:#1a1a1a}
table{border-collapse:collapse;margin:6px 0 12px;width:100%}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #e3e3e3;vertical-align:top}
caption{text-align:left;font-weight:600;padding:4px 0}code{font-size:13px}.none{color:#888}.empty,.pager,.hint{color:#555}
article{border:1px solid #ddd;border-radius:8px;padding:4px 12px;margin:10px 0}form{margin:10px 0}`;

function layout(sandbox: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${escapeHtml(sandbox)} sandbox: inspection</title><style>${STYLE}</style></head><body>
<h1>${escapeHtml(sandbox)} sandbox: what the app wrote</h1>
<p class="hint">Read-only, served only because this sandbox listens on a loopback address; no API credentials needed. It is not part of ${escapeHtml(sandbox)}'s API.</p>
${body}
</body></html>`;
}
