import type { z } from "zod";

/**
 * A submitted form as an object for a zod schema: empty fields are left out, so optional fields stay
 * undefined (an unset date bound) instead of "".
 */
export function formValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData) {
    if (typeof value === "string" && value !== "") values[key] = value;
  }
  return values;
}

/** The first message per field, of the fields a form shows (the shape Polaris fields show with `error=`). */
export function fieldErrorsOf<Field extends string>(error: z.ZodError, fields: readonly Field[]): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const issue of error.issues) {
    const field = issue.path[0] as Field;
    if (fields.includes(field)) out[field] ??= issue.message;
  }
  return out;
}

/** Service messages are phrased to follow a field label ("enter a name for the list"); shown alone they start upper-case. */
export function sentenceCase(errors: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    if (message) out[field] = message.charAt(0).toUpperCase() + message.slice(1);
  }
  return out;
}
