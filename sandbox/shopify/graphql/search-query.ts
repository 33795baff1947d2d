/**
 * Shopify's search syntax (shopify.dev/docs/api/usage/search-syntax), enough of it for the `query`
 * argument of `customers`, `customersCount` and `bulkOperations`: `field:value` terms with `>`, `>=`, `<`,
 * `<=`, quoted values, `a..b` ranges, implicit AND between terms, `AND`/`OR`/`NOT`, a `-` prefix and
 * parentheses. Parsing is generic; what a field means comes from a per-connection field table.
 *
 * Deliberately strict where Shopify is lenient: Shopify ignores a filter it does not know (and reports it in
 * `extensions.search`), which hides typos in the app; the sandbox refuses it with an error naming it.
 */
import { DateTime } from "luxon";

export type Comparator = ":" | ">" | ">=" | "<" | "<=";
export type SearchTerm = { kind: "term"; field: string | null; comparator: Comparator; value: string; quoted: boolean };
export type SearchNode =
  | SearchTerm
  | { kind: "and"; nodes: SearchNode[] }
  | { kind: "or"; nodes: SearchNode[] }
  | { kind: "not"; node: SearchNode };

export class SearchQueryError extends Error {
  constructor(
    message: string,
    readonly code: "INVALID_SEARCH_SYNTAX" | "UNSUPPORTED_SEARCH_FILTER" | "INVALID_SEARCH_VALUE",
  ) {
    super(message);
  }
}

type Token = { kind: "(" | ")" | "AND" | "OR" | "NOT" } | SearchTerm;

export function parseSearchQuery(query: string): SearchNode | null {
  const tokens = tokenize(query);
  let position = 0;
  const peek = () => tokens[position];

  const parseOr = (): SearchNode => {
    const nodes = [parseAnd()];
    while (peek()?.kind === "OR") {
      position++;
      nodes.push(parseAnd());
    }
    return nodes.length === 1 ? nodes[0] : { kind: "or", nodes };
  };
  const parseAnd = (): SearchNode => {
    const nodes = [parseUnary()];
    for (let token = peek(); token && token.kind !== "OR" && token.kind !== ")"; token = peek()) {
      if (token.kind === "AND") position++;
      nodes.push(parseUnary());
    }
    return nodes.length === 1 ? nodes[0] : { kind: "and", nodes };
  };
  const parseUnary = (): SearchNode => {
    const token = tokens[position++];
    if (!token) throw syntaxError(query, "ends where a term was expected");
    if (token.kind === "NOT") return { kind: "not", node: parseUnary() };
    if (token.kind === "(") {
      const inner = parseOr();
      if (tokens[position++]?.kind !== ")") throw syntaxError(query, "has an unclosed parenthesis");
      return inner;
    }
    if (token.kind === "term") return token;
    throw syntaxError(query, `has an unexpected '${token.kind}'`);
  };

  if (tokens.length === 0) return null;
  const root = parseOr();
  if (position < tokens.length) throw syntaxError(query, "has an unmatched ')'");
  return root;
}

const syntaxError = (query: string, problem: string) =>
  new SearchQueryError(`Invalid search query '${query}': it ${problem}.`, "INVALID_SEARCH_SYNTAX");

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const readValue = (): { value: string; quoted: boolean } => {
    const quote = query[i];
    if (quote === "'" || quote === '"') {
      let value = "";
      for (i++; i < query.length && query[i] !== quote; i++) value += query[i] === "\\" ? query[++i] : query[i];
      if (i >= query.length) throw syntaxError(query, "has an unterminated quote");
      i++;
      return { value, quoted: true };
    }
    const start = i;
    while (i < query.length && !/[\s()]/.test(query[i])) i++;
    return { value: query.slice(start, i), quoted: false };
  };

  while (i < query.length) {
    const char = query[i];
    if (/\s/.test(char)) {
      i++;
    } else if (char === "(" || char === ")") {
      tokens.push({ kind: char });
      i++;
    } else if (char === "-" && i + 1 < query.length && !/\s/.test(query[i + 1])) {
      tokens.push({ kind: "NOT" });
      i++;
    } else {
      const field = /^([A-Za-z_][A-Za-z0-9_.]*):\s*/.exec(query.slice(i));
      if (field) {
        i += field[0].length;
        const comparator = /^(>=|<=|>|<)/.exec(query.slice(i))?.[1] as Comparator | undefined;
        i += comparator?.length ?? 0;
        tokens.push({ kind: "term", field: field[1], comparator: comparator ?? ":", ...readValue() });
      } else {
        const { value, quoted } = readValue();
        if (!quoted && (value === "AND" || value === "OR" || value === "NOT")) tokens.push({ kind: value });
        else tokens.push({ kind: "term", field: null, comparator: ":", value, quoted });
      }
    }
  }
  return tokens;
}

/** Turns one term into a test; throws SearchQueryError for a value or comparator the field cannot take. */
export type FieldMatcher<T> = (term: SearchTerm) => (item: T) => boolean;
export type SearchFields<T> = Readonly<Record<string, FieldMatcher<T>>>;

/** `default` in the table handles a bare word (Shopify's free-text search). */
export function compileSearch<T>(node: SearchNode | null, fields: SearchFields<T>): (item: T) => boolean {
  if (!node) return () => true;
  switch (node.kind) {
    case "and": {
      const tests = node.nodes.map((child) => compileSearch(child, fields));
      return (item) => tests.every((test) => test(item));
    }
    case "or": {
      const tests = node.nodes.map((child) => compileSearch(child, fields));
      return (item) => tests.some((test) => test(item));
    }
    case "not": {
      const test = compileSearch(node.node, fields);
      return (item) => !test(item);
    }
    case "term": {
      const name = node.field ?? "default";
      const matcher = Object.hasOwn(fields, name) ? fields[name] : undefined;
      if (!matcher) {
        const supported = Object.keys(fields).filter((field) => field !== "default").join(", ");
        throw new SearchQueryError(
          node.field === null
            ? `Free-text search ('${node.value}') is not supported by the Shopify sandbox here; use one of: ${supported}.`
            : `Unsupported search filter '${node.field}' in '${node.field}:${node.value}'. The Shopify sandbox supports: ${supported}.`,
          "UNSUPPORTED_SEARCH_FILTER",
        );
      }
      return matcher(node);
    }
  }
}

/** The top-level AND terms (the ones every match must satisfy), for index shortcuts such as `id:>N`. */
export function requiredTerms(node: SearchNode | null): SearchTerm[] {
  if (!node) return [];
  if (node.kind === "term") return [node];
  return node.kind === "and" ? node.nodes.flatMap(requiredTerms) : [];
}

const invalidValue = (term: SearchTerm, expected: string) =>
  new SearchQueryError(`Invalid value '${term.value}' for query filter \`${term.field}\`: expected ${expected}.`, "INVALID_SEARCH_VALUE");

function compareNumbers(term: SearchTerm, actual: number, expected: number): boolean {
  switch (term.comparator) {
    case ":":
      return actual === expected;
    case ">":
      return actual > expected;
    case ">=":
      return actual >= expected;
    case "<":
      return actual < expected;
    case "<=":
      return actual <= expected;
  }
}

/** Numeric filters (`orders_count`, `total_spent`, `id`); `parse` turns the text into the compared number. */
export function numberField<T>(get: (item: T) => number, parse: (text: string) => number = Number): FieldMatcher<T> {
  return (term) => {
    const expected = parse(term.value);
    if (!Number.isFinite(expected)) throw invalidValue(term, "a number");
    return (item) => compareNumbers(term, get(item), expected);
  };
}

/** Text filters that only take equality: case-insensitive, `*` = "has a value", trailing `*` = prefix. */
export function textField<T>(get: (item: T) => string | null | undefined): FieldMatcher<T> {
  return (term) => {
    if (term.comparator !== ":") throw invalidValue(term, "no comparison operator on a text field");
    const wanted = term.value.toLowerCase();
    if (wanted === "*") return (item) => Boolean(get(item));
    if (wanted.endsWith("*")) return (item) => (get(item) ?? "").toLowerCase().startsWith(wanted.slice(0, -1));
    return (item) => (get(item) ?? "").toLowerCase() === wanted;
  };
}

export type TimeContext = { zone: string; nowMs: number };

/**
 * A time value is an interval [startMs, endMs). Dates match a whole day (or month, or year) in the shop's
 * time zone. A full timestamp keeps its time only when quoted: unquoted, Shopify matches the whole day
 * (community.shopify.com/t/…/208519, and the schema's "matching a whole day" for `updated_at`), so the
 * sandbox does too, which catches an app that forgets the quotes.
 */
export function parseTimeInterval(term: SearchTerm, time: TimeContext): { startMs: number; endMs: number } {
  const [from, to] = term.value.split("..");
  if (to !== undefined) return { startMs: parseTimePoint(term, from, time).startMs, endMs: parseTimePoint(term, to, time).endMs };
  return parseTimePoint(term, term.value, time);
}

function parseTimePoint(term: SearchTerm, text: string, time: TimeContext) {
  if (text === "now") return { startMs: time.nowMs, endMs: time.nowMs + 1000 };
  const unit = /^\d{4}$/.test(text) ? "year" : /^\d{4}-\d{2}$/.test(text) ? "month" : /^\d{4}-\d{2}-\d{2}$/.test(text) ? "day" : null;
  const parsed = DateTime.fromISO(text, { zone: time.zone });
  if (!parsed.isValid) {
    throw new SearchQueryError(`Invalid timestamp for query filter \`${term.field}\`: '${text}'.`, "INVALID_SEARCH_VALUE");
  }
  if (unit || !term.quoted) {
    const start = parsed.setZone(time.zone).startOf(unit ?? "day");
    return { startMs: start.toMillis(), endMs: start.plus({ [`${unit ?? "day"}s`]: 1 }).toMillis() };
  }
  const startMs = Math.floor(parsed.toMillis() / 1000) * 1000;
  return { startMs, endMs: startMs + 1000 };
}

export function compareInterval(term: SearchTerm, actualMs: number, interval: { startMs: number; endMs: number }): boolean {
  switch (term.comparator) {
    case ":":
      return actualMs >= interval.startMs && actualMs < interval.endMs;
    case ">":
      return actualMs >= interval.endMs;
    case ">=":
      return actualMs >= interval.startMs;
    case "<":
      return actualMs < interval.startMs;
    case "<=":
      return actualMs < interval.endMs;
  }
}

/** A time filter over one timestamp; an item without that timestamp never matches. */
export function timeField<T>(get: (item: T) => string | null, time: TimeContext): FieldMatcher<T> {
  return (term) => {
    const interval = parseTimeInterval(term, time);
    return (item) => {
      const value = get(item);
      return value !== null && compareInterval(term, Date.parse(value), interval);
    };
  };
}
