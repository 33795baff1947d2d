/** Everything the sandbox keeps per shop, and the counters tests assert on. */
import type { BulkOperations } from "./bulk/bulk-operations";
import type { SandboxStore } from "./store";
import type { LeakyBucket } from "./throttle";
import type { ShopTokens } from "./tokens";

export type ShopStats = {
  /** Requests that reached the GraphQL endpoint (including rejected ones). */
  graphqlRequests: number;
  /** THROTTLED replies. */
  throttled: number;
  /** Token-exchange requests (granted or refused). */
  tokenExchanges: number;
  /** Refresh-token requests (granted or refused): N workers refreshing at once show as N. */
  refreshes: number;
  /** Bulk operations started. */
  bulkOperations: number;
};

export type ShopRuntime = {
  store: SandboxStore;
  tokens: ShopTokens;
  bucket: LeakyBucket;
  bulk: BulkOperations;
  stats: ShopStats;
  /** After a customerMerge: sends customers/merge (asynchronously, as Shopify's merge job finishes later). */
  onCustomersMerged: (merge: { keptId: number; deletedId: number }) => void;
};

export const emptyStats = (): ShopStats => ({ graphqlRequests: 0, throttled: 0, tokenExchanges: 0, refreshes: 0, bulkOperations: 0 });
