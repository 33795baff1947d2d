import type { z } from "zod";
import { ShopifyMalformedDataError } from "./errors";

/** zod parse whose failure names the first bad field as a dotted path under `path`. */
export function parseOrThrow<S extends z.ZodType>({ schema, value, path }: { schema: S; value: unknown; path: string }): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    path,
  );
  throw new ShopifyMalformedDataError(field, issue.message);
}
