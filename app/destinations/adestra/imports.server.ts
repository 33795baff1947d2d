import { setTimeout as delay } from "node:timers/promises";
import { type AdestraClient, type AdestraContact, CONTACT_PAGE_SIZE } from "./client/client";
import { AdestraError } from "./client/errors";
import { importFileUrl, parseStagedContact, partRows } from "./import-file.server";
import { normalizeEmail } from "./rules/hash";
import { ADESTRA_CONTACT_FIELDS } from "./rules/map-customer";
import type { SendCounters, SendEngineResult, StagedContact } from "./rules/send-engine";
import { confirmAdestraImportRows, listTarget } from "../../models/adestra-profile-link.server";
import { stagedProfiles, stageProfiles, updateStagedProfiles } from "../../models/staged-profile.server";
import { type RunLease, saveSyncRunImportState, setSyncRunPhase } from "../../models/sync-run.server";
import { type ImportPart, type ImportState, importedCounts, newPart, parseImportState } from "../../runs/import-state";
import { MAX_RECORDED_FAILURES, type EngineOptions, type RunCheckpoint } from "../../runs/batch-engine";

/**
 * A send through Adestra's bulk import, contact.import (docs/apis/adestra-api.md §8): the send engine stages
 * each plain list write (StagedProfile) instead of making it; then the staged contacts are cut into files
 * (ADESTRA_IMPORT_ROWS_PER_FILE rows, in customer id order), and for each file, one after the other:
 *
 *  1. prescan: the list's members are read (contact.search with `_list_id`, paged), so a contact already on
 *     the list counts as updated and one that is not as created, as the per-record path counts them
 *     (contact.addList's 1 or 0);
 *  2. hand over: contact.import(table, url, {list_id, dedupe_type: "overwrite", field_map}) with the URL of the
 *     file the app serves (import-file.server.ts). `requestedAt` is saved BEFORE the call and `uploaded` after
 *     Adestra answered 1: a resumed attempt never asks for a file's import twice. If the worker died between
 *     the call and saving its answer, the attempt does not know whether Adestra took the file: it does not ask
 *     again, it goes to 3, where the rows show up (Adestra had it) or, at the deadline, fail (it had not), to be
 *     sent by the next send (no link is saved for them);
 *  3. confirm: Adestra gives no import status (contact.import answers 1 and fetches the file later), so the
 *     list is read until every contact of the file is on it with the fields the file gave it, first after
 *     ADESTRA_IMPORT_POLL_MS, then twice as long each time (up to a minute), until ADESTRA_IMPORT_CONFIRM_MS
 *     after the request (also when the file's URL expires). A confirmed contact's list link (contact id and
 *     hash) is saved with the counts and the import state, a chunk per transaction, and its staged row goes.
 *     A row still missing is that customer's failure, not counted created or updated: at the deadline ("Adestra
 *     did not confirm this contact after the import"), or sooner once the file has landed and the list has not
 *     shown another of its contacts for ADESTRA_IMPORT_SETTLE_MS (Adestra refused those rows: it says neither
 *     that nor why), so one refused row does not hold the send for hours.
 *
 * A file Adestra fetches twice changes nothing more (overwrite dedupe on email); a fetch the app refuses (403/404)
 * imports nothing, and its rows fail at the deadline.
 */

/** Rows settled per transaction. */
const CONFIRM_CHUNK = 500;
/** The longest wait between two reads of the list while a file's contacts are awaited. */
const MAX_POLL_MS = 60_000;

export type AdestraImportTuning = {
  rowsPerFile: number;
  pollMs: number;
  confirmMs: number;
  /** Once some of a file's contacts are on the list: how long without another before the rest count as refused. */
  settleMs: number;
  /** SHOPIFY_APP_URL: where Adestra fetches the files. */
  appUrl: string;
  /** CREDENTIALS_ENCRYPTION_KEY: the file URLs' tokens are signed with a key derived from it. */
  credentialsKey: string;
};

const customerNumOf = (customerId: string) => BigInt(customerId.slice(customerId.lastIndexOf("/") + 1));

/** The send engine's `stage` port: one write per batch. */
export const stageForImport = (runId: string, listId: number) => (contacts: StagedContact[]) =>
  stageProfiles({ runId, rows: contacts.map((staged) => ({ target: listTarget(listId), customerNum: customerNumOf(staged.customerId), data: JSON.stringify(staged) })) });

type ImportRunOptions = Pick<EngineOptions<SendCounters>, "onProgress" | "shouldStop" | "recordedFailures"> & {
  /** The attempt's hold on the run (app/models/sync-run.server.ts): its writes to the run go with it. */
  lease: RunLease;
  shopId: string;
  client: AdestraClient;
  tableId: number;
  listId: number;
  /** The counters of everything but the import (the engine's, or its checkpoint's when resuming). */
  counters: SendCounters;
  checkpoint: RunCheckpoint<SendCounters> | null;
  /** The run's import state when an earlier attempt saved one. */
  saved: string | null;
  tuning: AdestraImportTuning;
  log: (message: string) => void;
};

/** Imports what the engine staged, file by file, each followed until its contacts are on the list. */
export async function importStagedContacts(options: ImportRunOptions): Promise<SendEngineResult> {
  const state = parseImportState(options.saved) ?? (await planFiles(options));
  const { counters, checkpoint } = options;
  if (state.parts.every((p) => p.done)) return { counters: withImports(counters, state), checkpoint };
  const total = importedCounts(state);
  options.log(`${state.parts.length} import file(s), ${total.rows} contact(s), ${total.confirmed} confirmed so far`);
  const run = new ContactImport(options, state, options.recordedFailures ?? 0);
  for (const [index, part] of state.parts.entries()) {
    if (options.shouldStop?.()) break;
    if (!part.done) await run.importPart(index, part);
  }
  const result = { counters: withImports(counters, state), checkpoint };
  return state.parts.some((p) => !p.done) ? { ...result, halted: true } : result;
}

const withImports = (base: SendCounters, state: ImportState): SendCounters => {
  const { created, updated, failed } = importedCounts(state);
  return { ...base, created: base.created + created, updated: base.updated + updated, failed: base.failed + failed };
};

/** The files, in customer id order, ≤ rowsPerFile rows each; saved before anything is asked of Adestra. */
async function planFiles({ lease, listId, tuning }: ImportRunOptions): Promise<ImportState> {
  const { runId } = lease;
  await setSyncRunPhase({ lease, phase: "preparing" });
  const target = listTarget(listId);
  const parts: ImportPart[] = [];
  const fields = new Set<string>(["email"]);
  let start: bigint | null = null;
  let last: bigint | null = null;
  let rows = 0;
  for await (const row of stagedProfiles({ runId, target, afterNum: null })) {
    if (rows === tuning.rowsPerFile) {
      parts.push(newPart(target, start, last!, rows));
      [start, rows] = [last, 0];
    }
    for (const field of Object.keys(parseStagedContact(row.data).contact)) fields.add(field);
    rows++;
    last = row.customerNum;
  }
  if (rows) parts.push(newPart(target, start, last!, rows));
  // Every file has the same columns: the fields the staged contacts have, in the mapping's order.
  const columns = ADESTRA_CONTACT_FIELDS.filter((field) => fields.has(field));
  const state: ImportState = { startedAt: new Date().toISOString(), parts: parts.map((part) => ({ ...part, columns, prescanned: false, requestedAt: null, expiresAt: null })) };
  await saveSyncRunImportState({ lease, importState: JSON.stringify(state) });
  return state;
}

/** A field as Adestra answers it, as text (absent or null: empty). */
const text = (value: unknown) => (value === null || value === undefined ? "" : String(value));

/** The member carries what the file gave the contact (the email ignoring case, as Adestra's dedupe does). */
function carries(member: AdestraContact, { contact }: StagedContact): boolean {
  return Object.entries(contact).every(([field, value]) =>
    field === "email" ? normalizeEmail(text(member.email)) === normalizeEmail(value ?? "") : text(member[field]) === (value ?? ""),
  );
}

type Pending = Map<string, { num: bigint; staged: StagedContact }>;

/** An Adestra answer that says it did not take the request (a fault, or an HTTP refusal before any work). */
const refusedForSure = (error: unknown) =>
  error instanceof AdestraError && (error.faultCode !== undefined || error.status === 401 || error.status === 429 || error.status === 503);

class ContactImport {
  constructor(
    private readonly options: ImportRunOptions,
    private readonly state: ImportState,
    /** Failures the run has recorded (against MAX_RECORDED_FAILURES). */
    private recordedFailures: number,
  ) {}

  #save = () => saveSyncRunImportState({ lease: this.options.lease, importState: JSON.stringify(this.state) });

  /** Prescan → hand over → confirm, continuing from wherever the part stands. */
  async importPart(index: number, part: ImportPart) {
    const { lease, client, tableId, listId, tuning, log } = this.options;
    const { runId } = lease;
    const file = `file ${index + 1} of ${this.state.parts.length}`;
    await setSyncRunPhase({ lease, phase: "importing" });
    // The part's rows, when this attempt prescans them: read once for the prescan and the confirmation.
    let rows: Pending | undefined;
    if (!part.prescanned) {
      rows = await this.#prescan(part);
      part.prescanned = true;
      await this.#save();
    }
    if (!part.requestedAt) {
      const now = Date.now();
      Object.assign(part, { requestedAt: new Date(now).toISOString(), expiresAt: new Date(now + tuning.confirmMs).toISOString() });
      await this.#save();
      const fileUrl = importFileUrl({ shopId: this.options.shopId, runId, part: index, expiresAt: new Date(part.expiresAt!) }, { appUrl: tuning.appUrl, key: tuning.credentialsKey });
      const columns = part.columns ?? ["email"];
      try {
        await client.contacts.import({ tableId, listId, fileUrl, fieldMap: Object.fromEntries(columns.map((c) => [c, c])), dedupeType: "overwrite" });
      } catch (error) {
        // Refused: nothing was queued, and the attempt that retries asks again. Otherwise (no answer) it may
        // have been: the request stays saved, and the list says whether the file landed.
        if (refusedForSure(error)) {
          Object.assign(part, { requestedAt: null, expiresAt: null });
          await this.#save();
        }
        throw error;
      }
      part.uploaded = true;
      await this.#save();
      log(`${file}: contact.import asked for ${part.rows} contact(s); Adestra fetches the file itself`);
    } else if (!part.uploaded) {
      log(`${file}: its import was asked for by an attempt that stopped before saving Adestra's answer; not asked again, its contacts are waited for on the list`);
    }
    await setSyncRunPhase({ lease: this.options.lease, phase: "confirming" });
    await this.#confirm(part, file, rows);
  }

  /** The part's rows not yet settled, by address. */
  async #pending(part: ImportPart): Promise<Pending> {
    const pending: Pending = new Map();
    for await (const row of partRows({ runId: this.options.lease.runId, target: part.target, afterNum: part.afterNum, throughNum: part.throughNum })) {
      const key = normalizeEmail(row.staged.contact.email);
      // Two customers with one address are one contact to Adestra: the second can never be told apart, and fails at the deadline.
      pending.set(pending.has(key) ? `${key}\u0000${row.num}` : key, row);
    }
    return pending;
  }

  /** The list's members, a page at a time. */
  async *#members() {
    const { client, tableId, listId } = this.options;
    for (let page = 1; ; page++) {
      const members = await client.contacts.listMembers({ tableId, listId, page });
      yield* members;
      if (members.length < CONTACT_PAGE_SIZE) return;
    }
  }

  /**
   * Whether each contact is on the list before the import: created or updated, as contact.addList would say.
   * Answers the part's rows as now staged, for the confirmation that follows in this attempt.
   */
  async #prescan(part: ImportPart): Promise<Pending> {
    const pending = await this.#pending(part);
    const onList = new Set<string>();
    for await (const member of this.#members()) {
      const key = normalizeEmail(text(member.email));
      if (pending.has(key)) onList.add(key);
    }
    const changed = [...pending.entries()].filter(([key, row]) => row.staged.onList !== onList.has(key)).map(([key, row]) => {
      row.staged = { ...row.staged, onList: onList.has(key) };
      return row;
    });
    await updateStagedProfiles({ runId: this.options.lease.runId, rows: changed.map(({ num, staged }) => ({ customerNum: num, data: JSON.stringify(staged) })) });
    return pending;
  }

  async #confirm(part: ImportPart, file: string, prescanned?: Pending) {
    const { pollMs, settleMs, confirmMs } = this.options.tuning;
    const deadline = Date.parse(part.expiresAt!);
    const pending = prescanned ?? (await this.#pending(part));
    // The file has landed once one of its contacts is on the list (an earlier attempt may have seen one).
    let landed = part.counts.created + part.counts.updated > 0;
    let lastFound = Date.now();
    for (let wait = pollMs; pending.size; wait = Math.min(wait * 2, Math.max(pollMs, MAX_POLL_MS))) {
      const giveUpAt = landed ? Math.min(deadline, lastFound + settleMs) : deadline;
      if (!(await this.#sleep(Math.min(wait, Math.max(0, giveUpAt - Date.now()))))) return;
      let found: { num: bigint; staged: StagedContact; contactId: number }[] = [];
      for await (const member of this.#members()) {
        const key = normalizeEmail(text(member.email));
        const row = pending.get(key);
        if (!row || !carries(member, row.staged)) continue;
        pending.delete(key);
        found.push({ ...row, contactId: member.id });
        if (found.length >= CONFIRM_CHUNK) {
          await this.#settle(part, found, []);
          found = [];
        }
      }
      if (found.length) {
        [landed, lastFound] = [true, Date.now()];
        await this.#settle(part, found, []);
      }
      // Progress saved after every read of the list, settled or not: a run no longer running (cancelled) stops here.
      else await this.#progress();
      const now = Date.now();
      if (pending.size && now >= deadline) {
        this.options.log(`${file}: ${pending.size} contact(s) not on the list ${Math.round(confirmMs / 1000)} s after the import was asked for: failed`);
        await this.#fail(part, pending, "Adestra did not confirm this contact after the import");
      } else if (pending.size && landed && now - lastFound >= settleMs) {
        this.options.log(`${file}: ${pending.size} contact(s) not on the list ${Math.round(settleMs / 1000)} s after the file's last contact showed: refused`);
        await this.#fail(part, pending, "Adestra imported the file but did not put this contact on the list (it says neither that it refused the row nor why)");
      }
    }
    part.done = true;
    await this.#save();
  }

  /** Waits, a second at a time so a stop (shutdown, cancel) is heard; false when the run must stop. */
  async #sleep(ms: number) {
    for (const until = Date.now() + ms; ; ) {
      if (this.options.shouldStop?.()) return false;
      const left = until - Date.now();
      if (left <= 0) return true;
      await delay(Math.min(left, 1_000));
    }
  }

  /** The rows still pending fail with `reason`, a chunk per transaction. */
  async #fail(part: ImportPart, pending: Pending, reason: string) {
    const missing = [...pending.values()];
    for (let i = 0; i < missing.length; i += CONFIRM_CHUNK) await this.#settle(part, [], missing.slice(i, i + CONFIRM_CHUNK), reason);
    pending.clear();
  }

  /** Confirmed rows (link saved, counted created or updated) and missing ones (failed with `reason`), with the state, in one transaction. */
  async #settle(part: ImportPart, confirmed: { num: bigint; staged: StagedContact; contactId: number }[], missing: { num: bigint; staged: StagedContact }[], reason = "") {
    const failures = [];
    for (const { staged } of confirmed) part.counts[staged.onList ? "updated" : "created"]++;
    for (const { staged } of missing) {
      part.counts.failed++;
      if (this.recordedFailures < MAX_RECORDED_FAILURES) {
        this.recordedFailures++;
        failures.push({ customerId: staged.customerId, email: staged.contact.email, reason, response: null });
      }
    }
    part.confirmedRows += confirmed.length + missing.length;
    part.done = part.confirmedRows >= part.rows;
    await confirmAdestraImportRows({
      shopId: this.options.shopId,
      lease: this.options.lease,
      target: part.target,
      links: confirmed.map(({ staged, contactId }) => ({ customerId: staged.customerId, contactId, email: staged.contact.email, payloadHash: staged.hash })),
      failures,
      settled: [...confirmed, ...missing].map((row) => row.num),
      importState: JSON.stringify(this.state),
    });
    await this.#progress();
  }

  #progress() {
    return this.options.onProgress({ counters: withImports(this.options.counters, this.state), checkpoint: null });
  }
}
