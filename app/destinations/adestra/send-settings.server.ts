import { getSendSettingsRows, saveSendSettings } from "../../models/adestra-send-settings.server";
import type { ShopContext } from "../../models/shop.server";
import type { Result } from "../../utils/user-facing-error";
import { getAdestraAutoSendNextRun, removeAdestraAutoSendScheduler, upsertAdestraAutoSendScheduler } from "./auto-send-schedule.server";
import { choicesOfRow, refusedChoices, type SendChoicesField, sendChoicesFieldErrors, SendChoicesSchema } from "./rules/choices";
import { autoSendMinuteOfDay, autoSendSecondOfDay, formatTimeOfDay } from "./rules/schedule";
import { checkSendTarget } from "./send.server";

/** Data Sync → the saved choices of both tabs, and Auto Send's daily schedule. */

export async function getSendSettings({ shop }: { shop: ShopContext }) {
  const { onDemand, auto } = await getSendSettingsRows({ shopId: shop.id });
  const enabled = auto?.autoSendEnabled ?? false;
  return {
    onDemand: choicesOfRow(onDemand),
    onDemandListName: onDemand?.listName ?? null,
    onDemandLastSendAt: onDemand?.lastSendAt ?? null,
    auto: {
      choices: choicesOfRow(auto),
      listName: auto?.listName ?? null,
      enabled,
      lastSendAt: auto?.lastSendAt ?? null,
      nextRunAt: enabled ? await getAdestraAutoSendNextRun({ shopId: shop.id }) : null,
      /** The daily time in the shop's timezone, e.g. "03:27" (fixed per shop). */
      timeOfDay: formatTimeOfDay(autoSendSecondOfDay(shop.domain)),
    },
    timeZone: shop.ianaTimezone,
  };
}

/** Remembers the last On Demand choices (startSend with trigger on_demand does this too). */
export async function saveOnDemandChoices({ shop, choices, listName = null }: { shop: ShopContext; choices: unknown; listName?: string | null }): Promise<Result<SendChoicesField>> {
  const parsed = SendChoicesSchema.safeParse(choices);
  if (!parsed.success) return refusedChoices(sendChoicesFieldErrors(parsed.error));
  await saveSendSettings({ shopId: shop.id, kind: "on_demand", choices: parsed.data, listName });
  return { ok: true };
}

/**
 * Saves Auto Send. Off: saves the choices and removes the schedule. On: checks the list like a send does and
 * (re)creates the shop's daily job scheduler, with whatever choices come with it: the form shows them read-only
 * while Auto Send is on and ticked, so a change is made by unticking, changing, ticking and saving once.
 */
export async function saveAutoSendSettings({ shop, choices, enabled }: { shop: ShopContext; choices: unknown; enabled: boolean }): Promise<Result<SendChoicesField, { nextRunAt: Date | null }>> {
  const parsed = SendChoicesSchema.safeParse(choices);
  if (!parsed.success) return refusedChoices(sendChoicesFieldErrors(parsed.error));
  const { auto } = await getSendSettingsRows({ shopId: shop.id });
  const saved = choicesOfRow(auto);

  if (!enabled) {
    await saveSendSettings({ shopId: shop.id, kind: "auto", choices: parsed.data, listName: auto && saved?.listId === parsed.data.listId ? auto.listName : null, autoSendEnabled: false });
    await removeAdestraAutoSendScheduler({ shopId: shop.id });
    return { ok: true, nextRunAt: null };
  }
  const target = await checkSendTarget({ shopId: shop.id, choices: parsed.data });
  if (!target.ok) return target;
  await saveSendSettings({
    shopId: shop.id,
    kind: "auto",
    choices: parsed.data,
    listName: target.listName,
    autoSendEnabled: true,
    sendMinuteOfDay: autoSendMinuteOfDay(shop.domain),
  });
  const nextRunAt = await upsertAdestraAutoSendScheduler({ shopId: shop.id, shop: shop.domain, timeZone: shop.ianaTimezone });
  return { ok: true, nextRunAt };
}

