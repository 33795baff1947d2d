import { describe, expect, it } from "vitest";
import { startCustomerBulkExport, waitForBulkOperation, type BulkOperationNotifications } from "./bulk-operation";
import { BULK_OPERATION_RUN_QUERY, buildBulkCustomersQuery } from "./documents";
import { ShopifyBulkOperationFailedError, ShopifyBulkOperationInProgressError, ShopifyGraphqlError } from "./errors";
import type { ShopifyGraphql } from "./graphql-client";

const ID = "gid://shopify/BulkOperation/42";

function scripted(answers: unknown[]) {
  const calls: { document: string; variables?: Record<string, unknown> }[] = [];
  const graphql: ShopifyGraphql = async (document, options) => {
    calls.push({ document, variables: options?.variables });
    return answers.shift();
  };
  return { graphql, calls };
}

const run = (bulkOperation: unknown, userErrors: unknown[] = []) => ({ bulkOperationRunQuery: { bulkOperation, userErrors } });
const op = (status: string, extra: Record<string, unknown> = {}) => ({
  bulkOperation: { id: ID, status, errorCode: null, objectCount: "0", url: null, ...extra },
});

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe("startCustomerBulkExport", () => {
  it("runs the bulk customers query and returns the operation id", async () => {
    const { graphql, calls } = scripted([run({ id: ID, status: "CREATED" })]);
    expect(await startCustomerBulkExport({ graphql, query: "updated_at:>='2026-01-01'" })).toBe(ID);
    expect(calls[0]).toEqual({
      document: BULK_OPERATION_RUN_QUERY,
      variables: { query: buildBulkCustomersQuery({ query: "updated_at:>='2026-01-01'" }) },
    });
  });

  it("OPERATION_IN_PROGRESS is a typed error the caller can wait on", async () => {
    const { graphql } = scripted([
      run(null, [{ field: null, message: "A bulk query operation for this app and shop is already in progress", code: "OPERATION_IN_PROGRESS" }]),
    ]);
    await expect(startCustomerBulkExport({ graphql })).rejects.toThrow(
      expect.objectContaining({ name: "ShopifyBulkOperationInProgressError", code: "OPERATION_IN_PROGRESS" }),
    );
  });

  it("other userErrors are a ShopifyGraphqlError with Shopify's message", async () => {
    const { graphql } = scripted([run(null, [{ field: ["query"], message: "Invalid bulk query", code: "INVALID" }])]);
    const error = await startCustomerBulkExport({ graphql }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyGraphqlError);
    expect(error).not.toBeInstanceOf(ShopifyBulkOperationInProgressError);
    expect(error).toMatchObject({ messages: ["Invalid bulk query"], codes: ["INVALID"] });
  });
});

describe("waitForBulkOperation", () => {
  it("polls until COMPLETED and returns the result url", async () => {
    const url = "https://storage.example/bulk/42.jsonl";
    const { graphql } = scripted([op("CREATED"), op("RUNNING"), op("COMPLETED", { url, objectCount: "5000" })]);
    const { waits, sleep } = recordingSleep();
    expect(await waitForBulkOperation({ graphql, id: ID, pollIntervalMs: 2_000, sleep })).toEqual({ id: ID, url, objectCount: 5000 });
    expect(waits).toEqual([2_000, 2_000]);
  });

  it("a COMPLETED operation that matched nothing has a null url", async () => {
    const { graphql } = scripted([op("COMPLETED")]);
    expect(await waitForBulkOperation({ graphql, id: ID })).toEqual({ id: ID, url: null, objectCount: 0 });
  });

  it.each(["FAILED", "CANCELED", "EXPIRED"])("%s is a typed error with Shopify's errorCode", async (status) => {
    const { graphql } = scripted([op(status, { errorCode: status === "FAILED" ? "TIMEOUT" : null })]);
    const error = await waitForBulkOperation({ graphql, id: ID }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyBulkOperationFailedError);
    expect(error).toMatchObject({ id: ID, status, errorCode: status === "FAILED" ? "TIMEOUT" : null });
  });

  it("an unknown id fails instead of waiting for ever", async () => {
    const { graphql } = scripted([{ bulkOperation: null }]);
    await expect(waitForBulkOperation({ graphql, id: ID })).rejects.toThrow(ShopifyBulkOperationFailedError);
  });

  it("waits on notifications instead of sleeping, and polls at once when notified", async () => {
    const { graphql, calls } = scripted([op("RUNNING"), op("RUNNING"), op("COMPLETED", { url: "https://x/r.jsonl" })]);
    const asked: number[] = [];
    const answers = [false, true];
    const notifications: BulkOperationNotifications = {
      waitForFinish: async ({ timeoutMs }) => (asked.push(timeoutMs), answers.shift()!),
    };
    const { waits, sleep } = recordingSleep();
    await waitForBulkOperation({ graphql, id: ID, pollIntervalMs: 30_000, notifications, sleep });
    expect(asked).toEqual([30_000, 30_000]);
    expect(waits).toEqual([]);
    expect(calls).toHaveLength(3);
  });

  it("after a notification that ran ahead of Shopify's status, falls back to plain polling", async () => {
    const { graphql } = scripted([op("RUNNING"), op("RUNNING"), op("RUNNING"), op("COMPLETED")]);
    let asked = 0;
    const notifications: BulkOperationNotifications = { waitForFinish: async () => (asked++, true) };
    const { waits, sleep } = recordingSleep();
    await waitForBulkOperation({ graphql, id: ID, pollIntervalMs: 1_000, notifications, sleep });
    expect(asked).toBe(1);
    expect(waits).toEqual([1_000, 1_000]);
  });
});
