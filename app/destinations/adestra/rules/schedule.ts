import { createHash } from "node:crypto";
import { DateTime } from "luxon";

/**
 * When a shop's daily Auto Send fires: a shop-local time in a night window, spread across shops by a hash
 * of the shop's domain, so thousands of shops do not start together and each shop keeps its time forever.
 *
 * The window is 03:00–05:59:59 local: after the DST changes of Europe, North America, Australia and New
 * Zealand (all at or before 03:00 local), so the time exists every day and occurs once. The spread is to
 * the second (10,800 slots per timezone): the cron pattern has a seconds field.
 */
export const AUTO_SEND_WINDOW = { startSecond: 3 * 3600, endSecond: 6 * 3600 } as const;

/** Seconds after local midnight, deterministic per shop domain. */
export function autoSendSecondOfDay(shopDomain: string): number {
  const digest = createHash("sha256").update(shopDomain.trim().toLowerCase()).digest();
  const span = AUTO_SEND_WINDOW.endSecond - AUTO_SEND_WINDOW.startSecond;
  return AUTO_SEND_WINDOW.startSecond + (digest.readUInt32BE(0) % span);
}

/** The minute stored on SendSettings.sendMinuteOfDay (for display; the pattern keeps the second). */
export function autoSendMinuteOfDay(shopDomain: string): number {
  return Math.floor(autoSendSecondOfDay(shopDomain) / 60);
}

/** Six-field cron (seconds first), read in the shop's timezone by the job scheduler's `tz`. */
export function autoSendCronPattern(secondOfDay: number): string {
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  return `${second} ${minute} ${hour} * * *`;
}

/** Job scheduler ids never contain ":" (house style); the shop id (a cuid) is stable across domain changes. */
export function autoSendSchedulerId(shopId: string): string {
  return `adestra-auto-send-${shopId}`;
}

/** The next time the local clock shows `secondOfDay` in `timeZone`, after `now`. */
export function nextAutoSendAt({ secondOfDay, timeZone, now = new Date() }: { secondOfDay: number; timeZone: string; now?: Date }): Date {
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const at = (day: DateTime) =>
    day.startOf("day").set({ hour: Math.floor(secondOfDay / 3600), minute: Math.floor((secondOfDay % 3600) / 60), second: secondOfDay % 60 });
  const today = at(local);
  return (today.toMillis() > now.getTime() ? today : at(local.plus({ days: 1 }))).toJSDate();
}

/** "03:27" — the local time of day, for the settings page. */
export function formatTimeOfDay(secondOfDay: number): string {
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}
