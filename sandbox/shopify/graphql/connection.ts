/**
 * Relay connections as Shopify serves them: `first`/`last` required (one of), at most 250 per page, opaque
 * cursors that are base64 JSON `{"last_id":…,"last_value":…}` (the shape Shopify's own cursors decode to),
 * keyset semantics (a cursor survives changes to the data between pages).
 */
import { shopifyError } from "./errors";

const MAX_PAGE_SIZE = 250;

export type PageArgs = {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
};

export type Cursor = { last_id: number; last_value: string | number };

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64");
}

export function decodeCursor(text: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as Partial<Cursor>;
    if (typeof cursor.last_id === "number" && (typeof cursor.last_value === "string" || typeof cursor.last_value === "number")) {
      return cursor as Cursor;
    }
  } catch {
    // falls through to Shopify's error
  }
  throw shopifyError("Invalid cursor for current pagination sort.", "BAD_REQUEST");
}

/** Checks first/last as Shopify does; returns the page size (at most 250, or the field's own documented maximum). */
export function pageSize(field: string, args: PageArgs, max = MAX_PAGE_SIZE): number {
  const { first, last } = args;
  if (first == null && last == null) throw shopifyError("you must provide one of first or last", "BAD_REQUEST");
  if (first != null && last != null) throw shopifyError("providing both first and last is not supported", "BAD_REQUEST");
  const size = (first ?? last)!;
  if (size < 0 || size > max) {
    // Wording is the sandbox's; the limit (250 per page, 1000 for segment members) is Shopify's documented one.
    throw shopifyError(
      `Argument '${first != null ? "first" : "last"}' on Field '${field}' has an invalid value (${size}). Expected a page size from 0 to ${max}.`,
      "argumentLiteralsIncompatible",
    );
  }
  return size;
}

export type Page<T> = { items: T[]; hasNextPage: boolean; hasPreviousPage: boolean };

/** Takes up to `size` items from a source already positioned after the cursor; one extra read tells "has next". */
export function takePage<T>(source: Iterable<T>, size: number, hasPreviousPage: boolean): Page<T> {
  const items: T[] = [];
  for (const item of source) {
    if (items.length === size) return { items, hasNextPage: true, hasPreviousPage };
    items.push(item);
  }
  return { items, hasNextPage: false, hasPreviousPage };
}

/**
 * A page of an already sorted list, by keyset: `compare(item, cursor)` orders an item against a cursor's
 * key (<0 before it, 0 the cursor's own item, >0 after it). Handles first/after and last/before.
 */
export function slicePage<T>(sorted: readonly T[], args: PageArgs, size: number, compare: (item: T, cursor: Cursor) => number): Page<T> {
  const firstIndex = (cursor: Cursor, strictlyAfter: boolean) => {
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const order = compare(sorted[middle], cursor);
      if (order < 0 || (strictlyAfter && order === 0)) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  let start = args.after ? firstIndex(decodeCursor(args.after), true) : 0;
  let end = Math.max(start, args.before ? firstIndex(decodeCursor(args.before), false) : sorted.length);
  if (args.first != null) end = Math.min(end, start + size);
  else start = Math.max(start, end - size);
  return { items: sorted.slice(start, end), hasNextPage: end < sorted.length, hasPreviousPage: start > 0 };
}

export function connection<T>(page: Page<T>, cursorOf: (item: T) => Cursor, nodeOf: (item: T) => unknown) {
  const nodes = page.items.map(nodeOf);
  const cursors = page.items.map((item) => encodeCursor(cursorOf(item)));
  return {
    edges: nodes.map((node, i) => ({ cursor: cursors[i], node })),
    nodes,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: cursors[0] ?? null,
      endCursor: cursors[cursors.length - 1] ?? null,
    },
  };
}
