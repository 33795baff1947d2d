/**
 * contact.import's second half: Adestra answers 1 at once and pulls the file later. The runner fetches the
 * URL with the sandbox's fetch, reads the CSV, upserts every row and puts it on the list; rows Adestra would
 * refuse are counted as rejected with the reason, and the record is visible in stats().imports.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { Fetch } from "../../app/http/request";
import { parseCsv } from "./csv";
import { SandboxFault } from "./faults";
import type { AccountData, CoreTable, DedupeType, SandboxList } from "./model";

export interface SandboxImport {
  id: number;
  tableId: number;
  listId: number;
  url: string;
  dedupeType: DedupeType;
  status: "queued" | "running" | "completed" | "failed";
  /** Rows upserted and put on the list. */
  imported: number;
  rejected: number;
  /** How often the file was fetched (2 with the fetchTwice fault; imported/rejected count both). */
  fetches: number;
  /** With fetchTwice: how the second fetch ended (failed when the URL no longer answered with the file). */
  refetch?: "completed" | "failed";
  /** Data rows in the file last fetched. */
  rows: number;
  /** Row numbers count the header as row 1, as a spreadsheet shows them. */
  rejections: { row: number; reason: string }[];
  /** Why a failed import failed (the file could not be fetched or read). */
  error?: string;
}

/**
 * How Adestra's queue may treat a file, for tests (AdestraSandboxAccount.setImportFault). When Adestra fetches
 * the file after answering 1 is not published (INFERRED: "later"); whether it ever fetches one twice is not
 * either (INFERRED: a retried fetch is possible, and with dedupe_type "overwrite" it changes nothing more).
 */
export interface ImportFault {
  /** The file is fetched this long after contact.import answered. */
  fetchDelayMs?: number;
  /** The file is fetched and imported a second time after the first import completed. */
  fetchTwice?: boolean;
  /**
   * Rows with these addresses (any case) are refused, as Adestra may refuse a row for reasons of its own (a
   * suppression, a rule on the core table): the rest of the file is imported.
   */
  refuseEmails?: string[];
}

export interface ImportRequest {
  table: CoreTable;
  list: SandboxList;
  url: string;
  /** { csvColumn: coreField } */
  fieldMap: Record<string, string>;
  dedupeField: string;
  dedupeType: DedupeType;
}

export class ImportRunner {
  readonly #pending = new Set<Promise<void>>();
  readonly #closing = new AbortController();

  constructor(private readonly fetch: Fetch) {}

  /** Queues the import and returns at once, as Adestra does. */
  start(data: AccountData, request: ImportRequest, fault: ImportFault = {}): void {
    const record: SandboxImport = {
      id: data.imports.length + 1,
      tableId: request.table.id,
      listId: request.list.id,
      url: request.url,
      dedupeType: request.dedupeType,
      status: "queued",
      imported: 0,
      rejected: 0,
      fetches: 1,
      rows: 0,
      rejections: [],
    };
    data.imports.push(record);
    const run = this.#run(data, request, record, fault).finally(() => this.#pending.delete(run));
    this.#pending.add(run);
  }

  /** Stops fetching files and waits for the imports under way to end. */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all(this.#pending);
  }

  async #run(data: AccountData, request: ImportRequest, record: SandboxImport, fault: ImportFault): Promise<void> {
    await Promise.resolve(); // after the reply, like the real queue
    if (fault.fetchDelayMs) await delay(fault.fetchDelayMs, undefined, { signal: this.#closing.signal }).catch(() => {});
    if (this.#closing.signal.aborted) return;
    const refused = new Set((fault.refuseEmails ?? []).map((email) => email.toLowerCase()));
    await this.#fetchAndImport(data, request, record, refused);
    if (fault.fetchTwice && record.status === "completed") {
      // The second fetch's outcome is its own: the first import landed whatever it finds.
      const again: SandboxImport = { ...record, rejections: [] };
      await this.#fetchAndImport(data, request, again, refused);
      Object.assign(record, { fetches: 2, imported: again.imported, rejected: again.rejected, rejections: [...record.rejections, ...again.rejections], refetch: again.status });
    }
  }

  /** Fetches the file and imports its rows; a file that cannot be fetched or read imports nothing and fails the import. */
  async #fetchAndImport(data: AccountData, request: ImportRequest, record: SandboxImport, refused: Set<string>): Promise<void> {
    record.status = "running";
    try {
      const response = await this.fetch(request.url, { signal: this.#closing.signal });
      if (!response.ok) throw new Error(`fetching the file answered HTTP ${response.status}`);
      const [header = [], ...rows] = parseCsv(await response.text());
      const columns = Object.entries(request.fieldMap).map(([column, field]) => {
        const index = header.indexOf(column);
        if (index < 0) throw new Error(`the file has no column "${column}"`);
        return { index, field };
      });
      record.rows = rows.length;
      rows.forEach((cells, index) => {
        const reason = cells.length === header.length ? this.#importRow(data, request, columns, cells, refused) : `${cells.length} cells, the header has ${header.length}`;
        if (reason === undefined) record.imported++;
        else {
          record.rejected++;
          record.rejections.push({ row: index + 2, reason });
        }
      });
      record.status = "completed";
    } catch (error) {
      record.status = "failed";
      record.error = error instanceof Error ? error.message : String(error);
    }
  }

  /** Undefined when the row is in, else why Adestra would refuse it. */
  #importRow(data: AccountData, request: ImportRequest, columns: { index: number; field: string }[], cells: string[], refused: Set<string>): string | undefined {
    try {
      const fields = data.contactFields(request.table, Object.fromEntries(columns.map(({ index, field }) => [field, cells[index]])));
      if (refused.has((fields.email ?? "").toLowerCase())) return "refused by the account (refuseEmails fault)";
      request.list.members.add(data.upsertContact(request.table, fields, request.dedupeField, request.dedupeType));
      return undefined;
    } catch (error) {
      if (error instanceof SandboxFault) return error.message;
      throw error;
    }
  }
}
