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
  "store's timezone. Leave a date empty for no limit on that side.";

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
  })
  .refine(rangeInOrder, RANGE_ERROR);

export type SendChoices = z.infer<typeof SendChoicesSchema>;

/** What the preview needs: the same choices, the list not required (who is sent does not depend on it). */
export const PreviewChoicesSchema = z
  .object({ profileGroup: ProfileGroupSchema, activityFrom: optionalDay, activityTo: optionalDay })
  .refine(rangeInOrder, RANGE_ERROR);
export type PreviewChoices = z.infer<typeof PreviewChoicesSchema>;
export type SendChoicesField = keyof SendChoices;

/** zod issues → one message per field (the first), for form errors. */
export function sendChoicesFieldErrors(error: z.ZodError): Partial<Record<SendChoicesField, string>> {
  const out: Partial<Record<SendChoicesField, string>> = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    if (field === "profileGroup" || field === "listId" || field === "activityFrom" || field === "activityTo") {
      out[field] ??= issue.message;
    }
  }
  return out;
}

/** Two choices are the same send (used to keep Auto Send's saved choices read-only while it is on). */
export function sameSendChoices(a: SendChoices, b: SendChoices) {
  return (
    a.profileGroup === b.profileGroup &&
    a.listId === b.listId &&
    (a.activityFrom ?? null) === (b.activityFrom ?? null) &&
    (a.activityTo ?? null) === (b.activityTo ?? null)
  );
}

/** The saved choices of a SendSettings row, or null when none were saved (no list yet) or they no longer parse. */
export function choicesOfRow(
  row: { profileGroup: string | null; listId: number | null; activityFrom: string | null; activityTo: string | null } | null,
): SendChoices | null {
  if (!row || row.listId === null) return null;
  const parsed = SendChoicesSchema.safeParse({
    profileGroup: row.profileGroup,
    listId: row.listId,
    activityFrom: row.activityFrom ?? undefined,
    activityTo: row.activityTo ?? undefined,
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
