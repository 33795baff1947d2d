/**
 * The APSIS request limiter shared by every worker process (limiter.ts explains the pacing): each key is one
 * Redis string holding the next free slot; a Lua script reserves a slot atomically and answers how long to
 * wait for it. Redis's own clock (TIME) is used, so the workers' clocks need not agree.
 * Keys: `<prefix>:apsis-rate:<account>` and `<prefix>:apsis-rate:<account>:profile:<sha256 of the key>` (profile
 * keys are emails: hashed so Redis holds no personal data).
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { type Sleep, sleep as realSleep } from "../../../http/retry";
import { APSIS_LIMITS, type ApsisLimiter, type ApsisLimits, slotIntervalMs } from "./limiter";

const RESERVE_SLOT = `
local interval = tonumber(ARGV[1])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local slot = math.max(tonumber(redis.call("GET", KEYS[1]) or now), now)
local free = slot + interval
redis.call("SET", KEYS[1], tostring(free), "PX", math.ceil(free - now) + 1000)
return math.ceil(slot - now)
`;

/** The account's key; its per-profile keys start with it and ":". */
export const apsisRateKey = (prefix: string, account: string) => `${prefix}:apsis-rate:${account}`;

export function createRedisApsisLimiter({
  redis,
  prefix,
  account,
  limits = APSIS_LIMITS,
  sleep = realSleep,
}: {
  redis: Redis;
  prefix: string;
  /** Identifies the APSIS account (its limits hold across API keys); the connection's client id will do. */
  account: string;
  limits?: ApsisLimits;
  sleep?: Sleep;
}): ApsisLimiter {
  const base = apsisRateKey(prefix, account);
  const redisKey = (key: string) =>
    key === "account" ? base : `${base}:profile:${createHash("sha256").update(key.slice("profile:".length)).digest("hex").slice(0, 32)}`;
  return {
    async acquire(key) {
      const interval = slotIntervalMs(key, limits);
      const waitMs = Number(await redis.eval(RESERVE_SLOT, 1, redisKey(key), String(interval)));
      if (waitMs > 0) await sleep(waitMs);
    },
  };
}
