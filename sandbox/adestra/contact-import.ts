/**
 * contact.import's second half: Adestra answers 1 at once and pulls the file later. The runner fetches the
 * URL with the sandbox's fetch, reads the CSV, upserts every row and puts it on the list; rows Adestra would
 * refuse are counted as rejected with the reason, and the record is visible in stats().imports.
 */
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
  /** Row numbers count the header as row 1, as a spreadsheet shows them. */
  rejections: { row: number; reason: string }[];
  /** Why a failed import failed (the file could not be fetched or read). */
  error?: string;
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
  start(data: AccountData, request: ImportRequest): void {
    const record: SandboxImport = {
      id: data.imports.length + 1,
      tableId: request.table.id,
      listId: request.list.id,
      url: request.url,
      dedupeType: request.dedupeType,
      status: "queued",
      imported: 0,
      rejected: 0,
      rejections: [],
    };
    data.imports.push(record);
    const run = this.#run(data, request, record).finally(() => this.#pending.delete(run));
    this.#pending.add(run);
  }

  /** Stops fetching files and waits for the imports under way to end. */
  async close(): Promise<void> {
    this.#closing.abort();
    await Promise.all(this.#pending);
  }

  async #run(data: AccountData, request: ImportRequest, record: SandboxImport): Promise<void> {
    await Promise.resolve(); // after the reply, like the real queue
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
      rows.forEach((cells, index) => {
        const reason = cells.length === header.length ? this.#importRow(data, request, columns, cells) : `${cells.length} cells, the header has ${header.length}`;
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
  #importRow(data: AccountData, request: ImportRequest, columns: { index: number; field: string }[], cells: string[]): string | undefined {
    try {
      const fields = data.contactFields(request.table, Object.fromEntries(columns.map(({ index, field }) => [field, cells[index]])));
      request.list.members.add(data.upsertContact(request.table, fields, request.dedupeField, request.dedupeType));
      return undefined;
    } catch (error) {
      if (error instanceof SandboxFault) return error.message;
      throw error;
    }
  }
}
