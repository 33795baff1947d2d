import type { SendChoices } from "./choices";

/**
 * The send's choice as a Shopify customer search query, for counting a large store's send without reading
 * it (`customersCount(query:)`). It expresses exactly the rules of ./filter.ts, term by term:
 *  - has an email:                         `email:*`
 *  - Email subscribers only (SUBSCRIBED):  `accepts_marketing:true` (Shopify: email marketing state SUBSCRIBED)
 *  - activity ≥ start day, where activity = max(updated_at, last order):
 *        `(updated_at:>=FROM OR order_date:>=FROM)` (one of the two is on or after the day)
 *  - activity ≤ end day:
 *        `updated_at:<=TO -order_date:>TO` (both on or before the day: updated, and no order after it)
 * Unquoted dates match whole days in the shop's timezone, as the date range does.
 * Shopify's search index lags writes by seconds to minutes, so a count from it can be a little behind the
 * send itself, which reads every customer and decides with filter.ts.
 */
export function customerSearchQuery(choices: Pick<SendChoices, "profileGroup" | "activityFrom" | "activityTo">): string {
  const terms = ["email:*"];
  if (choices.profileGroup === "subscribers") terms.push("accepts_marketing:true");
  if (choices.activityFrom) terms.push(`(updated_at:>=${choices.activityFrom} OR order_date:>=${choices.activityFrom})`);
  if (choices.activityTo) terms.push(`updated_at:<=${choices.activityTo}`, `-order_date:>${choices.activityTo}`);
  return terms.join(" ");
}
