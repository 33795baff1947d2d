import { DateTime } from "luxon";
import type { ShopifyCustomer } from "../../../shopify/customer";
import type { ProfileGroup } from "./choices";

/**
 * Who a send writes, and who it suppresses. Pure: the send engine, the preview and the tests (which compute
 * the expected Adestra list from the seeded store) all decide with these functions.
 * The rule in words is ACTIVITY_DEFINITION (./choices.ts).
 */

/** The customer's last activity: the later of their last update and their last order (ISO 8601). */
export function lastActivityAt(customer: Pick<ShopifyCustomer, "updatedAt" | "lastOrderAt">): string {
  if (!customer.lastOrderAt) return customer.updatedAt;
  return Date.parse(customer.lastOrderAt) > Date.parse(customer.updatedAt) ? customer.lastOrderAt : customer.updatedAt;
}

/** [startMs, endMs): the start of the first day to the start of the day after the last, in the shop's zone. */
export type ActivityWindow = { startMs: number | null; endMs: number | null };

export function activityWindow({ activityFrom, activityTo, timeZone }: {
  activityFrom?: string | null;
  activityTo?: string | null;
  timeZone: string;
}): ActivityWindow {
  const day = (value: string) => {
    const start = DateTime.fromISO(value, { zone: timeZone }).startOf("day");
    if (!start.isValid) throw new RangeError(`"${value}" in ${timeZone} is not a day (${start.invalidExplanation ?? "invalid"})`);
    return start;
  };
  return {
    startMs: activityFrom ? day(activityFrom).toMillis() : null,
    // plus({ days: 1 }) then startOf("day"): a 23- or 25-hour day (DST) still ends at the next local midnight.
    endMs: activityTo ? day(activityTo).plus({ days: 1 }).startOf("day").toMillis() : null,
  };
}

export function isActiveWithin(customer: Pick<ShopifyCustomer, "updatedAt" | "lastOrderAt">, window: ActivityWindow) {
  const at = Date.parse(lastActivityAt(customer));
  return (window.startMs === null || at >= window.startMs) && (window.endMs === null || at < window.endMs);
}

export type CustomerDecision = {
  /**
   * "send": in the group and the date range, with an email: written to the list.
   * "no_email": All profiles, in the date range, but without an email address: counted as skipped. (With
   *   "Email subscribers only" such a customer has no email consent, so is simply not in the group.)
   * "not_chosen": outside the group or the date range: neither sent nor counted beyond "seen".
   */
  action: "send" | "no_email" | "not_chosen";
  /** Email state UNSUBSCRIBED: the address goes on the connection's unsub list, whatever the group or dates. */
  suppress: boolean;
};

/**
 * Consent rules (also stated where the mapping is documented, ./map-customer.ts):
 *  - "subscribers" sends SUBSCRIBED customers only: PENDING, NOT_SUBSCRIBED, INVALID and UNSUBSCRIBED never.
 *  - "all" sends every customer with an email address, whatever their consent.
 *  - Every UNSUBSCRIBED customer with an email is suppressed (added to the unsub list), in either group and
 *    regardless of the date range: an opt-out is never "too old" to honour. With "all", an unsubscribed
 *    customer is written to the list only once their address is on the unsub list, so Adestra never mails them.
 */
export function decideCustomer({ customer, profileGroup, window }: {
  customer: Pick<ShopifyCustomer, "email" | "emailMarketingState" | "updatedAt" | "lastOrderAt">;
  profileGroup: ProfileGroup;
  window: ActivityWindow;
}): CustomerDecision {
  const suppress = customer.email !== null && customer.emailMarketingState === "UNSUBSCRIBED";
  if (!isActiveWithin(customer, window)) return { action: "not_chosen", suppress };
  if (customer.email === null) return { action: profileGroup === "all" ? "no_email" : "not_chosen", suppress };
  if (profileGroup === "subscribers" && customer.emailMarketingState !== "SUBSCRIBED") return { action: "not_chosen", suppress };
  return { action: "send", suppress };
}
