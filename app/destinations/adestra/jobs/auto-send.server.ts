/**
 * Job `adestra.auto-send` ({ shop }), fired daily by the shop's job scheduler (schedulers.server.ts): starts
 * a send with the saved Auto Send choices, exactly like "Send now" but with trigger "auto". Nothing is sent
 * when Auto Send was turned off meanwhile (its stray scheduler is removed), when the shop is no longer
 * invited, or when a send is already running (that one is the day's send).
 */
import type { JobPayload } from "../../../queues/registry";
import { getSendSettingsRows } from "../../../models/adestra-send-settings.server";
import { choicesOfRow } from "../rules/choices";
import { getShop, invitedShopContext } from "../../../models/shop.server";
import { UserFacingError } from "../../../utils/user-facing-error";
import { recordRejectedAutoSend, startSend } from "../send.server";
import { AUTO_SEND_JOB } from "./definitions";
import { autoSendSchedulerId } from "../rules/schedule";
import { getQueue } from "../../../queues/enqueue.server";
import { removeAdestraAutoSendScheduler, upsertAdestraAutoSendScheduler } from "../auto-send-schedule.server";
import type { JobContext } from "../../../queues/registry";

export async function adestraAutoSendJob({ shop }: JobPayload<typeof AUTO_SEND_JOB>, { log }: JobContext) {
  const shopRow = await getShop({ shop });
  if (!shopRow) return { outcome: "skipped", reason: "unknown shop" };
  const { auto } = await getSendSettingsRows({ shopId: shopRow.id });
  const choices = choicesOfRow(auto);
  if (!auto?.autoSendEnabled || !choices) {
    await removeAdestraAutoSendScheduler({ shopId: shopRow.id });
    return { outcome: "skipped", reason: "auto send is off" };
  }
  // The shop's timezone is refreshed when the merchant opens the app; the schedule follows from tomorrow.
  const scheduler = await getQueue(AUTO_SEND_JOB.queue).getJobScheduler(autoSendSchedulerId(shopRow.id));
  if (scheduler && scheduler.tz !== shopRow.ianaTimezone) {
    await upsertAdestraAutoSendScheduler({ shopId: shopRow.id, shop, timeZone: shopRow.ianaTimezone });
  }
  const context = invitedShopContext(shopRow);
  if (!context) return { outcome: "skipped", reason: "not invited" };
  try {
    const { runId, alreadyRunning } = await startSend({ shop: context, trigger: "auto", choices });
    log(alreadyRunning ? `a send is already running (${runId})` : `started run ${runId}`);
    return { outcome: alreadyRunning ? "already running" : "started", runId };
  } catch (error) {
    // The saved choices no longer work (list deleted, disconnected…): the merchant sees it on the page as a
    // failed auto send, not only in the worker's log.
    if (error instanceof UserFacingError) {
      await recordRejectedAutoSend({ shopId: shopRow.id, choices, message: error.message });
      return { outcome: "rejected", reason: error.message };
    }
    throw error;
  }
}
