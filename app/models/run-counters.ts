/**
 * What every run counts, whatever its destination: the SyncRun row's counter columns. A destination uses the
 * ones that mean something for it (APSIS One has no unsub list, so its runs leave `suppressed` and `unsuppressed` at 0).
 */
export type RunCounters = {
  /** Customers read from Shopify. */
  seen: number;
  /** Customers the run's choices or conditions select. */
  matched: number;
  /** Newly written to the destination (a new list member, a profile written to a Section for the first time). */
  created: number;
  /** Written again: already there, and something sent changed. */
  updated: number;
  /** Identical to what the last successful write sent: nothing written. */
  unchanged: number;
  /** Not written for a reason of the run's rules (no email address, no sync condition matched). */
  skipped: number;
  /** Customers the destination refused; each has a recorded failure (up to the run's cap). */
  failed: number;
  /** Unsubscribed customers newly added to the destination's suppression (unsub) list. */
  suppressed: number;
  /** Addresses taken off the destination's unsub list: subscribed in Shopify again after the run had put them there. */
  unsuppressed: number;
  /**
   * Customers with a consent raise (an opt-in, an address off the unsub list) left alone because the destination
   * holds an opt-out newer than Shopify's consent (app/runs/consent-guard.ts); each is in the consent history.
   */
  leftAlone: number;
};

export const RUN_COUNTER_NAMES = ["seen", "matched", "created", "updated", "unchanged", "skipped", "failed", "suppressed", "unsuppressed", "leftAlone"] as const satisfies readonly (keyof RunCounters)[];

export const zeroRunCounters = (): RunCounters => ({ seen: 0, matched: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, suppressed: 0, unsuppressed: 0, leftAlone: 0 });
