/**
 * Job `adestra.send-profiles` ({ runId }, "sync" queue): one Adestra send, everything read from its SyncRun
 * (choices, list, core table, unsub list, whose "last send" it updates). Used by On Demand, Auto Send,
 * Send now and `npm run ops -- send`.
 *
 * It runs on the run kernel (app/runs/run-job.server.ts: gate, resume from the checkpoint, progress, shutdown,
 * retries, finish); this file is what is Adestra's. Outcomes, all on the SyncRun row (the page reads it):
 *  - succeeded: counters final, SendSettings.lastSendAt of its kind = finish time.
 *  - failed, not retried (UnrecoverableError): the shop is not invited, Adestra is no longer connected or
 *    its core table changed, the list is gone or moved, Adestra rejected the credentials ("reconnect in
 *    Settings"), Adestra refused the request, Shopify refused the app's token.
 *  - Adestra unavailable after the client's own retries, or refusing one request with 304 30 times in a row
 *    while the account's pace slowed down (rate-limit.server.ts): an outage, waited out by the run kernel (the
 *    run waits "queued", saying why, and goes on from its checkpoint when Adestra answers; fails after 72 h).
 *  - anything else (Shopify hiccups, database, network on the Shopify side) is retried by BullMQ with backoff:
 *    the run goes back to "queued" saying why, and fails with the reason after the last attempt.
 * Idempotence: another attempt continues after the run's checkpoint with the counters saved at it; what an
 * earlier attempt wrote after the checkpoint is in ProfileLink and is counted as unchanged, never twice. A
 * duplicate job for a finished run does nothing.
 * A store with at least ADESTRA_IMPORT_THRESHOLD customers: the plain list writes go through contact.import
 * (../imports.server.ts); an attempt after the store was read and staged continues the imports (SyncRun.importState).
 */
import { parseEnv } from "../../../env.server";
import {
  AdestraError,
  AdestraFaultError,
  AdestraInvalidFieldError,
  AdestraNotFoundError,
  AdestraPermissionError,
  AdestraRateLimitError,
  AdestraUnavailableError,
} from "../client/errors";
import { readStoreCustomers } from "../../../shopify/store-customers.server";
import { deleteAdestraLink, findAdestraAddressHolders, findAdestraLinks, formerTarget, listTarget, unsubTarget, upsertAdestraLink } from "../../../models/adestra-profile-link.server";
import { recordLastSendAt } from "../../../models/adestra-send-settings.server";
import { setSyncRunPhase, setSyncRunTotal } from "../../../models/sync-run.server";
import { countStagedProfiles } from "../../../models/staged-profile.server";
import { importStagedContacts, stageForImport } from "../imports.server";
import { describeAdestraError, openAdestraConnection, RECONNECT_MESSAGE, unavailableStatus } from "../account.server";
import { getShopifyAdmin } from "../../../shopify/admin.server";
import { ADESTRA_CONTACT_FIELDS, type AdestraContactData } from "../rules/map-customer";
import { parseSendRunSettings } from "../rules/run-settings";
import type { ErrorVerdict } from "../../../runs/batch-engine";
import { RunFailed, runJob, unreadableSettings } from "../../../runs/run-job.server";
import { runSend, type SendCounters, type StoredLinks, zeroCounters } from "../rules/send-engine";
import { normalizeEmail, unsubHash } from "../rules/hash";

type Opened = NonNullable<Awaited<ReturnType<typeof openAdestraConnection>>>;

const SENT_SO_FAR = (c: SendCounters | undefined) =>
  c ? ` ${c.created + c.updated} profile(s) were sent and ${c.suppressed} address(es) added to the unsub list before it stopped; they stay recorded, and sending again skips them.` : "";

export const adestraSendProfilesJob = runJob({
  startAgain: "send again",
  zero: zeroCounters,
  async prepare(run) {
    const settings = parseSendRunSettings(run.settings);
    if (!settings) throw unreadableSettings("send");
    const opened = await openAdestraConnection({ shopId: run.shopId });
    if (!opened) throw new RunFailed("not_connected", "Adestra is not connected any more: connect it in Settings and send again.");
    if (opened.connection.coreTableId !== settings.coreTableId) {
      throw new RunFailed("core_table_changed", "The Adestra core table was changed after this send was started; choose a list on the new core table and send again.");
    }
    return { settings, client: opened.client };
  },
  async execute({ settings, client }, { run, lease, log, resumeFrom, ports }) {
    const shop = run.shop.domain;
    const { coreTableId: tableId, unsubListId } = settings;
    const { listId } = settings.choices;
    // The list may have been deleted or moved since the send was started.
    try {
      const list = await client.lists.get(listId);
      if (list.table_id !== tableId) throw new RunFailed("list_moved", `The Adestra list "${list.name}" is not on the connected core table any more; choose another list.`);
    } catch (error) {
      if (error instanceof AdestraNotFoundError) throw new RunFailed("list_gone", "The Adestra list no longer exists; choose another list and send again.");
      throw error;
    }
    const env = parseEnv();
    const imports = (counters: SendCounters, checkpoint: typeof resumeFrom, saved: string | null) =>
      importStagedContacts({
        ...ports,
        lease,
        shopId: run.shopId,
        client,
        tableId,
        listId,
        counters,
        checkpoint,
        saved,
        log: (message) => log(`${shop}: ${message}`),
        tuning: {
          rowsPerFile: env.ADESTRA_IMPORT_ROWS_PER_FILE,
          pollMs: env.ADESTRA_IMPORT_POLL_MS,
          confirmMs: env.ADESTRA_IMPORT_CONFIRM_MS,
          settleMs: env.ADESTRA_IMPORT_SETTLE_MS,
          appUrl: env.SHOPIFY_APP_URL,
          credentialsKey: env.CREDENTIALS_ENCRYPTION_KEY,
        },
      });
    // The store was read and staged: the attempt continues the imports where they stand.
    if (run.importState) return imports(resumeFrom?.counters ?? zeroCounters(), resumeFrom, run.importState);
    const selectFields = await coreTableFields({ client, tableId, log });

    const { graphql } = await getShopifyAdmin({ shop });
    const { total, method, customers } = await readStoreCustomers({ graphql, afterId: resumeFrom?.afterId, log, threshold: env.ADESTRA_BULK_EXPORT_THRESHOLD });
    await setSyncRunTotal({ lease, total });
    // By the store's size; a run that already staged contacts keeps importing whatever the count.
    const importing = total >= env.ADESTRA_IMPORT_THRESHOLD || (await countStagedProfiles({ runId: run.id })).size > 0;
    log(`${shop}: ${total} customers, read ${method === "bulk" ? "by bulk export" : "page by page"}${resumeFrom ? ` after ${resumeFrom.afterId}` : ""}, list writes ${importing ? "by Adestra's bulk import" : "contact by contact"}`);
    if (importing) await setSyncRunPhase({ lease, phase: "export" });

    const list = listTarget(listId);
    const unsub = unsubTarget(unsubListId);
    const former = formerTarget(listId);
    const shopId = run.shopId;
    const result = await runSend({
      ...ports,
      customers,
      choices: settings.choices,
      timeZone: run.shop.ianaTimezone,
      selectFields,
      writer: {
        upsertContact: (contact) => client.contacts.upsert({ tableId, data: contact, dedupeField: "email" }),
        addToList: (contactId) => client.contacts.addList({ contactId, listId }),
        // A contact deleted in Adestra is on no list: done (the list itself was checked above).
        removeFromList: (contactId) => unlessNotFound(client.contacts.removeList({ contactId, listId })),
        addToUnsubList: (email) => client.unsubLists.addAddress({ email, unsubListId }),
        removeFromUnsubList: (email) => client.unsubLists.removeAddress({ email, unsubListId }),
      },
      links: {
        find: async (customerIds) => storedLinksOf(await findAdestraLinks({ shopId, customerIds, targets: [list, unsub] }), { list, unsub }),
        async holders(emails) {
          // Addresses are stored as Shopify gave them: ask for them as asked and lower-cased, compare lower-cased.
          const rows = await findAdestraAddressHolders({ shopId, emails: [...new Set([...emails, ...emails.map(normalizeEmail)])] });
          const out = new Map<string, Set<string>>();
          for (const row of rows) if (row.email) out.set(normalizeEmail(row.email), new Set([...(out.get(normalizeEmail(row.email)) ?? []), row.customerId]));
          return out;
        },
        saveList: ({ customerId, contactId, email, hash }) =>
          upsertAdestraLink({ shopId, target: list, customerId, destinationId: String(contactId), email, payloadHash: hash }),
        saveUnsub: ({ customerId, email, hash, unsubscribedAt }) =>
          upsertAdestraLink({ shopId, target: unsub, customerId, destinationId: null, email, payloadHash: hash, sourceUpdatedAt: unsubscribedAt ? new Date(unsubscribedAt) : null }),
        dropUnsub: (customerId) => deleteAdestraLink({ shopId, target: unsub, customerId }),
        saveFormer: ({ customerId, contactId, email }) =>
          upsertAdestraLink({ shopId, target: former, customerId, destinationId: contactId === null ? null : String(contactId), email, payloadHash: unsubHash(email) }),
        dropList: (customerId) => deleteAdestraLink({ shopId, target: list, customerId }),
      },
      classifyError: classifyWriteError,
      stage: importing ? stageForImport(run.id, listId) : undefined,
    });
    if (!importing || result.stoppedBy !== undefined || result.halted) return result;
    // Saved before the files are planned: a resumed attempt starts the imports from these counters.
    await ports.onProgress({ counters: result.counters, checkpoint: result.checkpoint });
    return imports(result.counters, result.checkpoint, null);
  },
  describeError(error, counters) {
    if (error instanceof AdestraInvalidFieldError) {
      return {
        final: true,
        code: "adestra_fault_211",
        message: `The Adestra core table lacks a field the app writes (${error.faultString}). Add these text fields to it: ${ADESTRA_CONTACT_FIELDS.join(", ")}.${SENT_SO_FAR(counters)}`,
      };
    }
    if (error instanceof AdestraUnavailableError) {
      return { final: false, outage: true, code: error.status ? `adestra_http_${error.status}` : "adestra_unavailable", message: `Adestra is not answering (${unavailableStatus(error)}).` };
    }
    if (error instanceof AdestraRateLimitError && error.retryable) {
      // 30 refusals in a row of one request, slowing down after each: Adestra takes nothing from this account now.
      return { final: false, outage: true, code: "adestra_fault_304", message: "Adestra keeps refusing requests as too frequent (fault 304), even after the app slowed down." };
    }
    if (error instanceof AdestraError) {
      const code = error.faultCode ? `adestra_fault_${error.faultCode}` : error.status ? `adestra_http_${error.status}` : "adestra";
      const message = describeAdestraError(error);
      return { final: true, code, message: message === RECONNECT_MESSAGE ? message : `${message}${SENT_SO_FAR(counters)}` };
    }
    return null;
  },
  recordSuccess: ({ settings }, run, at, tx) => (settings.recordAs ? recordLastSendAt({ shopId: run.shopId, kind: settings.recordAs, at }, tx) : Promise.resolve()),
  summary: (c) => `sent ${c.created + c.updated}, unchanged ${c.unchanged}, failed ${c.failed}, unsub list +${c.suppressed} −${c.unsuppressed}`,
});

type LinkRow = Awaited<ReturnType<typeof findAdestraLinks>>[number];

/** The engine's view of a batch's links (rules/send-engine.ts StoredLinks). */
function storedLinksOf(rows: LinkRow[], targets: { list: string; unsub: string }): Map<string, StoredLinks> {
  const out = new Map<string, StoredLinks>();
  for (const row of rows) {
    let links = out.get(row.customerId);
    if (!links) out.set(row.customerId, (links = { formerEmails: [] }));
    const contactId = Number(row.destinationId);
    if (row.target === targets.list) {
      links.list = { hash: row.payloadHash, contactId: Number.isSafeInteger(contactId) && contactId > 0 ? contactId : null, email: row.email };
    } else if (row.target === targets.unsub) {
      const since = row.sourceUpdatedAt && row.sourceUpdatedAt > row.lastSyncedAt ? row.sourceUpdatedAt : row.lastSyncedAt;
      links.unsub = { hash: row.payloadHash, email: row.email, since };
    } else if (row.email) {
      links.formerEmails.push(row.email);
    }
  }
  return out;
}

async function unlessNotFound(call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof AdestraNotFoundError)) throw error;
  }
}

/**
 * Only fields the core table has are written, when Adestra says which it has (coreTable.get's table_columns);
 * email is always written. Without that answer every mapped field is written, and a missing one stops the
 * send with fault 211 (classifyWriteError) naming what to add.
 */
async function coreTableFields({ client, tableId, log }: { client: Opened["client"]; tableId: number; log: (m: string) => void }) {
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
