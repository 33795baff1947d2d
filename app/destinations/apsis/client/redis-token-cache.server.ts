/**
 * APSIS access tokens shared by the app's processes through Redis, so N workers make one token request per
 * token lifetime (the endpoint allows 10 a minute per account), not N. The lock lets one process fetch while
 * the others wait. Tokens are bearer secrets: they live only as long as they are valid, and only sealed, under
 * keys that prove the secret they were issued for (token.ts tokenCacheSlot): Redis holds no token in clear and
 * nothing that tests a guessed secret.
 */
import { hkdfSync } from "node:crypto";
import type { Redis } from "ioredis";
import { acquireRedisLock } from "../../../shopify/redis-lock.server";
import type { ApsisTokenCache } from "./token";

export function createRedisTokenCache({
  redis,
  prefix,
  credentialsKey,
  lockTtlMs = 30_000,
}: {
  redis: Redis;
  prefix: string;
  /** CREDENTIALS_ENCRYPTION_KEY (base64, 32 bytes): the cache's own key is derived from it, never stored. */
  credentialsKey: string;
  /** How long a process may hold the fetch lock (longer than a token request takes, retries included). */
  lockTtlMs?: number;
}): ApsisTokenCache {
  const master = Buffer.from(credentialsKey, "base64");
  if (master.length !== 32) throw new Error("CREDENTIALS_ENCRYPTION_KEY must decode to 32 bytes");
  // A key of its own, so the cache's HMACs and seals never use the key that encrypts stored credentials.
  const appKey = new Uint8Array(hkdfSync("sha256", master, Buffer.alloc(0), "profile-sync/apsis-token-cache", 32));
  const keyOf = (key: string) => `${prefix}:apsis-token:${key}`;
  return {
    appKey,
    get: (key) => redis.get(keyOf(key)),
    async set(key, sealed, ttlMs) {
      if (ttlMs >= 1) await redis.set(keyOf(key), sealed, "PX", Math.floor(ttlMs));
    },
    async delete(key) {
      await redis.del(keyOf(key));
    },
    lock: (key) => acquireRedisLock({ redis, key: `${keyOf(key)}:lock`, ttlMs: lockTtlMs }),
  };
}
