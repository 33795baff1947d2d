import { z } from "zod";
import { BULK_OPERATION_QUERY, BULK_OPERATION_RUN_QUERY, buildBulkCustomersQuery } from "./documents";
import {
  ShopifyBulkOperationFailedError,
  ShopifyBulkOperationInProgressError,
  ShopifyGraphqlError,
  ShopifyMalformedDataError,
} from "./errors";
import type { ShopifyGraphql } from "./graphql-client";
import { parseOrThrow } from "./parse";
import { sleep as realSleep, type Sleep } from "./sleep";

/** Wakes a waiting export early; backed by Redis in bulk-notifications.server.ts (the finish webhook). */
export type BulkOperationNotifications = {
  /** Resolves true as soon as `id` is reported finished, or false once `timeoutMs` has passed. */
  waitForFinish(options: { id: string; timeoutMs: number; signal?: AbortSignal }): Promise<boolean>;
};

const RunSchema = z.object({
  bulkOperationRunQuery: z.object({
    bulkOperation: z.object({ id: z.string() }).nullable(),
    userErrors: z.array(z.object({ message: z.string(), code: z.enum(["INVALID", "LIMIT_REACHED", "OPERATION_IN_PROGRESS"]).nullable() })),
  }),
});

/**
 * Starts a bulk export of every customer matching `query` and returns the operation's GID. Shopify runs
 * a limited number of bulk queries per shop: OPERATION_IN_PROGRESS / LIMIT_REACHED become
 * ShopifyBulkOperationInProgressError, so the job can wait and start again.
 */
export async function startCustomerBulkExport({
  graphql,
  query,
  signal,
}: {
  graphql: ShopifyGraphql;
  query?: string;
  signal?: AbortSignal;
}): Promise<string> {
  const data = await graphql(BULK_OPERATION_RUN_QUERY, { variables: { query: buildBulkCustomersQuery({ query }) }, signal });
  const { bulkOperation, userErrors } = parseOrThrow({ schema: RunSchema, value: data, path: "data" }).bulkOperationRunQuery;
  for (const { code, message } of userErrors) {
    if (code === "OPERATION_IN_PROGRESS" || code === "LIMIT_REACHED") throw new ShopifyBulkOperationInProgressError(code, message);
  }
  if (userErrors.length) throw new ShopifyGraphqlError(userErrors.map((e) => e.message), userErrors.map((e) => e.code ?? undefined));
  if (!bulkOperation) throw new ShopifyMalformedDataError("data.bulkOperationRunQuery.bulkOperation", "null without userErrors");
  return bulkOperation.id;
}

const OperationSchema = z.object({
  bulkOperation: z
    .object({
      id: z.string(),
      status: z.enum(["CANCELED", "CANCELING", "COMPLETED", "CREATED", "EXPIRED", "FAILED", "RUNNING"]),
      errorCode: z.string().nullable(),
      objectCount: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number),
      url: z.string().nullable(),
    })
    .nullable(),
});

export type CompletedBulkOperation = {
  id: string;
  /** The JSONL result; null when the query matched nothing. Valid for 7 days. */
  url: string | null;
  objectCount: number;
};

/**
 * Resolves when the operation has COMPLETED; FAILED, CANCELED and EXPIRED (and an unknown id) throw
 * ShopifyBulkOperationFailedError. Shopify is polled every `pollIntervalMs`; with `notifications`, the
 * bulk_operations/finish webhook cuts a wait short, and polling still finishes the job when the webhook
 * never arrives. Bulk operations may run for days: bound the wait with `signal`.
 */
export async function waitForBulkOperation({
  graphql,
  id,
  signal,
  pollIntervalMs = 15_000,
  notifications,
  sleep = realSleep,
}: {
  graphql: ShopifyGraphql;
  id: string;
  signal?: AbortSignal;
  pollIntervalMs?: number;
  notifications?: BulkOperationNotifications;
  sleep?: Sleep;
}): Promise<CompletedBulkOperation> {
  let notified = false;
  for (;;) {
    const data = await graphql(BULK_OPERATION_QUERY, { variables: { id }, signal });
    const { bulkOperation: op } = parseOrThrow({ schema: OperationSchema, value: data, path: "data" });
    if (!op) throw new ShopifyBulkOperationFailedError(id, "NOT_FOUND", null);
    if (op.status === "COMPLETED") return { id: op.id, url: op.url, objectCount: op.objectCount };
    if (op.status === "FAILED" || op.status === "CANCELED" || op.status === "EXPIRED") {
      throw new ShopifyBulkOperationFailedError(id, op.status, op.errorCode);
    }
    // Once notified, Shopify's own status is the truth: plain polling, so a notification that got ahead of
    // the status cannot turn into a busy loop.
    if (notifications && !notified) notified = await notifications.waitForFinish({ id, timeoutMs: pollIntervalMs, signal });
    else await sleep(pollIntervalMs, signal);
  }
}
