/**
 * A shop's bulk operations: one running query at a time (OPERATION_IN_PROGRESS otherwise, the safe reading
 * of Shopify's conflicting docs), CREATED → RUNNING → COMPLETED | FAILED | CANCELED, a JSONL file written
 * in constant memory (customers are generated one at a time, written 250 per chunk with backpressure), then
 * a `bulk_operations/finish` webhook. The inner query runs through the same resolvers as the GraphQL
 * endpoint, so each line is exactly the node that query returns page by page.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { type SandboxCustomer, toShopifyDateTime } from "../customer";
import { compileCustomerSearch, type CustomerSearch } from "../graphql/customer-search";
import { executeOperation } from "../graphql/run";
import { SearchQueryError } from "../graphql/search-query";
import type { ShopRuntime } from "../shop-runtime";
import { type BulkQueryPlan, bulkLines, planBulkQuery } from "./bulk-query";

export type BulkOperationStatus = "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED";

export type BulkOperationRecord = {
  numericId: number;
  id: string;
  type: "QUERY";
  status: BulkOperationStatus;
  errorCode: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | null;
  query: string;
  createdAt: string;
  completedAt: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  /** Null until completed, and when the operation found nothing (as on Shopify). */
  url: string | null;
};

export type BulkUserError = { field: string[] | null; message: string; code: "INVALID" | "OPERATION_IN_PROGRESS" | null };
type StartResult = { operation: BulkOperationRecord | null; userErrors: BulkUserError[] };

export type BulkDependencies = {
  runtime: () => ShopRuntime;
  dataDir: string;
  /** The (signed, expiring) URL the sandbox serves a finished file at. */
  fileUrl: (fileName: string) => string;
  /** Sends `bulk_operations/finish`; a failure to deliver must not fail the operation. */
  onFinish: (operation: BulkOperationRecord) => Promise<void>;
};

const CHUNK = 250;
// Process-wide, so ids never repeat across shops or across the sandboxes one test run starts.
let lastNumericId = 4_100_000_000;

type Running = { record: BulkOperationRecord; abort: AbortController; finished: Promise<void> };

export class BulkOperations {
  private readonly operations: Running[] = [];

  constructor(private readonly deps: BulkDependencies) {}

  start(query: string, scopes: ReadonlySet<string>): StartResult {
    const busy = this.operations.find(({ record }) => ["CREATED", "RUNNING", "CANCELING"].includes(record.status));
    if (busy) {
      const message = `A bulk query operation for this app and shop is already in progress: ${busy.record.id}.`;
      return { operation: null, userErrors: [{ field: null, message, code: "OPERATION_IN_PROGRESS" }] };
    }
    const invalid = (message: string): StartResult => ({ operation: null, userErrors: [{ field: ["query"], message, code: "INVALID" }] });
    const planned = planBulkQuery(query);
    if (!planned.ok) return invalid(planned.message);
    const runtime = this.deps.runtime();
    let search: CustomerSearch;
    try {
      search = compileCustomerSearch(planned.plan.rootArgs.query, { zone: runtime.store.ianaTimezone, nowMs: runtime.store.clock() });
    } catch (error) {
      if (error instanceof SearchQueryError) return invalid(`Invalid bulk query: ${error.message}`);
      throw error;
    }
    const numericId = ++lastNumericId;
    const record: BulkOperationRecord = {
      numericId,
      id: `gid://shopify/BulkOperation/${numericId}`,
      type: "QUERY",
      status: "CREATED",
      errorCode: null,
      query,
      createdAt: toShopifyDateTime(runtime.store.clock()),
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      url: null,
    };
    const abort = new AbortController();
    runtime.stats.bulkOperations++;
    this.operations.push({ record, abort, finished: this.run(record, planned.plan, search, scopes, abort.signal) });
    return { operation: record, userErrors: [] };
  }

  get(numericId: number): BulkOperationRecord | null {
    return this.operations.find(({ record }) => record.numericId === numericId)?.record ?? null;
  }

  /** Oldest first. */
  list(): BulkOperationRecord[] {
    return this.operations.map(({ record }) => record);
  }

  cancel(numericId: number): { operation: BulkOperationRecord | null; userErrors: { field: string[] | null; message: string }[] } {
    const running = this.operations.find(({ record }) => record.numericId === numericId);
    if (!running) return { operation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
    if (!["CREATED", "RUNNING"].includes(running.record.status)) {
      const message = `A bulk operation cannot be canceled when it is ${running.record.status.toLowerCase()}`;
      return { operation: running.record, userErrors: [{ field: null, message }] };
    }
    running.record.status = "CANCELING";
    running.abort.abort("canceled");
    return { operation: running.record, userErrors: [] };
  }

  /** Stops every running operation without a webhook (the sandbox is shutting down). */
  async close(): Promise<void> {
    for (const running of this.operations) running.abort.abort("closing");
    await Promise.all(this.operations.map((running) => running.finished));
  }

  private async run(record: BulkOperationRecord, plan: BulkQueryPlan, search: CustomerSearch, scopes: ReadonlySet<string>, signal: AbortSignal) {
    await nextTurn(); // the mutation answers with CREATED first, as Shopify's does
    const runtime = this.deps.runtime();
    const fileName = `${runtime.store.domain.replace(/\W/g, "-")}-${record.numericId}.jsonl`;
    const out = createWriteStream(join(this.deps.dataDir, fileName));
    try {
      if (signal.aborted) throw signal.reason;
      record.status = "RUNNING";
      const writeChunk = async (customers: SandboxCustomer[]) => {
        const result = executeOperation(plan.document, plan.operation, {}, { runtime, scopes, bulkBatch: customers });
        if (result.errors?.length) throw new BulkFailure(result.errors[0].extensions?.code === "ACCESS_DENIED" ? "ACCESS_DENIED" : "INTERNAL_SERVER_ERROR");
        let chunk = "";
        bulkLines((result.data as Record<string, Record<string, unknown>>)[plan.rootKey], plan.nodes, (line, isRoot) => {
          chunk += `${JSON.stringify(line)}\n`;
          record.objectCount++;
          if (isRoot) record.rootObjectCount++;
        });
        if (!out.write(chunk)) await once(out, "drain");
        await nextTurn(); // keep the server answering while a million customers stream out
        if (signal.aborted) throw signal.reason;
      };
      let batch: SandboxCustomer[] = [];
      for (const customer of runtime.store.customers({ afterId: search.idAfter, beforeId: search.idBefore, reverse: Boolean(plan.rootArgs.reverse) })) {
        if (!search.matches(customer)) continue;
        batch.push(customer);
        if (batch.length === CHUNK) {
          await writeChunk(batch);
          batch = [];
        }
      }
      if (batch.length) await writeChunk(batch);
      out.end();
      await once(out, "finish");
      record.status = "COMPLETED";
      record.fileSize = out.bytesWritten;
      record.url = record.objectCount > 0 ? this.deps.fileUrl(fileName) : null;
    } catch (error) {
      out.destroy();
      if (signal.aborted && signal.reason === "closing") return;
      record.status = signal.aborted ? "CANCELED" : "FAILED";
      record.errorCode = signal.aborted ? null : error instanceof BulkFailure ? error.code : "INTERNAL_SERVER_ERROR";
    }
    record.completedAt = toShopifyDateTime(runtime.store.clock());
    await this.deps.onFinish(record);
  }
}

class BulkFailure extends Error {
  constructor(readonly code: "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR") {
    super(code);
  }
}
