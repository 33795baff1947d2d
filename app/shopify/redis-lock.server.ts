import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

// Deletes the key only if it still holds our token, so a holder whose TTL ran out never frees a successor's lock.
const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/** Takes `key` for at most `ttlMs`; resolves to a release function, or null when someone else holds it. */
export async function acquireRedisLock({ redis, key, ttlMs }: { redis: Redis; key: string; ttlMs: number }) {
  const token = randomUUID();
  const taken = await redis.set(key, token, "PX", ttlMs, "NX");
  if (taken !== "OK") return null;
  return async () => {
    await redis.eval(RELEASE_SCRIPT, 1, key, token);
  };
}
