/**
 * How a run treats one customer's failed write, the same for every destination's engine: "record" — this
 * customer failed, carry on; "stop" — nothing more can be written (the run's result carries the error).
 */
export type ErrorVerdict = { kind: "record"; reason: string; response: string | null } | { kind: "stop" };

/** Failures kept per run for the merchant to read; the counts stay exact beyond it. */
export const MAX_RECORDED_FAILURES = 1000;
