/**
 * Job `adestra.send-profiles` ({ runId }, "sync" queue): one Adestra send, everything read from its SyncRun
 * (choices, list, core table, unsub list, whose "last send" it updates). Used by On Demand, Auto Send,
 * Send now and `npm run ops -- send`.
 *
 * Outcomes, all on the SyncRun row (the page reads it):
 *  - succeeded: counters final, SendSettings.lastSendAt of its kind = finish time.
 *  - failed, not retried (UnrecoverableError): the shop is not invited, Adestra is no longer connected or
 *    its core table changed, the list is gone or moved, Adestra rejected the credentials ("reconnect in
 *    Settings"), Adestra stayed unavailable or rate-limited after the client's own retries (what was written
 *    stays recorded; sending again skips it as unchanged), Shopify refused the app's token.
 *  - anything else (Shopify hiccups, database, network on the Shopify side) is retried by BullMQ with backoff:
 *    the run goes back to "queued" saying why, and fails with the reason after the last attempt.
 * Idempotence: each attempt starts the run's counters and failures again from zero (startSyncRunAttempt);
 * what an earlier attempt wrote is in ProfileLink and is counted as unchanged, never twice. A duplicate job
 * for a finished run does nothing.
 */
import { UnrecoverableError } from "bullmq";
import { parseEnv } from "../../../env.server";
import {
  AdestraError,
  AdestraFaultError,
  AdestraInvalidFieldError,
  AdestraNotFoundError,
  AdestraPermissionError,
} from "../client/errors";
import { readStoreCustomers } from "../../../shopify/store-customers.server";
import {
  ShopifyAuthError,
  ShopifyGraphqlError,
  ShopifyMalformedDataError,
  ShopifySessionNotFoundError,
} from "../../../shopify/errors";
import { findAdestraLinkHashes, listTarget, unsubTarget, upsertAdestraLink } from "../../../models/adestra-profile-link.server";
import { recordLastSendAt } from "../../../models/adestra-send-settings.server";
import { assertShopInvited, ShopNotInvitedError } from "../../../models/shop.server";
import {
  finishSyncRun,
  getSyncRunForJob,
  recordSyncFailures,
  requeueSyncRun,
  setSyncRunTotal,
  startSyncRunAttempt,
  updateSyncRunProgress,
  type SyncRunCounters,
} from "../../../models/sync-run.server";
import { describeAdestraError, openAdestraConnection, RECONNECT_MESSAGE } from "../account.server";
import { getShopifyAdmin } from "../../../shopify/admin.server";
import { ADESTRA_CONTACT_FIELDS, type AdestraContactData } from "../rules/map-customer";
import { parseSendRunSettings } from "../rules/run-settings";
import type { ErrorVerdict } from "../../../runs/failures";
import { runSend, type SendCounters } from "../rules/send-engine";
import type { JobContext } from "../../../queues/worker.server";
import type { AdestraSendProfilesJobSchema } from "../../../queues/registry";
import type { z } from "zod";

/** A failure that ends the run now, with a message for the merchant. */
class RunFailed extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export async function adestraSendProfilesJob({ runId }: z.infer<typeof AdestraSendProfilesJobSchema>, { job, log }: JobContext) {
  const run = await getSyncRunForJob({ runId });
  if (!run) return { outcome: "skipped", reason: "the run no longer exists" };
  if (run.status !== "queued" && run.status !== "running") return { outcome: "skipped", reason: `the run is already ${run.status}` };

  let counters: SendCounters | undefined;
  try {
    const result = await send({ run, log, onCounters: (c) => (counters = c) });
    return { outcome: "succeeded", ...result };
  } catch (error) {
    const failure = classifyRunError(error, counters);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (failure.final || lastAttempt) {
      await finishSyncRun({ runId, status: "failed", errorCode: failure.code, errorMessage: failure.message, counters: counters && toRow(counters) });
      log(`run ${runId} failed: ${failure.message}`);
      throw failure.final ? new UnrecoverableError(failure.message) : error;
    }
    await requeueSyncRun({ runId, errorMessage: `Interrupted (${failure.message}); trying again shortly.` });
    throw error;
  }
}

type RunRow = NonNullable<Awaited<ReturnType<typeof getSyncRunForJob>>>;

async function send({ run, log, onCounters }: { run: RunRow; log: (m: string) => void; onCounters: (c: SendCounters) => void }) {
  const shop = run.shop.domain;
  try {
    await assertShopInvited({ shop });
  } catch (error) {
    if (error instanceof ShopNotInvitedError) throw new RunFailed("not_invited", `This store is not invited (or has uninstalled the app): ${error.message}`);
    throw error;
  }
  const settings = parseSendRunSettings(run.settings);
  if (!settings) throw new RunFailed("bad_settings", "The send's settings could not be read; start it again.");
  const opened = await openAdestraConnection({ shopId: run.shopId });
  if (!opened) throw new RunFailed("not_connected", "Adestra is not connected any more: connect it in Settings and send again.");
  const { connection, client } = opened;
  if (connection.coreTableId !== settings.coreTableId) {
    throw new RunFailed("core_table_changed", "The Adestra core table was changed after this send was started; choose a list on the new core table and send again.");
  }
  const { coreTableId: tableId, unsubListId } = settings;
  const { listId } = settings.choices;

  await startSyncRunAttempt({ runId: run.id });

  // The list may have been deleted or moved since the send was started.
  try {
    const list = await client.lists.get(listId);
    if (list.table_id !== tableId) throw new RunFailed("list_moved", `The Adestra list "${list.name}" is not on the connected core table any more; choose another list.`);
  } catch (error) {
    if (error instanceof AdestraNotFoundError) throw new RunFailed("list_gone", "The Adestra list no longer exists; choose another list and send again.");
    throw error;
  }
  const selectFields = await coreTableFields({ client, tableId, log });

  const { graphql } = await getShopifyAdmin({ shop });
  const { total, method, customers } = await readStoreCustomers({ graphql, log, threshold: parseEnv().ADESTRA_BULK_EXPORT_THRESHOLD });
  await setSyncRunTotal({ runId: run.id, total });
  log(`${shop}: ${total} customers, read ${method === "bulk" ? "by bulk export" : "page by page"}`);

  const list = listTarget(listId);
  const unsub = unsubTarget(unsubListId);
  const result = await runSend({
    customers,
    choices: settings.choices,
    timeZone: run.shop.ianaTimezone,
    selectFields,
    writer: {
      upsertContact: (contact) => client.contacts.upsert({ tableId, data: contact, dedupeField: "email" }),
      addToList: (contactId) => client.contacts.addList({ contactId, listId }),
      addToUnsubList: (email) => client.unsubLists.addAddress({ email, unsubListId }),
    },
    links: {
      async find(customerIds) {
        const found = await findAdestraLinkHashes({ shopId: run.shopId, customerIds, targets: [list, unsub] });
        return new Map([...found].map(([id, byTarget]) => [id, { list: byTarget.get(list), unsub: byTarget.get(unsub) }]));
      },
      saveList: ({ customerId, contactId, email, hash }) =>
        upsertAdestraLink({ shopId: run.shopId, target: list, customerId, destinationId: String(contactId), email, payloadHash: hash }),
      saveUnsub: ({ customerId, email, hash }) => upsertAdestraLink({ shopId: run.shopId, target: unsub, customerId, destinationId: null, email, payloadHash: hash }),
    },
    classifyError: classifyWriteError,
    onProgress: async (c) => {
      onCounters(c);
      await updateSyncRunProgress({ runId: run.id, counters: toRow(c) });
    },
    onFailures: (failures) => recordSyncFailures({ runId: run.id, failures }),
  });
  onCounters(result.counters);
  if (result.stoppedBy !== undefined) throw result.stoppedBy;

  const finishedAt = new Date();
  const recordAs = settings.recordAs;
  await finishSyncRun({
    runId: run.id,
    status: "succeeded",
    counters: toRow(result.counters),
    finishedAt,
    alsoInTransaction: recordAs ? (tx) => recordLastSendAt({ shopId: run.shopId, kind: recordAs, at: finishedAt }, tx) : undefined,
  });
  log(`${shop}: sent ${result.counters.created + result.counters.updated}, unchanged ${result.counters.unchanged}, failed ${result.counters.failed}`);
  return result.counters;
}

const toRow = (c: SendCounters): SyncRunCounters => ({ ...c });

/**
 * Only fields the core table has are written, when Adestra says which it has (coreTable.get's table_columns);
 * email is always written. Without that answer every mapped field is written, and a missing one stops the
 * send with fault 211 (classifyWriteError) naming what to add.
 */
async function coreTableFields({ client, tableId, log }: { client: NonNullable<Awaited<ReturnType<typeof openAdestraConnection>>>["client"]; tableId: number; log: (m: string) => void }) {
  const table = await client.coreTables.get(tableId);
  const columns = table.table_columns?.map((c) => c.name.toLowerCase());
  if (!columns) return undefined;
  const kept = ADESTRA_CONTACT_FIELDS.filter((field) => field === "email" || columns.includes(field));
  const missing = ADESTRA_CONTACT_FIELDS.filter((field) => !kept.includes(field));
  if (missing.length) log(`core table ${tableId} has no field ${missing.join(", ")}: not written`);
  return (contact: AdestraContactData) => Object.fromEntries(kept.map((field) => [field, contact[field]])) as Partial<AdestraContactData> & { email: string };
}

/** Per-record Adestra refusals are recorded and the send goes on; anything that will fail for everyone stops it. */
export function classifyWriteError(error: unknown): ErrorVerdict {
  if (error instanceof AdestraInvalidFieldError || error instanceof AdestraNotFoundError || error instanceof AdestraPermissionError) return { kind: "stop" };
  if (error instanceof AdestraFaultError) return { kind: "record", reason: error.faultString, response: `fault ${error.faultCode}: ${error.faultString}` };
  return { kind: "stop" };
}

const SENT_SO_FAR = (c: SendCounters | undefined) =>
  c ? ` ${c.created + c.updated} profile(s) were sent and ${c.suppressed} address(es) added to the unsub list before it stopped; they stay recorded, and sending again skips them.` : "";

/** final: retrying the job cannot help (the merchant or Adestra must act first). */
function classifyRunError(error: unknown, counters: SendCounters | undefined): { final: boolean; code: string; message: string } {
  if (error instanceof RunFailed) return { final: true, code: error.code, message: error.message };
  if (error instanceof AdestraInvalidFieldError) {
    return {
      final: true,
      code: "adestra_fault_211",
      message: `The Adestra core table lacks a field the app writes (${error.faultString}). Add these text fields to it: ${ADESTRA_CONTACT_FIELDS.join(", ")}.${SENT_SO_FAR(counters)}`,
    };
  }
  if (error instanceof AdestraError) {
    const code = error.faultCode ? `adestra_fault_${error.faultCode}` : error.status ? `adestra_http_${error.status}` : "adestra";
    const message = describeAdestraError(error);
    return { final: true, code, message: message === RECONNECT_MESSAGE ? message : `${message}${SENT_SO_FAR(counters)}` };
  }
  if (error instanceof ShopifyAuthError || error instanceof ShopifySessionNotFoundError) {
    return { final: true, code: "shopify_auth", message: "Shopify did not let the app read the store's customers: open the app in Shopify admin again, then send again." };
  }
  if (error instanceof ShopifyMalformedDataError || error instanceof ShopifyGraphqlError) {
    return { final: true, code: "shopify", message: `Reading customers from Shopify failed: ${error.message}` };
  }
  return { final: false, code: "interrupted", message: error instanceof Error ? error.message : String(error) };
}

