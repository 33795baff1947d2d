import { DateTime } from "luxon";

/**
 * Formats an instant as wall-clock time in a shop's IANA timezone, e.g. "8 Mar 2026, 03:00 EDT".
 * Pure, so loaders format on the server and the browser only shows strings (no hydration differences
 * between Node's and the browser's time zone data, and no luxon in the client bundle).
 * An unknown zone falls back to UTC (labelled "UTC"), never to the server's local zone.
 */
export function formatDateTime(value: Date | string | null | undefined, timeZone: string): string | null {
  if (value == null) return null;
  const instant = typeof value === "string" ? DateTime.fromISO(value, { zone: "utc" }) : DateTime.fromJSDate(value);
  if (!instant.isValid) return null;
  let local = instant.setZone(timeZone);
  if (!local.isValid) local = instant.setZone("utc");
  // en-US gives US zones their familiar abbreviations (EST/EDT) and others a GMT offset (GMT+1).
  return local.setLocale("en-US").toFormat("d LLL yyyy, HH:mm ZZZZ");
}

/** True when the zone is a valid IANA name (luxon/Intl knows it). */
export function isValidTimeZone(timeZone: string): boolean {
  return DateTime.now().setZone(timeZone).isValid;
}

/** Today as a calendar day in the store's timezone (YYYY-MM-DD; UTC when the zone is unknown). */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const local = DateTime.fromJSDate(now).setZone(timeZone);
  return (local.isValid ? local : DateTime.fromJSDate(now).setZone("utc")).toISODate()!;
}
