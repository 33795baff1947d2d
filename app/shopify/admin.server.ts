import type { AdminGraphqlClient } from "./graphql-client";
import { createShopifyGraphql, type ShopifyGraphql } from "./graphql-client";
import { needsRefresh, openOfflineAdmin } from "./offline-admin.server";
import { getRedis, redisKey } from "../redis.server";
import { sessionStorage, unauthenticated } from "../shopify.server";

export type ShopifyAdmin = {
  shop: string;
  /** Admin GraphQL for background work: throttling waited out, failures typed (integrations/shopify/errors.ts). */
  graphql: ShopifyGraphql;
};

/**
 * How background jobs reach a shop's Admin API: its offline session, with expiring-token refreshes
 * serialised across processes by a Redis lock (docs/decisions/007-token-refresh-lock.md). Throws
 * ShopifySessionNotFoundError, ShopifyAuthError (the shop must open the app again) or
 * ShopifyTokenRefreshError (transient).
 */
export async function getShopifyAdmin({ shop, signal }: { shop: string; signal?: AbortSignal }): Promise<ShopifyAdmin> {
  const open = () =>
    openOfflineAdmin({
      shop,
      signal,
      loadSession: (id) => sessionStorage.loadSession(id),
      openAdmin: (s) => unauthenticated.admin(s),
      redis: getRedis(),
      lockKey: redisKey("shopify-token-refresh", shop),
    });
  let context = await open();
  // A bulk export outlives the 1-hour token: reopen, under the same lock, when the token nears expiry.
  const admin: AdminGraphqlClient = {
    async graphql(query, options) {
      if (needsRefresh(context.session)) context = await open();
      return context.admin.graphql(query, options);
    },
  };
  return { shop, graphql: createShopifyGraphql({ admin, shop }) };
}
