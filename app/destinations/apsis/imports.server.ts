import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import type { ApsisClient } from "./client/client";
import { ApsisApiError, ApsisValidationError } from "./client/errors";
import { apsisReason } from "./account.server";
import { waitingOutRateLimits } from "./profile-writer.server";
import { importBody, importHeader, importRow } from "./rules/import-file";
import type { FullSyncCounters, SectionPlan, StagedWork } from "./rules/profile-engine";
import { sectionOfTarget, sectionTarget } from "./rules/profile";
import { type ApsisConsentEventInput, confirmApsisImportRows, type ApsisLinkToSave } from "../../models/apsis-profile-link.server";
import { countStagedProfiles, stagedProfiles, stageProfiles } from "../../models/staged-profile.server";
import { type RunLease, saveSyncRunImportState, setSyncRunPhase } from "../../models/sync-run.server";
import { type ImportPart, type ImportState, importedCounts, newPart, parseImportState } from "../../runs/import-state";
import { MAX_RECORDED_FAILURES, type BatchEngineResult, type EngineOptions, type RunCheckpoint } from "../../runs/batch-engine";

/**
 * A Full Sync through APSIS One's Imports v2 (docs/apis/apsis-one-api.md §8; decision 031): the profile engine
 * stages each plain create or update (StagedProfile) instead of writing it; then, per Section, the staged
 * profiles are cut into files (≤ ROWS_PER_FILE rows, ≤ MAX_FILE_BYTES), and each file is imported:
 * request the import → upload the CSV to its pre-signed URL → poll until completed or error → confirm. A row
 * counts as created or updated only once APSIS's report says it was imported; a row the report lists as
 * failed is that customer's failure, with APSIS's reason. Where the import state stands is saved at every
 * step (app/runs/import-state.ts), so a resumed attempt continues each import instead of starting another.
 *
 * - An import that ends in `error` is requested again, up to IMPORT_ATTEMPTS; then its rows fail with the reason.
 * - An upload URL that expired before the file went up (APSIS's `file_upload_url_expires_at`, or S3's 403)
 *   gets a new import; the old one expires unused.
 * - At most MAX_IMPORTS_IN_FLIGHT (APSIS's three simultaneous imports per account); a 429 on the request
 *   (10 a minute, three pending) is waited out.
 */

/** APSIS allows three simultaneous imports per account. */
const MAX_IMPORTS_IN_FLIGHT = 3;
/** APSIS's file limit is 50 MB; the files stay under it with room for the header. */
const MAX_FILE_BYTES = 45 * 1024 * 1024;
const ROWS_PER_FILE = 100_000;
const IMPORT_ATTEMPTS = 3;
/** Rows confirmed per transaction. */
const CONFIRM_CHUNK = 250;

export type ImportTuning = { pollMs: number; rowsPerFile?: number };

/** What a staged row holds (StagedProfile.data). */
const stagedData = (work: StagedWork) => JSON.stringify(work);
const parseStaged = (data: string) => JSON.parse(data) as StagedWork;

const customerNumOf = (profileKey: string) => BigInt(profileKey);

/** The engine's `stage` port: one write per batch. */
export const stageForImport = (runId: string) => (works: StagedWork[]) =>
  stageProfiles({ runId, rows: works.map((work) => ({ target: sectionTarget(work.section), customerNum: customerNumOf(work.profileKey), data: stagedData(work) })) });

type ImportRunOptions = Pick<EngineOptions<FullSyncCounters>, "onProgress" | "shouldStop" | "recordedFailures"> & {
  /** The attempt's hold on the run (app/models/sync-run.server.ts): its writes to the run go with it. */
  lease: RunLease;
  shopId: string;
  client: ApsisClient;
  keyspace: string;
  sections: ReadonlyMap<string, SectionPlan>;
  /** The counters of everything but the imports (the engine's, or its checkpoint's when resuming). */
  counters: FullSyncCounters;
  checkpoint: RunCheckpoint<FullSyncCounters> | null;
  /** The run's import state when an earlier attempt saved one. */
  saved: string | null;
  tuning: ImportTuning;
  log: (message: string) => void;
};

/** Imports what the engine staged, and follows each import to its confirmation. */
export async function importStagedProfiles(options: ImportRunOptions): Promise<BatchEngineResult<FullSyncCounters>> {
  const { lease, log } = options;
  const state = parseImportState(options.saved) ?? (await planFiles(options));
  const total = importedCounts(state);
  if (!state.parts.some((p) => !p.done)) return { counters: withImports(options.counters, state), checkpoint: options.checkpoint };
  log(`${state.parts.length} import file(s), ${total.rows} profile(s), ${total.confirmed} confirmed so far`);
  await setSyncRunPhase({ lease, phase: "importing" });

  const run = new ImportRun(options, state);
  const pending = state.parts.filter((p) => !p.done);
  await Promise.all(Array.from({ length: Math.min(MAX_IMPORTS_IN_FLIGHT, pending.length) }, async () => {
    for (let part = pending.shift(); part && !options.shouldStop?.(); part = pending.shift()) await run.importPart(part);
  }));
  const counters = withImports(options.counters, state);
  if (state.parts.some((p) => !p.done)) return { counters, checkpoint: options.checkpoint, halted: true };
  return { counters, checkpoint: options.checkpoint };
}

const withImports = (base: FullSyncCounters, state: ImportState): FullSyncCounters => {
  const { created, updated, failed } = importedCounts(state);
  return { ...base, created: base.created + created, updated: base.updated + updated, failed: base.failed + failed };
};

/** The files, per Section in customer id order, cut by rows and bytes; saved before any import is requested. */
async function planFiles({ lease, sections, tuning }: ImportRunOptions): Promise<ImportState> {
  const { runId } = lease;
  await setSyncRunPhase({ lease, phase: "preparing" });
  const staged = await countStagedProfiles({ runId });
  const parts: ImportPart[] = [];
  const rowsPerFile = tuning.rowsPerFile ?? ROWS_PER_FILE;
  for (const [section, plan] of sections) {
    const target = sectionTarget(section);
    if (!staged.get(target)) continue;
    const header = Buffer.byteLength(importHeader(plan));
    let start: bigint | null = null;
    let last: bigint | null = null;
    let rows = 0;
    let bytes = header;
    for await (const row of stagedProfiles({ runId, target, afterNum: null })) {
      const size = Buffer.byteLength(importRow(parseStaged(row.data), plan));
      if (rows && (rows >= rowsPerFile || bytes + size > MAX_FILE_BYTES)) {
        parts.push(newPart(target, start, last!, rows));
        start = last;
        rows = 0;
        bytes = header;
      }
      rows++;
      bytes += size;
      last = row.customerNum;
    }
    if (rows) parts.push(newPart(target, start, last!, rows));
  }
  const state: ImportState = { startedAt: new Date().toISOString(), parts };
  await saveSyncRunImportState({ lease, importState: JSON.stringify(state) });
  return state;
}

/** APSIS's report (only `status` was seen; `errors` with row numbers is INFERRED, as the sandbox answers it). */
const ReportSchema = z.looseObject({
  status: z.string(),
  error: z.string().optional(),
  errors: z.array(z.looseObject({ row: z.coerce.number().int(), reason: z.string() })).optional(),
});

class ImportRun {
  #recordedFailures: number;

  constructor(
    private readonly options: ImportRunOptions,
    private readonly state: ImportState,
  ) {
    this.#recordedFailures = options.recordedFailures ?? 0;
  }

  #save() {
    return saveSyncRunImportState({ lease: this.options.lease, importState: JSON.stringify(this.state) });
  }

  async #progress() {
    await this.options.onProgress({ counters: withImports(this.options.counters, this.state), checkpoint: null });
  }

  #section(part: ImportPart) {
    return sectionOfTarget(part.target)!;
  }

  /** A new import for the part, saved; false when APSIS refused the request itself (the part's rows then fail). */
  async #requestImport(part: ImportPart, section: string): Promise<boolean> {
    const body = importBody({ keyspace: this.options.keyspace, plan: this.#plan(part) });
    let created;
    try {
      created = await waitingOutRateLimits(() => this.options.client.imports.create({ section, body }));
    } catch (error) {
      // APSIS refuses the mapping itself (e.g. a topic not on its channel): no row of the file can land.
      if (!(error instanceof ApsisValidationError)) throw error;
      await this.#failRest(part, `APSIS One refused the import: ${apsisReason(error)}`);
      return false;
    }
    Object.assign(part, { importId: created.import_id, upload: { url: created.file_upload_url, fields: created.file_upload_body, expiresAt: created.file_upload_url_expires_at }, uploaded: false });
    await this.#save();
    return true;
  }

  /** Request → upload → poll → confirm, continuing from wherever the part stands. */
  async importPart(part: ImportPart) {
    const { client, tuning } = this.options;
    const section = this.#section(part);
    while (!part.done && !this.options.shouldStop?.()) {
      if (!part.importId && !(await this.#requestImport(part, section))) return;
      if (!part.uploaded && (this.#expired(part) || !(await this.#upload(part, section)))) {
        // Expired before the file went up: a new import; this one expires unused, having written nothing.
        this.#newImport(part);
        await this.#save();
        continue;
      }
      const report = ReportSchema.parse((await client.imports.get({ section, importId: part.importId! })).result);
      if (report.status === "waiting_for_file") {
        // Uploaded, and APSIS has not picked the file up yet (or never will, once the URL expired).
        if (this.#expired(part)) {
          this.#newImport(part);
          await this.#save();
        } else await delay(tuning.pollMs);
        continue;
      }
      if (report.status === "queued" || report.status === "in_progress") {
        await delay(tuning.pollMs);
        continue;
      }
      if (report.status === "completed") {
        await this.#confirm(part, report);
        return;
      }
      part.errors++;
      const why = report.error ?? "no reason given";
      this.options.log(`import ${part.importId} (Section ${section}) ended in error: ${why}`);
      if (part.errors >= IMPORT_ATTEMPTS) {
        await this.#failRest(part, `APSIS One's import of this customer's file ended in error ${part.errors} times: ${why}`);
        return;
      }
      this.#newImport(part);
      await this.#save();
    }
  }

  #plan(part: ImportPart) {
    return this.options.sections.get(this.#section(part))!;
  }

  #expired(part: ImportPart) {
    return !part.upload || Date.now() >= Date.parse(part.upload.expiresAt);
  }

  #newImport(part: ImportPart) {
    Object.assign(part, { importId: null, upload: null, uploaded: false });
  }

  /** The file, built from the staged rows, to the pre-signed URL; false when S3 refused the URL (expired). */
  async #upload(part: ImportPart, section: string): Promise<boolean> {
    const plan = this.#plan(part);
    let csv = importHeader(plan);
    for await (const row of this.#rows(part, part.afterNum)) csv += importRow(row.work, plan);
    try {
      await this.options.client.imports.upload({ url: part.upload!.url, fields: part.upload!.fields, csv });
    } catch (error) {
      if (error instanceof ApsisApiError && (error.status === 401 || error.status === 403)) {
        this.options.log(`the upload URL of import ${part.importId} (Section ${section}) was refused: ${error.message}`);
        return false;
      }
      throw error;
    }
    part.uploaded = true;
    await this.#save();
    return true;
  }

  async *#rows(part: ImportPart, after: string | null) {
    for await (const row of stagedProfiles({ runId: this.options.lease.runId, target: part.target, afterNum: after, throughNum: part.throughNum })) {
      yield { num: row.customerNum, work: parseStaged(row.data) };
    }
  }

  /** The report against the file: each row imported, or failed with APSIS's reason. */
  async #confirm(part: ImportPart, report: z.infer<typeof ReportSchema>) {
    await setSyncRunPhase({ lease: this.options.lease, phase: "confirming" });
    const refused = new Map((report.errors ?? []).map((e) => [e.row, e.reason]));
    await this.#settle(part, (row) => {
      const reason = refused.get(row);
      return reason === undefined ? undefined : `APSIS One's import refused the row: ${reason}`;
    });
  }

  /** Every row not yet settled fails with the reason: none of them landed. */
  #failRest(part: ImportPart, reason: string) {
    return this.#settle(part, () => reason);
  }

  /**
   * The part's rows from the first not yet settled, a chunk per transaction: `failure(row)` (the row's number in
   * the file, the header being row 1, as APSIS's report and a spreadsheet count) is undefined for a row that
   * landed (its link and consent events saved, counted created or updated), else the customer's failure.
   */
  async #settle(part: ImportPart, failure: (row: number) => string | undefined) {
    let row = 1 + part.confirmedRows;
    let chunk: { num: bigint; work: StagedWork; reason?: string }[] = [];
    const flush = async () => {
      const links: ApsisLinkToSave[] = [];
      const failures = [];
      for (const { work, reason } of chunk) {
        if (reason === undefined) {
          links.push(linkOf(work));
          part.counts[work.isNew ? "created" : "updated"]++;
          continue;
        }
        part.counts.failed++;
        if (this.#recordedFailures < MAX_RECORDED_FAILURES) {
          this.#recordedFailures++;
          failures.push({ customerId: work.customer.id, email: work.customer.email, reason, response: null });
        }
      }
      part.confirmedRows += chunk.length;
      part.confirmedThrough = chunk.at(-1)!.num.toString();
      part.done = part.confirmedRows >= part.rows;
      await confirmApsisImportRows({ shopId: this.options.shopId, lease: this.options.lease, links, failures, importState: JSON.stringify(this.state) });
      await this.#progress();
      chunk = [];
    };
    for await (const staged of this.#rows(part, part.confirmedThrough ?? part.afterNum)) {
      chunk.push({ ...staged, reason: failure(++row) });
      if (chunk.length >= CONFIRM_CHUNK) await flush();
    }
    if (chunk.length) await flush();
    part.done = true;
  }
}

/**
 * The consent history of a confirmed row. An opt-in went with resubscribe_if_opted_out false: APSIS keeps an
 * opt-out it holds (the engine writes one by one, through the guard, the opt-ins over the app's own opt-out).
 */
const eventsOf = (work: StagedWork): ApsisConsentEventInput[] =>
  work.toWrite.map((w) => ({
    channel: w.channel,
    address: w.address,
    topic: w.topic,
    target: sectionTarget(work.section),
    type: w.type,
    outcome: "written",
    reason: w.type === "opt-in" ? `${w.reason}; through APSIS One's import, which keeps an opt-out APSIS holds (resubscribe_if_opted_out false)` : w.reason,
    // Rows staged before the consent history carried Shopify's consent have none.
    shopify: w.shopify ?? { state: null, at: null },
  }));

function linkOf(work: StagedWork): ApsisLinkToSave {
  return {
    customerId: work.customer.id,
    target: sectionTarget(work.section),
    profileKey: work.profileKey,
    email: work.customer.email,
    phone: work.customer.phone,
    payloadHash: work.hash,
    consent: JSON.stringify(work.consent),
    sourceUpdatedAt: new Date(work.customer.updatedAt),
    source: "import",
    events: eventsOf(work),
  };
}
