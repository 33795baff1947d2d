/** A token bucket: bursts up to one second's worth of requests, refilled continuously. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #capacity: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#capacity = Math.max(1, perSecond);
    this.#tokens = this.#capacity;
    this.#last = now();
  }

  tryTake(): boolean {
    const now = this.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#last) / 1000) * this.perSecond);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
