import { z } from "zod";
import type { ShopifyCustomer } from "../../../shopify/customer";
import { EmailMarketingStateSchema, SmsMarketingStateSchema } from "../../../shopify/customer";
import { BOUNDS, boundedText, tooLong } from "../../../utils/input-bounds";

/**
 * Sync conditions: which Section a customer's profile goes to. An ordered list of rules; the FIRST rule the
 * customer matches picks its Section; a customer matching none is not synced ("skipped by conditions").
 * `{ always: true }` is "otherwise" and may only be the last rule.
 *
 * A rule is one clause `{ field, operator, value }`, optionally with more clauses that must ALL hold as well
 * (`and`: e.g. country is SE and tagged vip) — APSIS's own sync conditions are AND-only too.
 *
 * Comparisons of text are case-insensitive and ignore surrounding spaces. A customer without the value (no
 * address, no email…) matches `not_equals` / `not_contains` and nothing else.
 *
 * | field                  | kind   | operators                                     | value                     |
 * |------------------------|--------|-----------------------------------------------|---------------------------|
 * | country                | text   | equals not_equals contains in                 | code or name: SE / Sweden |
 * | province, city, zip    | text   | equals not_equals contains in                 |                           |
 * | locale, language       | text   | equals not_equals contains in                 | sv-SE / sv                |
 * | email                  | text   | equals not_equals contains in                 | e.g. contains @corp.com   |
 * | tags                   | tags   | contains (has the tag) not_contains in (any)  | equals/not_equals = has / has not |
 * | email_marketing_state  | state  | equals not_equals in                          | SUBSCRIBED, …             |
 * | sms_marketing_state    | state  | equals not_equals in                          | SUBSCRIBED, …             |
 * | number_of_orders       | number | equals not_equals gt lt in                    | 3                         |
 * | amount_spent           | number | equals not_equals gt lt in                    | 100.50 (shop currency)    |
 */

export const CONDITION_OPERATORS = ["equals", "not_equals", "contains", "not_contains", "in", "gt", "lt"] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

type Kind = "text" | "tags" | "state" | "number";

type ConditionFieldSpec = {
  label: string;
  kind: Kind;
  /** state fields: the allowed values. */
  values?: readonly string[];
  get: (customer: ShopifyCustomer) => string[] | number | null;
};

const texts = (...values: (string | null | undefined)[]) => values.filter((v): v is string => typeof v === "string" && v.trim() !== "");

export const CONDITION_FIELDS = {
  country: { label: "Country", kind: "text", get: (c) => texts(c.countryCode, c.country) },
  province: { label: "Province / state", kind: "text", get: (c) => texts(c.provinceCode, c.province) },
  city: { label: "City", kind: "text", get: (c) => texts(c.city) },
  zip: { label: "Postal code", kind: "text", get: (c) => texts(c.zip) },
  locale: { label: "Locale", kind: "text", get: (c) => texts(c.locale) },
  language: { label: "Language", kind: "text", get: (c) => texts(c.locale.split(/[-_]/)[0]) },
  email: { label: "Email", kind: "text", get: (c) => texts(c.email) },
  tags: { label: "Tags", kind: "tags", get: (c) => c.tags },
  email_marketing_state: { label: "Email marketing state", kind: "state", values: EmailMarketingStateSchema.options, get: (c) => texts(c.emailMarketingState) },
  sms_marketing_state: { label: "SMS marketing state", kind: "state", values: SmsMarketingStateSchema.options, get: (c) => texts(c.smsMarketingState) },
  number_of_orders: { label: "Number of orders", kind: "number", get: (c) => c.numberOfOrders },
  amount_spent: { label: "Amount spent", kind: "number", get: (c) => Number(c.amountSpent.amount) },
} as const satisfies Record<string, ConditionFieldSpec>;

export type ConditionField = keyof typeof CONDITION_FIELDS;
export const CONDITION_FIELD_KEYS = Object.keys(CONDITION_FIELDS) as ConditionField[];

const OPERATORS_BY_KIND: Record<Kind, readonly ConditionOperator[]> = {
  text: ["equals", "not_equals", "contains", "not_contains", "in"],
  tags: ["contains", "not_contains", "equals", "not_equals", "in"],
  state: ["equals", "not_equals", "in"],
  number: ["equals", "not_equals", "gt", "lt", "in"],
};

/** For the conditions editor: every field with its operators (and allowed values for states). */
export function listConditionFields() {
  return CONDITION_FIELD_KEYS.map((key) => {
    const spec: ConditionFieldSpec = CONDITION_FIELDS[key];
    return { key, label: spec.label, kind: spec.kind, operators: OPERATORS_BY_KIND[spec.kind], values: spec.values ?? null };
  });
}

export type ConditionValue = string | number | string[] | number[];
export type ConditionClause = { field: ConditionField; operator: ConditionOperator; value: ConditionValue };
export type SyncCondition = { section: string; always: true } | (ConditionClause & { section: string; and?: ConditionClause[] });

const Scalar = z.union([z.string(), z.number()]);
// Lengths and counts of values are checked in normalizeClause, where the message can name the value.
const RawValue = z.union([Scalar, z.array(Scalar)]);
const conditionKey = (what: string) => z.string().max(BOUNDS.conditionKey, tooLong(what, BOUNDS.conditionKey));
const RawClause = z.object({ field: conditionKey("A field name"), operator: conditionKey("An operator"), value: RawValue.optional() });

/** Too many or too long values (the bounds of sync/apsis/conditions in utils/input-bounds.ts); null when fine. */
function valueBoundsProblem(list: readonly (string | number)[]): string | null {
  if (list.length > BOUNDS.conditionValues) return `At most ${BOUNDS.conditionValues} values`;
  if (list.some((v) => typeof v === "string" && v.trim().length > BOUNDS.conditionValue)) {
    return list.length === 1 ? tooLong("The value", BOUNDS.conditionValue) : tooLong("Each value", BOUNDS.conditionValue);
  }
  return null;
}

const isField = (field: string): field is ConditionField => Object.hasOwn(CONDITION_FIELDS, field);

/** Validates one clause against its field; issues go to `ctx` under `path`. */
function normalizeClause(raw: z.infer<typeof RawClause>, ctx: z.RefinementCtx, path: (string | number)[]): ConditionClause | null {
  const { field, operator, value } = raw;
  if (!isField(field)) {
    ctx.addIssue({ code: "custom", path: [...path, "field"], message: `Unknown field "${field}": choose one of ${CONDITION_FIELD_KEYS.join(", ")}` });
    return null;
  }
  const spec: ConditionFieldSpec = CONDITION_FIELDS[field];
  const allowed = OPERATORS_BY_KIND[spec.kind];
  if (!(allowed as readonly string[]).includes(operator)) {
    ctx.addIssue({ code: "custom", path: [...path, "operator"], message: `"${operator}" cannot be used with ${spec.label}: use ${allowed.join(", ")}` });
    return null;
  }
  const op = operator as ConditionOperator;
  const valuePath = [...path, "value"];
  const fail = (message: string) => {
    ctx.addIssue({ code: "custom", path: valuePath, message });
    return null;
  };
  if (value === undefined) return fail("Enter a value");
  let list = Array.isArray(value) ? value : [value];
  if (op === "in" && !Array.isArray(value) && typeof value === "string") list = value.split(",");
  const tooMuch = valueBoundsProblem(list);
  if (tooMuch) return fail(tooMuch);
  if (op !== "in" && list.length !== 1) return fail(`"${op}" takes one value`);

  if (spec.kind === "number") {
    const numbers = list.map((v) => (typeof v === "number" ? v : v.trim() === "" ? Number.NaN : Number(v.trim())));
    if (numbers.some((n) => !Number.isFinite(n))) return fail(`${spec.label} is compared with a number`);
    if (!numbers.length) return fail("Enter at least one value");
    return { field, operator: op, value: op === "in" ? numbers : numbers[0] };
  }
  const strings = list.map((v) => String(v).trim()).filter((v) => v !== "");
  if (!strings.length || strings.length !== list.length) return fail("Enter a value");
  if (spec.kind === "state") {
    const upper = strings.map((s) => s.toUpperCase());
    const unknown = upper.filter((s) => !spec.values!.includes(s));
    if (unknown.length) return fail(`${spec.label} is one of ${spec.values!.join(", ")} (not ${unknown.join(", ")})`);
    return { field, operator: op, value: op === "in" ? upper : upper[0] };
  }
  return { field, operator: op, value: op === "in" ? strings : strings[0] };
}

const RawCondition = z.object({
  section: boundedText({ what: "A Section id", max: BOUNDS.discriminator, missing: "Choose a Section" }),
  always: z.boolean().optional(),
  field: conditionKey("A field name").optional(),
  operator: conditionKey("An operator").optional(),
  value: RawValue.optional(),
  and: z
    .array(RawClause)
    .max(BOUNDS.conditionClauses - 1, `At most ${BOUNDS.conditionClauses} clauses in one rule`)
    .optional(),
});

/** One rule: `{ section, field, operator, value, and? }` or `{ section, always: true }` ("otherwise"). */
export const SyncConditionSchema = RawCondition.transform((raw, ctx): SyncCondition => {
  if (raw.always) {
    if (raw.field !== undefined || raw.and?.length) ctx.addIssue({ code: "custom", path: ["always"], message: '"Otherwise" has no field to compare' });
    return { section: raw.section, always: true };
  }
  if (raw.field === undefined || raw.operator === undefined) {
    ctx.addIssue({ code: "custom", path: ["field"], message: "Choose a field and an operator (or make this rule \"otherwise\")" });
    return z.NEVER;
  }
  const main = normalizeClause({ field: raw.field, operator: raw.operator, value: raw.value }, ctx, []);
  const and = (raw.and ?? []).map((clause, i) => normalizeClause(clause, ctx, ["and", i]));
  if (!main || and.some((c) => c === null)) return z.NEVER;
  return and.length ? { section: raw.section, ...main, and: and as ConditionClause[] } : { section: raw.section, ...main };
});

/** The ordered rules; "otherwise" may only come last (rules after it could never match). */
export const SyncConditionsSchema = z
  .array(SyncConditionSchema)
  .max(BOUNDS.conditionRules, `At most ${BOUNDS.conditionRules} rules`)
  .superRefine((rules, ctx) => {
    rules.forEach((rule, index) => {
      if ("always" in rule && index !== rules.length - 1) {
        ctx.addIssue({ code: "custom", path: [index, "always"], message: '"Otherwise" must be the last rule: the rules after it would never be used' });
      }
    });
  });

export type ConditionError = { index: number | null; path: string; message: string };

/** Zod issues of SyncConditionsSchema as `{ index (of the rule), path, message }` for the editor. */
export function conditionErrors(error: z.ZodError): ConditionError[] {
  return error.issues.map((issue) => {
    const [first, ...rest] = issue.path;
    return typeof first === "number"
      ? { index: first, path: rest.map(String).join("."), message: issue.message }
      : { index: null, path: issue.path.map(String).join("."), message: issue.message };
  });
}

/** The rule as stored in SyncCondition.rule (the Section has its own column). */
export function conditionRule(condition: SyncCondition): Record<string, unknown> {
  const { section: _section, ...rule } = condition;
  return rule;
}

// ---------------------------------------------------------------- evaluation

const lower = (s: string) => s.trim().toLowerCase();

function clauseMatches(customer: ShopifyCustomer, clause: ConditionClause): boolean {
  const spec: ConditionFieldSpec = CONDITION_FIELDS[clause.field];
  const actual = spec.get(customer);
  const wanted = (Array.isArray(clause.value) ? clause.value : [clause.value]) as (string | number)[];

  if (spec.kind === "number") {
    const n = actual as number | null;
    if (n === null || !Number.isFinite(n)) return clause.operator === "not_equals";
    const target = wanted.map(Number);
    switch (clause.operator) {
      case "equals":
        return n === target[0];
      case "not_equals":
        return n !== target[0];
      case "gt":
        return n > target[0];
      case "lt":
        return n < target[0];
      case "in":
        return target.includes(n);
      default:
        return false;
    }
  }

  const values = ((actual as string[] | null) ?? []).map(lower);
  const targets = wanted.map((w) => lower(String(w)));
  const hasEqual = (t: string) => values.includes(t);
  if (spec.kind === "tags") {
    switch (clause.operator) {
      case "equals":
      case "contains":
        return hasEqual(targets[0]);
      case "not_equals":
      case "not_contains":
        return !hasEqual(targets[0]);
      case "in":
        return targets.some(hasEqual);
      default:
        return false;
    }
  }
  switch (clause.operator) {
    case "equals":
      return hasEqual(targets[0]);
    case "not_equals":
      return !hasEqual(targets[0]);
    case "contains":
      return values.some((v) => v.includes(targets[0]));
    case "not_contains":
      return !values.some((v) => v.includes(targets[0]));
    case "in":
      return targets.some(hasEqual);
    default:
      return false;
  }
}

export function conditionMatches(customer: ShopifyCustomer, condition: SyncCondition): boolean {
  if ("always" in condition) return true;
  return clauseMatches(customer, condition) && (condition.and ?? []).every((clause) => clauseMatches(customer, clause));
}

/** The index of the first rule the customer matches, or -1. */
export function pickConditionIndex(customer: ShopifyCustomer, conditions: readonly SyncCondition[]): number {
  return conditions.findIndex((condition) => conditionMatches(customer, condition));
}

/** The Section discriminator of the first matching rule; null = not synced. */
export function pickSection(customer: ShopifyCustomer, conditions: readonly SyncCondition[]): string | null {
  const index = pickConditionIndex(customer, conditions);
  return index < 0 ? null : conditions[index].section;
}
