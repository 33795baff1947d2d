import { HttpResponseError, InvalidJwtError, type Session } from "@shopify/shopify-api";
import { SessionNotFoundError } from "@shopify/shopify-app-remix/server";
import type { Redis } from "ioredis";
import { ShopifyAuthError, ShopifySessionNotFoundError, ShopifyTokenRefreshError } from "./errors";
import type { AdminGraphqlClient } from "./graphql-client";
import { acquireRedisLock } from "./redis-lock.server";
import { sleep as realSleep, type Sleep } from "./sleep";

/**
 * The library refreshes a token that expires within 5 minutes (WITHIN_MILLISECONDS_OF_EXPIRY). We treat a
 * minute more as "expiring", so a token that passes our check cannot cross the library's threshold between
 * our check and the library's own, which would refresh outside the lock.
 */
export const REFRESH_MARGIN_MS = 6 * 60_000;
/** Longer than a refresh request takes; if the holder dies, the lock frees itself. */
const LOCK_TTL_MS = 30_000;
/** A waiter gives up a little after the holder's lock would have expired anyway. */
const MAX_WAIT_MS = LOCK_TTL_MS + 10_000;
const LOCK_POLL_MS = 100;

export type OfflineAdminContext = { session: Session; admin: AdminGraphqlClient };

export function needsRefresh(session: Session) {
  return Boolean(session.refreshToken) && session.isExpired(REFRESH_MARGIN_MS);
}

/**
 * The library's offline admin context for `shop`, with at most one token refresh per shop in flight across
 * every process. Shopify rotates the refresh token on use and the library refreshes without a lock, so
 * two workers refreshing together would spend the same refresh token and one would fail
 * (docs/decisions/007-token-refresh-lock.md).
 *
 * A session that is not about to expire goes straight to the library. Otherwise the caller that takes the
 * lock lets the library refresh; the others wait for the lock to go and start over, finding the new token
 * in storage (the library re-reads it, so it does not refresh a second time).
 */
export async function openOfflineAdmin({
  shop,
  loadSession,
  openAdmin,
  redis,
  lockKey,
  signal,
  sleep = realSleep,
  now = Date.now,
}: {
  shop: string;
  loadSession: (id: string) => Promise<Session | undefined>;
  /** `unauthenticated.admin` from shopify.server.ts. */
  openAdmin: (shop: string) => Promise<OfflineAdminContext>;
  redis: Redis;
  lockKey: string;
  signal?: AbortSignal;
  sleep?: Sleep;
  now?: () => number;
}): Promise<OfflineAdminContext> {
  const deadline = now() + MAX_WAIT_MS;
  for (;;) {
    const session = await loadSession(`offline_${shop}`);
    if (!session) throw new ShopifySessionNotFoundError(shop);
    if (!needsRefresh(session)) return callLibrary({ shop, openAdmin });

    const release = await acquireRedisLock({ redis, key: lockKey, ttlMs: LOCK_TTL_MS });
    if (release) {
      try {
        return await callLibrary({ shop, openAdmin });
      } finally {
        await release();
      }
    }
    while (await redis.exists(lockKey)) {
      if (now() >= deadline) throw new ShopifyTokenRefreshError(shop, "timed out waiting for another process's refresh");
      await sleep(LOCK_POLL_MS, signal);
    }
  }
}

/** Turns what the library throws (including a bare Response on a failed refresh) into typed errors. */
async function callLibrary({ shop, openAdmin }: { shop: string; openAdmin: (shop: string) => Promise<OfflineAdminContext> }) {
  try {
    return await openAdmin(shop);
  } catch (error) {
    if (error instanceof SessionNotFoundError) throw new ShopifySessionNotFoundError(shop);
    // The library lets through only a rejected token (invalid_subject_token) and turns every other refresh
    // failure into a bare `Response` with status 500.
    if (error instanceof InvalidJwtError || error instanceof HttpResponseError) {
      throw new ShopifyAuthError(shop, `refresh rejected: ${error.message}`);
    }
    if (error instanceof Response) throw new ShopifyTokenRefreshError(shop, `the library answered HTTP ${error.status}`);
    throw error;
  }
}
