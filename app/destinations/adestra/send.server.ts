import { setTimeout as delay } from "node:timers/promises";
import { AdestraNotFoundError } from "./client/errors";
import { getSendSettingsRows, saveSendSettings, type SendSettingsKind } from "../../models/adestra-send-settings.server";
import type { ShopContext } from "../../models/shop.server";
import { createSyncRun, finishSyncRun } from "../../models/sync-run.server";
import { enqueue } from "../../queues/enqueue.server";
import { SEND_PROFILES_JOB, SEND_RUN } from "./jobs/definitions";
import { choicesOfRow, refusedChoices, resolveChoices, refusedChoicesError, type SendChoices, type SendChoicesField, sendChoicesFieldErrors, SendChoicesSchema } from "./rules/choices";
import { parseSendRunSettings, type SendRunSettings } from "./rules/run-settings";
import { clipText } from "../../utils/input-bounds";
import { todayIn } from "../../utils/format-date";
import type { Result } from "../../utils/user-facing-error";
import { describeAdestraError, INTERACTIVE, openAdestraConnection } from "./account.server";
import { findLiveSyncRun, withRunStartLock } from "../../runs/start-run.server";
import { readLastRun, readRunStatus, type RunRow } from "../../runs/run-status.server";

/**
 * Data Sync → a send: start one (one per shop at a time), Send now, and its status. The preview is
 * send-preview.server.ts, the saved choices and Auto Send's schedule send-settings.server.ts. Every function
 * takes the invited shop's context (resolveShopContext). The send itself runs in the worker: app/destinations/adestra/jobs/send-profiles.server.ts.
 */

export type SendTrigger = "on_demand" | "send_now" | "auto" | "ops";

/** BullMQ ids: the job's is derived from its run; the deduplication id is the shop's (one send at a time). */
export const sendDedupeId = (shopId: string) => `adestra-send-${shopId}`;

// ---------------------------------------------------------------- start

export type StartSendResult = { runId: string; alreadyRunning: boolean };

const START_LOCK_TTL_MS = 60_000;
const START_LOCK_WAIT_MS = 20_000;

/**
 * Starts a send, or returns the shop's send already queued or running (`alreadyRunning`, nothing enqueued).
 * The choices are validated, and the list must exist on the connected core table. Serialised per shop by a
 * Redis lock, so two clicks at once make one run; the job is enqueued with BullMQ deduplication on the shop.
 * `recordAs` (ops only) says whose "last send" a success updates; on_demand → On Demand's, auto/send_now → Auto Send's.
 */
export async function startSend({ shop, trigger, choices, recordAs }: {
  shop: ShopContext;
  trigger: SendTrigger;
  choices: unknown;
  recordAs?: SendSettingsKind | null;
}): Promise<StartSendResult> {
  const parsed = SendChoicesSchema.safeParse(choices);
  if (!parsed.success) throw refusedChoicesError(refusedChoices(sendChoicesFieldErrors(parsed.error)));
  const kind: SendSettingsKind | null = trigger === "on_demand" ? "on_demand" : trigger === "ops" ? (recordAs ?? null) : "auto";

  return withRunStartLock({
    name: "adestra-start-send",
    shopId: shop.id,
    ttlMs: START_LOCK_TTL_MS,
    waitMs: START_LOCK_WAIT_MS,
    onBusy: () => refusedChoicesError(refusedChoices({}, "Another send is being started for this store; try again in a moment.")),
  }, async () => {
    const active = await findLiveSyncRun({ shopId: shop.id, kind: SEND_RUN });
    if (active) return { runId: active.id, alreadyRunning: true };

    const target = await checkSendTarget({ shopId: shop.id, choices: parsed.data });
    if (!target.ok) throw refusedChoicesError(target);

    // A relative range ("this year") covers the days up to the day the send starts, in the store's timezone.
    const resolved = resolveChoices(parsed.data, todayIn(shop.ianaTimezone));
    const settings: SendRunSettings = { ...resolved, listName: target.listName, coreTableId: target.coreTableId, unsubListId: target.unsubListId, recordAs: kind };
    const run = await createSyncRun({ shopId: shop.id, destination: "adestra", kind: "send", trigger, settings });
    const queued = await enqueueSend({ runId: run.id, shopId: shop.id });
    if (!queued) {
      const message = "The previous send is still finishing in the worker; try again in a moment.";
      await finishSyncRun({ run: { runId: run.id }, status: "failed", errorCode: "not_queued", errorMessage: message });
      throw refusedChoicesError(refusedChoices({}, message));
    }
    if (trigger === "on_demand") await saveSendSettings({ shopId: shop.id, kind: "on_demand", choices: parsed.data, listName: target.listName });
    return { runId: run.id, alreadyRunning: false };
  });
}

/** Adds the job; false when BullMQ kept deduplicating it (an earlier job of the shop still completing). */
async function enqueueSend({ runId, shopId }: { runId: string; shopId: string }) {
  const jobId = SEND_RUN.jobId(runId);
  for (let attempt = 0; attempt < 40; attempt++) {
    const job = await enqueue(SEND_PROFILES_JOB, { runId }, { jobId, dedupeId: sendDedupeId(shopId) });
    if (job.id === jobId) return true;
    // Deduplicated: the shop's previous job has finished its run but BullMQ has not completed it yet.
    await delay(250);
  }
  return false;
}

type SendTarget = Result<SendChoicesField, { listName: string; coreTableId: number; unsubListId: number }>;

/** The connection is complete and the list exists on its core table. */
export async function checkSendTarget({ shopId, choices }: { shopId: string; choices: SendChoices }): Promise<SendTarget> {
  const opened = await openAdestraConnection({ shopId }, INTERACTIVE);
  if (!opened) return refusedChoices({}, "Connect Adestra in Settings first.");
  const { coreTableId, coreTableName, unsubListId } = opened.connection;
  if (coreTableId === null || unsubListId === null) {
    return refusedChoices({}, "Choose the core table and the unsub list in Settings first: unsubscribed customers must have somewhere to go.");
  }
  try {
    const fetched = await opened.client.lists.get(choices.listId);
    // The name is Adestra's, stored with the run and shown: clipped (utils/input-bounds.ts).
    const list = { ...fetched, name: clipText(fetched.name) };
    if (list.table_id !== coreTableId) {
      return refusedChoices({
        listId: `"${list.name}" is on another core table, not on ${coreTableName ?? `core table ${coreTableId}`} that this store is connected to — choose one of its lists`,
      });
    }
    return { ok: true, listName: list.name, coreTableId, unsubListId };
  } catch (error) {
    if (error instanceof AdestraNotFoundError) return refusedChoices({ listId: "This Adestra list no longer exists — choose another" });
    return refusedChoices({}, describeAdestraError(error));
  }
}

// ---------------------------------------------------------------- status

/** What a send run adds to the kernel's run status: the list and the choices it was started with. */
function sendDetails(run: RunRow) {
  const settings = parseSendRunSettings(run.settings);
  return {
    /** created + updated. */
    sent: run.created + run.updated,
    profileGroup: settings?.choices.profileGroup ?? null,
    listId: settings?.choices.listId ?? null,
    listName: settings?.listName ?? null,
    activityFrom: settings?.choices.activityFrom ?? null,
    activityTo: settings?.choices.activityTo ?? null,
  };
}

export async function getSendStatus({ shop }: { shop: ShopContext }) {
  const query = { shopId: shop.id, destination: "adestra", kind: "send", details: sendDetails } as const;
  const [runs, lastOnDemandRun, lastAutoRun, rows] = await Promise.all([
    readRunStatus(query),
    readLastRun({ ...query, triggers: ["on_demand"] }),
    readLastRun({ ...query, triggers: ["auto", "send_now"] }),
    getSendSettingsRows({ shopId: shop.id }),
  ]);
  const onDemand = rows.onDemand?.lastSendAt ?? null;
  const auto = rows.auto?.lastSendAt ?? null;
  return {
    ...runs,
    /** Each tab's own last send: the Auto Send tab never shows an On Demand send's outcome, nor the reverse. */
    lastRunByKind: { onDemand: lastOnDemandRun, auto: lastAutoRun },
    /** The latest successful send of either kind. */
    lastSendAt: latest(onDemand, auto),
    lastSendAtByKind: { onDemand, auto },
    timeZone: shop.ianaTimezone,
  };
}

const latest = (a: Date | null, b: Date | null) => (a && b ? (a > b ? a : b) : (a ?? b));

/**
 * "Send now": a send with the saved Auto Send choices, now (trigger send_now; updates Auto Send's last send).
 * Throws UserFacingError when no Auto Send settings are saved.
 */
export async function sendNow({ shop }: { shop: ShopContext }): Promise<StartSendResult> {
  const { auto } = await getSendSettingsRows({ shopId: shop.id });
  const choices = choicesOfRow(auto);
  if (!choices) throw refusedChoicesError(refusedChoices({}, "Save the Auto Send settings first."));
  return startSend({ shop, trigger: "send_now", choices });
}

/** A scheduled send whose saved choices were refused: kept as a failed run, so the page shows why. */
export async function recordRejectedAutoSend({ shopId, choices, message }: { shopId: string; choices: SendChoices; message: string }) {
  const run = await createSyncRun({ shopId, destination: "adestra", kind: "send", trigger: "auto", settings: { choices, listName: null, recordAs: "auto" } });
  await finishSyncRun({ run: { runId: run.id }, status: "failed", errorCode: "rejected", errorMessage: message });
}

