import { DateTime } from "luxon";
import { z } from "zod";
import { BOUNDS } from "../../../utils/input-bounds";
import { type Refused, UserFacingError } from "../../../utils/user-facing-error";

/**
 * What a merchant chooses for a send (On Demand and Auto Send alike). Browser-safe: the Data Sync form
 * validates with the same schema the server enforces.
 */

/**
 * The one definition of "activity" for the date range, shown to the merchant as help text and implemented
 * by `lastActivityAt` / `activityWindow` in ./filter.ts.
 */
export const ACTIVITY_DEFINITION =
  "A profile's activity is the later of the customer's last update in Shopify (any change to their profile or " +
  "email consent) and their last order. The date range includes both the start and the end day, in your " +
  "store's timezone. Leave a date empty for no limit on that side. A quick choice (This year, Last 30 days…) " +
  "moves with the day the send runs.";

export const PROFILE_GROUPS = ["all", "subscribers"] as const;
export const ProfileGroupSchema = z.enum(PROFILE_GROUPS, { error: "choose All profiles or Email subscribers only" });
export type ProfileGroup = z.infer<typeof ProfileGroupSchema>;

/** A calendar day, YYYY-MM-DD, that exists (no 2026-02-30). */
export const CalendarDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "use the form YYYY-MM-DD")
  .refine((value) => DateTime.fromISO(value, { zone: "UTC" }).isValid, "is not a date in the calendar");

/** Forms send "" for an empty date field: that means "no limit", not an error. */
const optionalDay = z.preprocess((value) => (value === "" || value === null ? undefined : value), CalendarDaySchema.optional());

const rangeInOrder = (c: { activityFrom?: string; activityTo?: string }) => !c.activityFrom || !c.activityTo || c.activityTo >= c.activityFrom;
const RANGE_ERROR = { path: ["activityTo"], message: "the end date is before the start date" };

/**
 * A range relative to the day a send runs, saved as such (a daily Auto Send's "this year" still ends on the
 * day it runs, months after the save): "this_year" (1 January to today), "last_days:N" (the N days up to and
 * including today), "last_months:N" (from the day after the same day N months ago, to today). Days are in the
 * store's timezone. A fixed range ("since a date" is a fixed start with no end) keeps activityFrom/To.
 */
export const RelativeRangeSchema = z
  .string()
  .regex(/^(this_year|last_days:[1-9]\d{0,3}|last_months:[1-9]\d{0,2})$/, "choose a range: this year, the last N days or the last N months")
  .refine((value) => !/^last_days:/.test(value) || Number(value.slice(10)) <= 3660, "at most 3,660 days")
  .refine((value) => !/^last_months:/.test(value) || Number(value.slice(12)) <= 120, "at most 120 months");
export type RelativeRange = z.infer<typeof RelativeRangeSchema>;

const optionalRelative = z.preprocess((value) => (value === "" || value === null ? undefined : value), RelativeRangeSchema.optional());

/** The calendar days a relative range covers on `today` (YYYY-MM-DD in the store's timezone). */
export function resolveRelativeRange(range: RelativeRange, today: string): { from: string; to: string } {
  const day = DateTime.fromISO(today, { zone: "UTC" });
  const [kind, n] = range.split(":");
  const from =
    kind === "this_year" ? day.startOf("year") : kind === "last_days" ? day.minus({ days: Number(n) - 1 }) : day.minus({ months: Number(n) }).plus({ days: 1 });
  return { from: from.toISODate()!, to: today };
}

/** "This year", "Last 30 days", "Last 12 months". */
export function describeRelativeRange(range: RelativeRange): string {
  const [kind, n] = range.split(":");
  if (kind === "this_year") return "This year";
  const unit = kind === "last_days" ? "day" : "month";
  return Number(n) === 1 ? `Last ${unit}` : `Last ${n} ${unit}s`;
}

/** A relative range makes the fixed days meaningless: they are dropped, so they are never saved beside it. */
const relativeWins = <C extends { activityRelative?: RelativeRange; activityFrom?: string; activityTo?: string }>(c: C): C =>
  c.activityRelative ? { ...c, activityFrom: undefined, activityTo: undefined } : c;

/**
 * The choices a send runs with on `today`: a relative range resolved to its days (fixed choices unchanged),
 * and the relative range it came from, for the run's record.
 */
export function resolveChoices<C extends { activityRelative?: RelativeRange; activityFrom?: string; activityTo?: string }>(
  choices: C,
  today: string,
): { choices: C; activityRelative?: RelativeRange } {
  if (!choices.activityRelative) return { choices };
  const { from, to } = resolveRelativeRange(choices.activityRelative, today);
  return { choices: { ...choices, activityRelative: undefined, activityFrom: from, activityTo: to }, activityRelative: choices.activityRelative };
}

export const SendChoicesSchema = z
  .object({
    profileGroup: ProfileGroupSchema,
    listId: z.coerce
      .number({ error: "choose an Adestra list" })
      .int("choose an Adestra list")
      .positive("choose an Adestra list")
      .max(BOUNDS.numericId, "choose an Adestra list"),
    activityFrom: optionalDay,
    activityTo: optionalDay,
    activityRelative: optionalRelative,
  })
  .refine(rangeInOrder, RANGE_ERROR)
  .transform(relativeWins);

export type SendChoices = z.infer<typeof SendChoicesSchema>;

/** What the preview needs: the same choices, the list not required (who is sent does not depend on it). */
export const PreviewChoicesSchema = z
  .object({ profileGroup: ProfileGroupSchema, activityFrom: optionalDay, activityTo: optionalDay, activityRelative: optionalRelative })
  .refine(rangeInOrder, RANGE_ERROR)
  .transform(relativeWins);
export type PreviewChoices = z.infer<typeof PreviewChoicesSchema>;
export type SendChoicesField = keyof SendChoices;

/** zod issues → one message per field (the first), for form errors. */
export function sendChoicesFieldErrors(error: z.ZodError): Partial<Record<SendChoicesField, string>> {
  const out: Partial<Record<SendChoicesField, string>> = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    if (field === "profileGroup" || field === "listId" || field === "activityFrom" || field === "activityTo" || field === "activityRelative") {
      out[field] ??= issue.message;
    }
  }
  return out;
}

/** The saved choices of a SendSettings row, or null when none were saved (no list yet) or they no longer parse. */
export function choicesOfRow(
  row: { profileGroup: string | null; listId: number | null; activityFrom: string | null; activityTo: string | null; activityRelative: string | null } | null,
): SendChoices | null {
  if (!row || row.listId === null) return null;
  const parsed = SendChoicesSchema.safeParse({
    profileGroup: row.profileGroup,
    listId: row.listId,
    activityFrom: row.activityFrom ?? undefined,
    activityTo: row.activityTo ?? undefined,
    activityRelative: row.activityRelative ?? undefined,
  });
  return parsed.success ? parsed.data : null;
}

/**
 * The choices were refused (bad input, a list on another core table, no connection, Adestra down…): nothing was
 * started or changed. The settings saves answer it; the preview, a send's start and Send now throw it as a
 * UserFacingError (refusedChoicesError). A message for the form only when no field explains the refusal.
 */
export function refusedChoices(fieldErrors: Partial<Record<SendChoicesField, string>> = {}, formError?: string): Refused<SendChoicesField> {
  if (formError) return { ok: false, formError };
  return Object.values(fieldErrors).some(Boolean) ? { ok: false, fieldErrors } : { ok: false, formError: "The choices were refused" };
}
export const refusedChoicesError = ({ fieldErrors, formError }: Refused<SendChoicesField>) => new UserFacingError({ fieldErrors, formError });
