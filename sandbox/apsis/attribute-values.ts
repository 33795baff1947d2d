/**
 * Attribute values as APSIS checks them against the attribute's data type (help.apsis.one 6105174: Text ≤ 1000
 * characters, True/False lower-case, Date YYYY-MM-DD, Timestamp, Number, Number with decimals). APSIS advises
 * sending values as strings, so numbers and booleans are also accepted in their string forms (which is also
 * how CSV imports carry them). Values are stored normalised: numbers as numbers, booleans as booleans.
 */
import type { AttributeType } from "./config";

export type AttributeValue = string | number | boolean;

export const MAX_TEXT_LENGTH = 1_000;

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The value to store, or why APSIS refuses it. */
export function coerceAttributeValue(type: AttributeType, value: unknown): { value: AttributeValue } | { error: string } {
  const refuse = () => ({ error: `${JSON.stringify(value)} is not a valid ${type} value` });
  switch (type) {
    case "text":
      if (typeof value !== "string") return refuse();
      return value.length <= MAX_TEXT_LENGTH ? { value } : { error: `text is limited to ${MAX_TEXT_LENGTH} characters` };
    case "boolean":
      if (typeof value === "boolean") return { value };
      return value === "true" || value === "false" ? { value: value === "true" } : refuse();
    case "number":
      if (typeof value === "number" && Number.isSafeInteger(value)) return { value };
      return typeof value === "string" && INTEGER.test(value) ? { value: Number(value) } : refuse();
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return { value };
      return typeof value === "string" && DECIMAL.test(value) ? { value: Number(value) } : refuse();
    case "date":
      return typeof value === "string" && isCalendarDate(value) ? { value } : refuse();
    case "timestamp":
      return typeof value === "string" && TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value)) && isCalendarDate(value.slice(0, 10)) ? { value } : refuse();
  }
}

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().startsWith(text);
}
