/**
 * Calendar days as the activity range holds them: "YYYY-MM-DD" strings (days in the store's timezone, which
 * the server interprets). The date picker works with JavaScript Dates at local midnight; these convert between
 * the two without time zones getting involved, and format without Intl so server and browser render the same.
 */

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

/** Quick choices relative to today in the store's timezone. */
export function quickRanges(today: string): { label: string; from: string; to: string }[] {
  const year = today.slice(0, 4);
  const lastYear = String(Number(year) - 1);
  return [
    { label: "Any time", from: "", to: "" },
    { label: "Last 30 days", from: addDays(today, -29), to: today },
    { label: "Last 90 days", from: addDays(today, -89), to: today },
    { label: "This year", from: `${year}-01-01`, to: today },
    { label: "Last 12 months", from: addDays(`${lastYear}${today.slice(4)}`, 1), to: today },
  ];
}
