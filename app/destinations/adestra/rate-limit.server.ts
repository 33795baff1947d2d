import type { Redis } from "ioredis";
import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import { type Pace, type PaceTicket, paceLimits, rateAfterCalm, rateAfterRefusal, type RequestPace } from "./client/pace";

/**
 * Adestra's rate limit belongs to the account, not to a process: every worker sending to one account takes
 * its requests from ONE token bucket in Redis, at the account's pace kept in the same hash, so N workers
 * together keep to it, and what one learns from a 304 slows all of them (client/pace.ts: the rule).
 * Bucket: one token at most (no burst: requests go 1/rate apart, never back to back, since Adestra's window
 * is unknown), refilled continuously at the pace's rate; a request takes the token or is told how long to
 * wait. Redis's own clock (TIME) is used, so the workers' clocks need not agree.
 * Hash fields: tokens, at (ms), rate (absent: the ceiling), epoch, changed (ms of the last change).
 */
const TAKE_TOKEN = `
local ceiling = tonumber(ARGV[1])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call("HMGET", KEYS[1], "tokens", "at", "rate", "epoch", "changed")
local rate = math.min(ceiling, tonumber(state[3]) or ceiling)
local tokens = tonumber(state[1]) or 1
local at = tonumber(state[2]) or now
tokens = math.min(1, tokens + math.max(0, now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call("HSET", KEYS[1], "tokens", tostring(tokens), "at", tostring(now))
redis.call("PEXPIRE", KEYS[1], ARGV[2])
return { tostring(wait), tostring(rate), state[4] or "0", state[5] or tostring(now), tostring(now) }
`;

/**
 * Sets the rate if the pace is still at the setting `ARGV[1]` (another worker may have changed it first), as
 * the next setting, changed now; a slow-down also empties the bucket, so every worker waits before its next
 * request. Answers 1 when it changed the pace.
 */
const CHANGE_PACE = `
local epoch = tonumber(redis.call("HGET", KEYS[1], "epoch")) or 0
if epoch ~= tonumber(ARGV[1]) then return 0 end
local t = redis.call("TIME")
local now = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call("HSET", KEYS[1], "rate", ARGV[2], "epoch", tostring(epoch + 1), "changed", now)
if ARGV[3] == "drain" then redis.call("HSET", KEYS[1], "tokens", "0", "at", now) end
redis.call("PEXPIRE", KEYS[1], ARGV[4])
return 1
`;

/** A learned pace is kept this long after the account's last request, then found again from the ceiling. */
const PACE_TTL_MS = 60 * 60 * 1000;

const TakeReplySchema = z.tuple([z.coerce.number(), z.coerce.number(), z.coerce.number(), z.coerce.number(), z.coerce.number()]);
const PaceFieldsSchema = z.tuple([z.coerce.number().nullable(), z.coerce.number().nullable(), z.coerce.number().nullable()]);

export type AccountPace = RequestPace & {
  /** One attempt: 0 = taken (at `ticket`), else milliseconds to wait before trying again. */
  tryTake(): Promise<{ waitMs: number; ticket: PaceTicket }>;
  /** The pace as it stands (the ceiling until a 304 lowered it). */
  current(): Promise<Pace>;
};

export function createAccountPace({ redis, key, ceiling }: { redis: Redis; key: string; ceiling: number }): AccountPace {
  const limits = paceLimits(ceiling);
  const change = (from: Pace, rate: number, drain: boolean) =>
    redis.eval(CHANGE_PACE, 1, key, String(from.epoch), String(rate), drain ? "drain" : "keep", String(PACE_TTL_MS));

  async function current(): Promise<Pace> {
    const [rate, epoch, changedAt] = PaceFieldsSchema.parse(await redis.hmget(key, "rate", "epoch", "changed"));
    return { rate: Math.min(ceiling, rate ?? ceiling), epoch: epoch ?? 0, changedAt: changedAt ?? 0 };
  }

  async function tryTake() {
    const [waitMs, rate, epoch, changedAt, now] = TakeReplySchema.parse(await redis.eval(TAKE_TOKEN, 1, key, String(ceiling), String(PACE_TTL_MS)));
    const pace = { rate, epoch, changedAt };
    const faster = rateAfterCalm(pace, now, limits);
    if (faster !== null) await change(pace, faster, false);
    return { waitMs, ticket: { epoch } };
  }

  return {
    tryTake,
    current,
    async take(signal) {
      for (;;) {
        signal?.throwIfAborted();
        const { waitMs, ticket } = await tryTake();
        if (waitMs <= 0) return ticket;
        await delay(waitMs, undefined, { signal });
      }
    },
    async refused(ticket) {
      const pace = await current();
      const slower = rateAfterRefusal(pace, ticket, limits);
      if (slower !== null) await change(pace, slower, true);
    },
  };
}
