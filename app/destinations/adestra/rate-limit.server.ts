import type { Redis } from "ioredis";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Adestra's rate limit belongs to the account, not to a process: every worker sending to one account takes
 * its requests from ONE token bucket in Redis, so N workers together stay under `ratePerSecond`.
 * Bucket: up to `burst` tokens, refilled continuously at `ratePerSecond`; a request takes one token or is
 * told how long to wait. Redis's own clock (TIME) is used, so the workers' clocks need not agree.
 */
const TAKE_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call("HMGET", KEYS[1], "tokens", "at")
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "at", tostring(now))
redis.call("PEXPIRE", KEYS[1], math.ceil(burst * 1000 / rate) + 60000)
return wait
`;

export type TokenBucket = {
  /** Resolves when a request may go (rejects with the signal's reason if aborted while waiting). */
  take(signal?: AbortSignal): Promise<void>;
  /** One attempt: 0 = taken, else milliseconds to wait before trying again. */
  tryTake(): Promise<number>;
};

export function createTokenBucket({ redis, key, ratePerSecond, burst = Math.max(1, Math.ceil(ratePerSecond)) }: {
  redis: Redis;
  key: string;
  ratePerSecond: number;
  burst?: number;
}): TokenBucket {
  const tryTake = async () => Number(await redis.eval(TAKE_TOKEN, 1, key, String(ratePerSecond), String(burst)));
  return {
    tryTake,
    async take(signal) {
      for (;;) {
        signal?.throwIfAborted();
        const waitMs = await tryTake();
        if (waitMs <= 0) return;
        await delay(waitMs, undefined, { signal });
      }
    },
  };
}

/** A fetch that takes a token before every request (the client's retries included). */
export function rateLimitedFetch(bucket: TokenBucket, fetch: typeof globalThis.fetch = globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    await bucket.take(init?.signal ?? undefined);
    return fetch(input, init);
  };
}
