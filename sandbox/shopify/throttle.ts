/**
 * Shopify's cost-based rate limit: a leaky bucket per app and store
 * (shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits). A query needs its whole requested cost
 * available before it runs; afterwards the difference between requested and actual cost is refunded.
 */
export type ThrottleConfig = { maximumAvailable: number; restoreRate: number };
export type ThrottleStatus = { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };

/** Shopify for enterprise's numbers (2000 points, 100/s); the brief's default. */
export const DEFAULT_THROTTLE: ThrottleConfig = { maximumAvailable: 2000, restoreRate: 100 };

export class LeakyBucket {
  private available: number;
  private refilledAt: number;

  constructor(
    private readonly config: ThrottleConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.available = config.maximumAvailable;
    this.refilledAt = now();
  }

  /** Takes `cost` points if all of them are available; otherwise takes nothing. */
  tryTake(cost: number): boolean {
    this.refill();
    if (cost > this.available) return false;
    this.available -= cost;
    return true;
  }

  refund(points: number): void {
    this.refill();
    this.available = Math.min(this.config.maximumAvailable, this.available + points);
  }

  status(): ThrottleStatus {
    this.refill();
    return {
      maximumAvailable: this.config.maximumAvailable,
      currentlyAvailable: Math.floor(this.available),
      restoreRate: this.config.restoreRate,
    };
  }

  private refill(): void {
    const now = this.now();
    this.available = Math.min(this.config.maximumAvailable, this.available + ((now - this.refilledAt) / 1000) * this.config.restoreRate);
    this.refilledAt = now;
  }
}
