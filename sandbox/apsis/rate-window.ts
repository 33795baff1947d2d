/**
 * A sliding-window limit per key (the window's requests are remembered): "at most `limit` requests in any
 * `windowMs`". APSIS's own algorithm is not documented; a sliding window is the strictest reading of
 * "N requests per second/minute".
 */
export class SlidingWindow {
  readonly #hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** 0 when a request on `key` is admitted (and counted); else the milliseconds until it would be. */
  take(key = ""): number {
    const now = this.now();
    const hits = (this.#hits.get(key) ?? []).filter((at) => at > now - this.windowMs);
    this.#hits.set(key, hits);
    if (hits.length >= this.limit) return hits[0] + this.windowMs - now;
    hits.push(now);
    if (this.#hits.size > 10_000) for (const [idle, times] of this.#hits) if (times.every((at) => at <= now - this.windowMs)) this.#hits.delete(idle);
    return 0;
  }
}
