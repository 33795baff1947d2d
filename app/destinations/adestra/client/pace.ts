/**
 * The pace of one Adestra account: how many requests per second the app sends it, found by trying (AIMD, as
 * TCP finds a link's capacity). Adestra publishes no limit and its fault 304 ("Your account is making requests
 * too frequently") carries no figure and no Retry-After, so the refusal itself is the only signal:
 *  - a 304 halves the pace, once per setting: refusals of requests sent at an earlier setting are about a
 *    pace already given up, so many requests refused together lower it once, not once each;
 *  - after `CALM_MS` with no change the pace goes up by a tenth of the ceiling (back to the ceiling from the
 *    floor in ten such stretches, whatever the ceiling);
 *  - it stays between `PACE_FLOOR_PER_SECOND` and the ceiling (ADESTRA_REQUESTS_PER_SECOND).
 * The rule is pure; where the pace is kept (Redis, shared by every worker) is rate-limit.server.ts.
 */

/** One setting of the pace: its rate, which setting it is (`epoch`, +1 at each change) and since when (ms). */
export type Pace = { rate: number; epoch: number; changedAt: number };

export type PaceLimits = { ceiling: number; floor: number };

/** Which setting of the pace a request was sent at. */
export type PaceTicket = { epoch: number };

/** How a client keeps to an account's pace; the transport takes a ticket before every request it sends. */
export interface RequestPace {
  /** Resolves when the next request may go (rejects with the signal's reason if aborted while waiting). */
  take(signal?: AbortSignal): Promise<PaceTicket>;
  /** Adestra refused the request sent with `ticket` as too frequent (fault 304). */
  refused(ticket: PaceTicket): Promise<void>;
}

export const PACE_FLOOR_PER_SECOND = 0.5;
export const SLOW_DOWN_FACTOR = 0.5;
export const CALM_MS = 5_000;
export const SPEED_UP_FRACTION = 0.1;

export function paceLimits(ceiling: number): PaceLimits {
  return { ceiling, floor: Math.min(ceiling, PACE_FLOOR_PER_SECOND) };
}

/** The rate after a 304 to a request sent at `refusedAt`; null when that setting is already gone. */
export function rateAfterRefusal(pace: Pace, refusedAt: PaceTicket, limits: PaceLimits): number | null {
  if (refusedAt.epoch !== pace.epoch) return null;
  return Math.max(limits.floor, Math.min(limits.ceiling, pace.rate) * SLOW_DOWN_FACTOR);
}

/** The rate once the pace has held for a calm stretch; null while it is at the ceiling or the stretch lasts. */
export function rateAfterCalm(pace: Pace, now: number, limits: PaceLimits): number | null {
  if (pace.rate >= limits.ceiling || now - pace.changedAt < CALM_MS) return null;
  return Math.min(limits.ceiling, pace.rate + limits.ceiling * SPEED_UP_FRACTION);
}
