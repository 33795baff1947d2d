/**
 * APSIS One's request limits belong to the account, not to a process (docs/apis/apsis-one-api.md §9.1):
 * 100 requests/s per account and 10/s per profile key. The client asks a limiter before every request:
 * `acquire("profile:<key>")` for calls on a profile, then `acquire("account")`.
 *
 * Both implementations PACE requests (one slot every 1/rate seconds) rather than allowing bursts: APSIS's
 * windowing is not documented, and evenly spaced requests stay under any window of one second. Each caller
 * reserves the next free slot and waits for it, so there is no polling and no thundering herd.
 */
import { type Sleep, sleep as realSleep } from "../../../http/retry";

export interface ApsisLimiter {
  /** Resolves when a request counted against `key` ("account" or "profile:<key>") may go. */
  acquire(key: string): Promise<void>;
}

export interface ApsisLimits {
  accountPerSecond: number;
  profilePerSecond: number;
}

/**
 * 10% under the documented 100/s and 10/s: requests paced exactly at the limit arrive with network jitter, and
 * a strict window at APSIS then sees 11 in some second (the sandbox's does, one run in three).
 */
export const APSIS_LIMITS: ApsisLimits = { accountPerSecond: 90, profilePerSecond: 9 };

/** Milliseconds between two requests counted against `key`. */
export function slotIntervalMs(key: string, limits: ApsisLimits): number {
  if (key === "account") return 1_000 / limits.accountPerSecond;
  if (key.startsWith("profile:")) return 1_000 / limits.profilePerSecond;
  throw new TypeError(`An APSIS limiter key is "account" or "profile:<key>", not "${key}"`);
}

/** One process's limiter (tests, single-process development): slots in a Map, idle keys forgotten. */
export function createMemoryLimiter({
  limits = APSIS_LIMITS,
  sleep = realSleep,
  now = Date.now,
}: { limits?: ApsisLimits; sleep?: Sleep; now?: () => number } = {}): ApsisLimiter {
  const nextFree = new Map<string, number>();
  return {
    async acquire(key) {
      const at = now();
      const slot = Math.max(nextFree.get(key) ?? at, at);
      nextFree.set(key, slot + slotIntervalMs(key, limits));
      if (nextFree.size > 10_000) for (const [idle, free] of nextFree) if (free < at) nextFree.delete(idle);
      if (slot > at) await sleep(slot - at);
    },
  };
}
