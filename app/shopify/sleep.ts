import { setTimeout as delay } from "node:timers/promises";

/** Waits `ms`, or rejects with the signal's AbortError. Injected wherever the reader waits, so tests never do. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) => delay(ms, undefined, { signal });
