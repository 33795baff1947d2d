import { setTimeout as delay } from "node:timers/promises";
import { AdestraNotFoundError } from "./client/errors";
import { countCustomers, readCustomerPages } from "../../shopify/customers";
import { getSendSettingsRows, saveSendSettings, type SendSettingsKind } from "../../models/adestra-send-settings.server";
import type { ShopContext } from "../../models/shop.server";
import { createSyncRun, finishSyncRun } from "../../models/sync-run.server";
import { enqueue } from "../../queues/enqueue.server";
import { SEND_PROFILES_JOB, SEND_RUN } from "./jobs/definitions";
import { getAdestraAutoSendNextRun, removeAdestraAutoSendScheduler, upsertAdestraAutoSendScheduler } from "./auto-send-schedule.server";
import {
  choicesOfRow,
  type PreviewChoices,
  PreviewChoicesSchema,
  sameSendChoices,
  type SendChoices,
  type SendChoicesField,
  sendChoicesFieldErrors,
  SendChoicesSchema,
} from "./rules/choices";
import { activityWindow, decideCustomer, lastActivityAt } from "./rules/filter";
import { parseSendRunSettings, type SendRunSettings } from "./rules/run-settings";
import { clipText } from "../../utils/input-bounds";
import { type Refused, type Result, UserFacingError } from "../../utils/user-facing-error";
import { autoSendMinuteOfDay, autoSendSecondOfDay, formatTimeOfDay } from "./rules/schedule";
import { customerSearchQuery } from "./rules/search-query";
import { describeAdestraError, INTERACTIVE, openAdestraConnection } from "./account.server";
import { findLiveSyncRun, withRunStartLock } from "../../runs/start-run.server";
import { readRunStatus, type RunRow } from "../../runs/run-status.server";
import { AUTO_SEND_LOCKED } from "./connection.server";
import { getShopifyAdmin } from "../../shopify/admin.server";

/**
 * Data Sync → On Demand and Auto Send: preview, start a send (one per shop at a time), its status, and the
 * saved settings with Auto Send's daily schedule. Every function takes the invited shop's context
 * (resolveShopContext). The send itself runs in the worker: app/destinations/adestra/jobs/send-profiles.server.ts.
 */

export type SendTrigger = "on_demand" | "send_now" | "auto" | "ops";
type ChoicesFieldErrors = Partial<Record<SendChoicesField, string>>;

/**
 * The choices were refused (bad input, a list on another core table, no connection, Adestra down…): nothing was
 * started or changed. The settings saves answer it; previewSend, startSend and sendNow throw it as a
 * UserFacingError. A message for the form only when no field explains the refusal.
 */
function rejected(fieldErrors: ChoicesFieldErrors = {}, formError?: string): Refused<SendChoicesField> {
  if (formError) return { ok: false, formError };
  return Object.values(fieldErrors).some(Boolean) ? { ok: false, fieldErrors } : { ok: false, formError: "The choices were refused" };
}
const rejectedError = ({ fieldErrors, formError }: Refused<SendChoicesField>) => new UserFacingError({ fieldErrors, formError });

/** BullMQ ids: the job's is derived from its run; the deduplication id is the shop's (one send at a time). */
export const sendDedupeId = (shopId: string) => `adestra-send-${shopId}`;

// ---------------------------------------------------------------- preview

/** Stores up to this size are read whole for the preview (exact); larger ones are counted by Shopify search. */
export const PREVIEW_READ_LIMIT = 500;
const EXAMPLES = 5;

export type SendPreview = {
  count: number;
  examples: { email: string; firstName: string | null; lastName: string | null; lastActivityAt: string }[];
  /** "read": every customer read and decided here (exact). "search": Shopify's customersCount with the same rule as a query. */
  method: "read" | "search";
  /** Customers in the store. */
  storeCustomers: number;
};

/**
 * How many customers the choice sends, and a few of them. A small store is read whole and every customer
 * decided by the send's own rule (filter.ts): exact. A large store would take minutes to read under
 * Shopify's rate limit, so it is counted by `customersCount` with a search query that states the same rule
 * term by term (search-query.ts; its unit test proves the two agree customer by customer); Shopify's search
 * index can lag recent edits by seconds to minutes. The examples are always decided by filter.ts.
 */
export async function previewSend({ shop, choices }: { shop: ShopContext; choices: unknown }): Promise<SendPreview> {
  const parsed = PreviewChoicesSchema.safeParse(choices);
  if (!parsed.success) throw rejectedError(rejected(sendChoicesFieldErrors(parsed.error)));
  const { graphql } = await getShopifyAdmin({ shop: shop.domain });
  const timeZone = shop.ianaTimezone;
  const window = activityWindow({ ...parsed.data, timeZone });
  const decide = (c: Parameters<typeof decideCustomer>[0]["customer"]) => decideCustomer({ customer: c, profileGroup: parsed.data.profileGroup, window }).action === "send";
  const storeCustomers = (await countCustomers({ graphql })).count;
  const examples: SendPreview["examples"] = [];
  const example = (c: { email: string | null; firstName: string | null; lastName: string | null; updatedAt: string; lastOrderAt: string | null }) => {
    if (examples.length < EXAMPLES) examples.push({ email: c.email ?? "", firstName: c.firstName, lastName: c.lastName, lastActivityAt: lastActivityAt(c) });
  };

  if (storeCustomers <= PREVIEW_READ_LIMIT) {
    let count = 0;
    for await (const customer of readCustomerPages({ graphql, sortKey: "ID" })) {
      if (!decide(customer)) continue;
      count += 1;
      example(customer);
    }
    return { count, examples, method: "read", storeCustomers };
  }
  const query = customerSearchQuery(parsed.data);
  const { count } = await countCustomers({ graphql, query });
  let read = 0;
  for await (const customer of readCustomerPages({ graphql, query, sortKey: "UPDATED_AT", pageSize: 25 })) {
    if (decide(customer)) example(customer);
    if (examples.length >= EXAMPLES || ++read >= 50) break;
  }
  return { count, examples, method: "search", storeCustomers };
}

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
  if (!parsed.success) throw rejectedError(rejected(sendChoicesFieldErrors(parsed.error)));
  const kind: SendSettingsKind | null = trigger === "on_demand" ? "on_demand" : trigger === "ops" ? (recordAs ?? null) : "auto";

  return withRunStartLock({
    name: "adestra-start-send",
    shopId: shop.id,
    ttlMs: START_LOCK_TTL_MS,
    waitMs: START_LOCK_WAIT_MS,
    onBusy: () => rejectedError(rejected({}, "Another send is being started for this store; try again in a moment.")),
  }, async () => {
    const active = await findLiveSyncRun({ shopId: shop.id, kind: SEND_RUN });
    if (active) return { runId: active.id, alreadyRunning: true };

    const target = await checkSendTarget({ shopId: shop.id, choices: parsed.data });
    if (!target.ok) throw rejectedError(target);

    const settings: SendRunSettings = { choices: parsed.data, listName: target.listName, coreTableId: target.coreTableId, unsubListId: target.unsubListId, recordAs: kind };
    const run = await createSyncRun({ shopId: shop.id, destination: "adestra", kind: "send", trigger, settings });
    const queued = await enqueueSend({ runId: run.id, shopId: shop.id });
    if (!queued) {
      const message = "The previous send is still finishing in the worker; try again in a moment.";
      await finishSyncRun({ runId: run.id, status: "failed", errorCode: "not_queued", errorMessage: message });
      throw rejectedError(rejected({}, message));
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
async function checkSendTarget({ shopId, choices }: { shopId: string; choices: SendChoices }): Promise<SendTarget> {
  const opened = await openAdestraConnection({ shopId }, INTERACTIVE);
  if (!opened) return rejected({}, "Connect Adestra in Settings first.");
  const { coreTableId, coreTableName, unsubListId } = opened.connection;
  if (coreTableId === null || unsubListId === null) {
    return rejected({}, "Choose the core table and the unsub list in Settings first: unsubscribed customers must have somewhere to go.");
  }
  try {
    const fetched = await opened.client.lists.get(choices.listId);
    // The name is Adestra's, stored with the run and shown: clipped (utils/input-bounds.ts).
    const list = { ...fetched, name: clipText(fetched.name) };
    if (list.table_id !== coreTableId) {
      return rejected({
        listId: `"${list.name}" is on another core table, not on ${coreTableName ?? `core table ${coreTableId}`} that this store is connected to — choose one of its lists`,
      });
    }
    return { ok: true, listName: list.name, coreTableId, unsubListId };
  } catch (error) {
    if (error instanceof AdestraNotFoundError) return rejected({ listId: "This Adestra list no longer exists — choose another" });
    return rejected({}, describeAdestraError(error));
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
  const [runs, rows] = await Promise.all([
    readRunStatus({ shopId: shop.id, destination: "adestra", kind: "send", details: sendDetails }),
    getSendSettingsRows({ shopId: shop.id }),
  ]);
  const onDemand = rows.onDemand?.lastSendAt ?? null;
  const auto = rows.auto?.lastSendAt ?? null;
  return {
    ...runs,
    /** The latest successful send of either kind. */
    lastSendAt: latest(onDemand, auto),
    lastSendAtByKind: { onDemand, auto },
    timeZone: shop.ianaTimezone,
  };
}

const latest = (a: Date | null, b: Date | null) => (a && b ? (a > b ? a : b) : (a ?? b));

// ---------------------------------------------------------------- settings

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
  if (!parsed.success) return rejected(sendChoicesFieldErrors(parsed.error));
  await saveSendSettings({ shopId: shop.id, kind: "on_demand", choices: parsed.data, listName });
  return { ok: true };
}

/**
 * Saves Auto Send. While it is saved as on, its choices are read-only: saving other choices with it still on
 * is refused (untick and save first). Off: saves the choices and removes the schedule. On: checks the list
 * like a send does and (re)creates the shop's daily job scheduler.
 * The form must submit the shown choices even while they are read-only (readOnly inputs, not disabled ones).
 */
export async function saveAutoSendSettings({ shop, choices, enabled }: { shop: ShopContext; choices: unknown; enabled: boolean }): Promise<Result<SendChoicesField, { nextRunAt: Date | null }>> {
  const parsed = SendChoicesSchema.safeParse(choices);
  if (!parsed.success) return rejected(sendChoicesFieldErrors(parsed.error));
  const { auto } = await getSendSettingsRows({ shopId: shop.id });
  const saved = choicesOfRow(auto);

  if (!enabled) {
    await saveSendSettings({ shopId: shop.id, kind: "auto", choices: parsed.data, listName: auto && saved?.listId === parsed.data.listId ? auto.listName : null, autoSendEnabled: false });
    await removeAdestraAutoSendScheduler({ shopId: shop.id });
    return { ok: true, nextRunAt: null };
  }
  if (auto?.autoSendEnabled && !(saved && sameSendChoices(saved, parsed.data))) return rejected({}, AUTO_SEND_LOCKED);

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

/**
 * "Send now": a send with the saved Auto Send choices, now (trigger send_now; updates Auto Send's last send).
 * Throws UserFacingError when no Auto Send settings are saved.
 */
export async function sendNow({ shop }: { shop: ShopContext }): Promise<StartSendResult> {
  const { auto } = await getSendSettingsRows({ shopId: shop.id });
  const choices = choicesOfRow(auto);
  if (!choices) throw rejectedError(rejected({}, "Save the Auto Send settings first."));
  return startSend({ shop, trigger: "send_now", choices });
}

/** A scheduled send whose saved choices were refused: kept as a failed run, so the page shows why. */
export async function recordRejectedAutoSend({ shopId, choices, message }: { shopId: string; choices: SendChoices; message: string }) {
  const run = await createSyncRun({ shopId, destination: "adestra", kind: "send", trigger: "auto", settings: { choices, listName: null, recordAs: "auto" } });
  await finishSyncRun({ runId: run.id, status: "failed", errorCode: "rejected", errorMessage: message });
}

export type { PreviewChoices };
