/**
 * Adestra Auto Send: one BullMQ job scheduler per shop, at a shop-local time spread by the shop's domain
 * (rules/schedule.ts). The database (SendSettings.autoSendEnabled) is the truth; Redis follows it.
 */
import { listEnabledAutoSends } from "../../models/adestra-send-settings.server";
import { getQueue } from "../../queues/enqueue.server";
import { AUTO_SEND_JOB } from "./jobs/definitions";
import { autoSendCronPattern, autoSendSchedulerId, autoSendSecondOfDay } from "./rules/schedule";

const AUTO_SEND_PREFIX = autoSendSchedulerId("");

export function adestraAutoSendRepeat({ shop, timeZone }: { shop: string; timeZone: string }) {
  return { pattern: autoSendCronPattern(autoSendSecondOfDay(shop)), tz: timeZone };
}

export function adestraAutoSendTemplate({ shop }: { shop: string }) {
  return { name: AUTO_SEND_JOB.name, data: AUTO_SEND_JOB.schema.parse({ shop }) };
}

/** Creates or moves the shop's daily Auto Send; returns when it fires next. */
export async function upsertAdestraAutoSendScheduler({ shopId, shop, timeZone }: { shopId: string; shop: string; timeZone: string }) {
  const queue = getQueue(AUTO_SEND_JOB.queue);
  await queue.upsertJobScheduler(autoSendSchedulerId(shopId), adestraAutoSendRepeat({ shop, timeZone }), adestraAutoSendTemplate({ shop }));
  return getAdestraAutoSendNextRun({ shopId });
}

export async function removeAdestraAutoSendScheduler({ shopId }: { shopId: string }) {
  await getQueue(AUTO_SEND_JOB.queue).removeJobScheduler(autoSendSchedulerId(shopId));
}

/** When the shop's Auto Send fires next, or null when it has no schedule. */
export async function getAdestraAutoSendNextRun({ shopId }: { shopId: string }) {
  const scheduler = await getQueue(AUTO_SEND_JOB.queue).getJobScheduler(autoSendSchedulerId(shopId));
  return scheduler?.next ? new Date(scheduler.next) : null;
}

/**
 * At worker boot: every shop with Auto Send on has its scheduler (at its current timezone), and no other
 * Auto Send scheduler exists (e.g. one left by a crash between the database write and Redis).
 */
export async function reconcileAdestraAutoSendSchedulers() {
  const queue = getQueue(AUTO_SEND_JOB.queue);
  const enabled = await listEnabledAutoSends();
  const wanted = new Set<string>();
  for (const row of enabled) {
    wanted.add(autoSendSchedulerId(row.shopId));
    await upsertAdestraAutoSendScheduler({ shopId: row.shopId, shop: row.shop.domain, timeZone: row.shop.ianaTimezone });
  }
  const pageSize = 500;
  const stale: string[] = [];
  for (let start = 0; ; start += pageSize) {
    const page = await queue.getJobSchedulers(start, start + pageSize - 1, true);
    for (const scheduler of page) {
      const id = scheduler.id ?? scheduler.key;
      if (id.startsWith(AUTO_SEND_PREFIX) && !wanted.has(id)) stale.push(id);
    }
    if (page.length < pageSize) break;
  }
  for (const id of stale) await queue.removeJobScheduler(id);
  return { scheduled: wanted.size, removed: stale.length };
}
