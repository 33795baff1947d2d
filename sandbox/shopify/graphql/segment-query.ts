/**
 * The part of Shopify's segment query language (ShopifyQL for segments, the `query` of
 * `customerSegmentMembers`) the sandbox answers: the consent filters `email_subscription_status` and
 * `sms_subscription_status`, compared with `=` or `!=` to a quoted value, joined by `AND`/`OR` with
 * parentheses. The 2026-07 schema's own example is `email_subscription_status = 'SUBSCRIBED'`.
 *
 * Strict: any other filter, operator or value is refused with an error naming it (Shopify has dozens of
 * segment filters; a query the sandbox cannot answer must not be answered wrongly). A customer without an
 * email address (phone number) has no email (SMS) subscription status, so neither `=` nor `!=` matches it.
 */
import type { SandboxCustomer } from "../customer";

export class SegmentQueryError extends Error {}

type Status = string | null;
const FILTERS: Record<string, { values: readonly string[]; of: (c: SandboxCustomer) => Status }> = {
  email_subscription_status: {
    values: ["SUBSCRIBED", "NOT_SUBSCRIBED", "PENDING", "UNSUBSCRIBED", "INVALID"],
    of: (c) => c.email?.marketingState ?? null,
  },
  sms_subscription_status: {
    values: ["SUBSCRIBED", "NOT_SUBSCRIBED", "PENDING", "UNSUBSCRIBED", "REDACTED"],
    of: (c) => c.phone?.marketingState ?? null,
  },
};

type Symbol = "=" | "!=" | "<" | "<=" | ">" | ">=" | "(" | ")";
type Token = { kind: "word"; text: string } | { kind: "value"; text: string } | { kind: Symbol };
type Matcher = (c: SandboxCustomer) => boolean;

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(!=|<=|>=|=|<|>|\(|\))|'((?:[^'\\]|\\.)*)'|([A-Za-z0-9_][A-Za-z0-9_.-]*)|(\S))/gy;
  for (let match = pattern.exec(query); match; match = pattern.exec(query)) {
    const [, symbol, quoted, word, other] = match;
    if (symbol) tokens.push({ kind: symbol as Symbol });
    else if (quoted !== undefined) tokens.push({ kind: "value", text: quoted.replace(/\\(.)/g, "$1") });
    else if (word) tokens.push({ kind: "word", text: word });
    else throw new SegmentQueryError(`Segment query "${query}": unexpected "${other}".`);
  }
  return tokens;
}

/** A matcher for the customers the query selects. */
export function compileSegmentQuery(query: string): Matcher {
  const tokens = tokenize(query);
  if (tokens.length === 0) throw new SegmentQueryError("Segment query is empty.");
  let position = 0;
  const next = () => tokens[position++];
  const isWord = (text: string) => {
    const token = tokens[position];
    return token?.kind === "word" && token.text.toUpperCase() === text;
  };

  const parseOr = (): Matcher => {
    const parts = [parseAnd()];
    while (isWord("OR")) {
      position++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0] : (c) => parts.some((m) => m(c));
  };
  const parseAnd = (): Matcher => {
    const parts = [parseTerm()];
    while (isWord("AND")) {
      position++;
      parts.push(parseTerm());
    }
    return parts.length === 1 ? parts[0] : (c) => parts.every((m) => m(c));
  };
  const parseTerm = (): Matcher => {
    const token = next();
    if (token?.kind === "(") {
      const inner = parseOr();
      if (next()?.kind !== ")") throw new SegmentQueryError(`Segment query "${query}" has an unclosed parenthesis.`);
      return inner;
    }
    if (token?.kind !== "word") throw new SegmentQueryError(`Segment query "${query}": a filter name was expected.`);
    const filter = FILTERS[token.text];
    if (!filter) throw new SegmentQueryError(`Segment query "${query}": the Shopify sandbox does not simulate the filter '${token.text}'.`);
    const operator = next();
    if (operator?.kind !== "=" && operator?.kind !== "!=") {
      throw new SegmentQueryError(`Segment query "${query}": '${token.text}' takes = or != (other operators are not simulated).`);
    }
    const value = next();
    if (value?.kind !== "value" || !filter.values.includes(value.text)) {
      throw new SegmentQueryError(`Segment query "${query}": '${token.text}' takes one of ${filter.values.map((v) => `'${v}'`).join(", ")}.`);
    }
    const wanted = value.text;
    return operator.kind === "="
      ? (c) => filter.of(c) === wanted
      : (c) => {
          const status = filter.of(c);
          return status !== null && status !== wanted;
        };
  };

  const matcher = parseOr();
  if (position < tokens.length) throw new SegmentQueryError(`Segment query "${query}": unexpected text after the conditions.`);
  return matcher;
}
