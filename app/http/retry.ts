/**
 * Retry plumbing shared by the integration clients: exponential backoff with jitter, Retry-After, and a loop
 * that asks the caller, per failure, whether and how long to wait.
 */
import { setTimeout as delay } from "node:timers/promises";

/** Waits `ms`, or rejects with the signal's AbortError. Injected into clients so unit tests never wait. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 30_000;

/**
 * Delay before retry number `retry` (0-based): 1 s, 2 s, 4 s … capped at 30 s, each drawn from its upper
 * half ("equal jitter") so many workers that failed together do not come back together, yet never retry at once.
 */
export function backoffDelayMs(retry: number, { baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS, random = Math.random } = {}): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** retry);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After as milliseconds: delay-seconds (what APIs send), or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Runs `attempt` until it succeeds, `delayFor` returns undefined for its failure (not worth retrying), or
 * `maxRetries` retries are spent; the last failure is thrown as is.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  { maxRetries, sleep: wait, delayFor }: { maxRetries: number; sleep: Sleep; delayFor: (error: unknown, retry: number) => number | undefined },
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      const delayMs = retry < maxRetries ? delayFor(error, retry) : undefined;
      if (delayMs === undefined) throw error;
      await wait(delayMs);
    }
  }
}
