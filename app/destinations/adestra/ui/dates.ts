/**
 * Calendar days as the activity range holds them: "YYYY-MM-DD" strings (days in the store's timezone, which
 * the server interprets). The date picker works with JavaScript Dates at local midnight; these convert between
 * the two without time zones getting involved, and format without Intl so server and browser render the same.
 */

import { describeRelativeRange, type RelativeRange, RelativeRangeSchema, resolveRelativeRange } from "../rules/choices";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function parseDay(day: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date rolls 2026-02-30 over to 2 March: such a day does not exist.
  return toDay(date) === day ? date : null;
}

export function toDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "2026-09-01" → "1 Sep 2026". */
export function formatDay(day: string): string {
  const date = parseDay(day);
  return date ? `${date.getDate()} ${MONTHS[date.getMonth()]} ${date.getFullYear()}` : day;
}

/** The range as the merchant reads it. */
export function describeRange(from: string, to: string): string {
  if (from && to) return `${formatDay(from)} – ${formatDay(to)}`;
  if (from) return `From ${formatDay(from)}`;
  if (to) return `Until ${formatDay(to)}`;
  return "Any time";
}

export function addDays(day: string, days: number): string {
  const date = parseDay(day)!;
  date.setDate(date.getDate() + days);
  return toDay(date);
}

/** The quick choices: ranges relative to the day a send runs, saved as such (rules/choices.ts). */
export const QUICK_RANGES: readonly RelativeRange[] = ["last_days:30", "last_days:90", "this_year", "last_months:12"];

/** The quick choices with the days they cover today (in the store's timezone); "Any time" first. */
export function quickRanges(today: string): { label: string; relative: string; from: string; to: string }[] {
  return [
    { label: "Any time", relative: "", from: "", to: "" },
    ...QUICK_RANGES.map((relative) => ({ label: describeRelativeRange(relative), relative, ...resolveRelativeRange(relative, today) })),
  ];
}

/** The range as the field shows it: "This year (1 Jan 2026 – 6 Dec 2026 today)" for a relative one. */
export function describeChoice({ from, to, relative, today }: { from: string; to: string; relative: string; today: string }): string {
  const parsed = RelativeRangeSchema.safeParse(relative);
  if (!parsed.success) return describeRange(from, to);
  const days = resolveRelativeRange(parsed.data, today);
  return `${describeRelativeRange(parsed.data)}, moving with each send (today: ${describeRange(days.from, days.to)})`;
}
