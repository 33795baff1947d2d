import { setTimeout as delay } from "node:timers/promises";
import { parseEnv } from "../env.server";
import { createBulkOperationNotifications } from "./bulk-notifications.server";
import { startCustomerBulkExport, waitForBulkOperation } from "./bulk-operation";
import { streamBulkCustomers } from "./bulk-stream";
import type { ShopifyCustomer } from "./customer";
import { countCustomers, readCustomerPages } from "./customers";
import { ShopifyBulkOperationInProgressError } from "./errors";
import type { ShopifyGraphql } from "./graphql-client";
import { getRedis } from "../redis.server";

/**
 * A store's customers, in ascending id order and constant memory, for every destination's sends and syncs: page
 * by page (sortKey ID) for stores up to `threshold` customers (each destination's *_BULK_EXPORT_THRESHOLD), through
 * a Shopify bulk export (JSONL streamed as it downloads) above it. `afterId` (a numeric customer id) reads only the customers after it — how a Full Sync
 * resumes from its checkpoint (`id:>N` in Shopify's search syntax, for both ways of reading).
 */
export async function readStoreCustomers({ graphql, afterId, log = () => {}, threshold }: {
  graphql: ShopifyGraphql;
  afterId?: string | null;
  log?: (message: string) => void;
  threshold: number;
}): Promise<{ total: number; method: "read" | "bulk"; customers: AsyncIterable<ShopifyCustomer> }> {
  const { count: total } = await countCustomers({ graphql });
  const query = afterId ? `id:>${afterId}` : undefined;
  const method = total > threshold ? "bulk" : "read";
  const customers = method === "bulk" ? bulkExport({ graphql, query, log }) : readCustomerPages({ graphql, query, sortKey: "ID" });
  return { total, method, customers };
}

const BULK_BUSY_WAIT_MS = 30_000;
const BULK_BUSY_MAX_WAIT_MS = 20 * 60_000;

/** The customers through a bulk export (Shopify runs a limited number per shop: wait while another runs). */
async function* bulkExport({ graphql, query, log }: { graphql: ShopifyGraphql; query?: string; log: (m: string) => void }): AsyncIterable<ShopifyCustomer> {
  let id: string | undefined;
  for (let waited = 0; !id; waited += BULK_BUSY_WAIT_MS) {
    try {
      id = await startCustomerBulkExport({ graphql, query });
    } catch (error) {
      if (!(error instanceof ShopifyBulkOperationInProgressError) || waited >= BULK_BUSY_MAX_WAIT_MS) throw error;
      log("another bulk operation is running for this store; waiting");
      await delay(BULK_BUSY_WAIT_MS);
    }
  }
  const notifications = createBulkOperationNotifications({ redis: getRedis(), prefix: parseEnv().REDIS_PREFIX });
  const done = await waitForBulkOperation({ graphql, id, notifications, pollIntervalMs: 5_000 });
  log(`bulk export ${id} finished: ${done.objectCount} customers`);
  yield* streamBulkCustomers({ url: done.url, log });
}
