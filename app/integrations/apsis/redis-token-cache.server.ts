/**
 * APSIS access tokens shared by the app's processes through Redis, so N workers make one token request per
 * token lifetime (the endpoint allows 10 a minute per account), not N. The lock lets one process fetch while
 * the others wait. Tokens are bearer secrets: they live only as long as they are valid.
 */
import type { Redis } from "ioredis";
import { acquireRedisLock } from "../shopify/redis-lock.server";
import type { ApsisTokenCache } from "./token";

export function createRedisTokenCache({
  redis,
  prefix,
  lockTtlMs = 30_000,
}: {
  redis: Redis;
  prefix: string;
  /** How long a process may hold the fetch lock (longer than a token request takes, retries included). */
  lockTtlMs?: number;
}): ApsisTokenCache {
  const keyOf = (key: string) => `${prefix}:apsis-token:${key}`;
  return {
    get: (key) => redis.get(keyOf(key)),
    async set(key, token, ttlMs) {
      if (ttlMs >= 1) await redis.set(keyOf(key), token, "PX", Math.floor(ttlMs));
    },
    lock: (key) => acquireRedisLock({ redis, key: `${keyOf(key)}:lock`, ttlMs: lockTtlMs }),
  };
}
