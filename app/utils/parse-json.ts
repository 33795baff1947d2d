import type { z } from "zod";

/** JSON that must match `schema`: its value, or null when it is not JSON or does not match. */
export function parseJsonAs<S extends z.ZodType>(schema: S, json: string): z.output<S> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
