import { DateTime } from "luxon";
import type { ShopifyCustomer } from "../../../shopify/customer";

/**
 * THE mapping of a Shopify customer to an Adestra contact: every field a send writes, in one place.
 *
 * | Adestra field        | from Shopify                                   | form                                  |
 * |----------------------|------------------------------------------------|---------------------------------------|
 * | email                | defaultEmailAddress.emailAddress               | as Shopify stores it (the dedupe key) |
 * | first_name           | firstName                                      | text                                  |
 * | last_name            | lastName                                       | text                                  |
 * | phone                | defaultPhoneNumber.phoneNumber                 | E.164, e.g. +46701234567              |
 * | country              | defaultAddress.countryCodeV2                   | ISO 3166-1 alpha-2, e.g. SE           |
 * | city                 | defaultAddress.city                            | text                                  |
 * | postcode             | defaultAddress.zip                             | text                                  |
 * | tags                 | tags                                           | "vip, newsletter" (Shopify's own form) |
 * | orders_count         | numberOfOrders                                 | integer as text, e.g. "3"             |
 * | total_spent          | amountSpent.amount (the shop's currency)       | decimal with 2 places, e.g. "123.50"  |
 * | customer_since       | createdAt                                      | YYYY-MM-DD in the shop's timezone     |
 * | last_order_date      | lastOrder.createdAt                            | YYYY-MM-DD in the shop's timezone     |
 * | shopify_customer_id  | id                                             | the numeric id, e.g. "7064055069303"  |
 *
 * Every value is text (Adestra core-table fields are typed for display only; the value is stored as given).
 * Absent values are sent as "" so a value removed in Shopify is cleared in Adestra instead of lingering.
 * Adestra limits fields to 255 characters: longer text is cut to at most 255 UTF-16 code units (the stricter
 * of the two ways a "character" is counted, so it fits either way), never inside a character; tags are cut
 * at a tag boundary, never mid-tag; an email over 255 is not cut (it would become someone else's address):
 * that customer fails with a reason instead.
 *
 * Consent is NOT a field: who is written at all, and who is put on the unsub list, is decided by
 * `decideCustomer` in ./filter.ts (subscribers only = SUBSCRIBED only; UNSUBSCRIBED always suppressed).
 */
export const ADESTRA_FIELD_MAX_LENGTH = 255;

export const ADESTRA_CONTACT_FIELDS = [
  "email",
  "first_name",
  "last_name",
  "phone",
  "country",
  "city",
  "postcode",
  "tags",
  "orders_count",
  "total_spent",
  "customer_since",
  "last_order_date",
  "shopify_customer_id",
] as const;
export type AdestraContactField = (typeof ADESTRA_CONTACT_FIELDS)[number];
export type AdestraContactData = Record<AdestraContactField, string>;

export type MapCustomerResult = { ok: true; contact: AdestraContactData } | { ok: false; reason: string };

export function mapCustomer({ customer, timeZone }: { customer: ShopifyCustomer; timeZone: string }): MapCustomerResult {
  const email = customer.email?.trim() ?? "";
  if (!email) return { ok: false, reason: "the customer has no email address" };
  if (email.length > ADESTRA_FIELD_MAX_LENGTH) {
    return { ok: false, reason: `the email address is longer than Adestra's ${ADESTRA_FIELD_MAX_LENGTH} characters` };
  }
  return {
    ok: true,
    contact: {
      email,
      first_name: truncate(customer.firstName),
      last_name: truncate(customer.lastName),
      phone: truncate(customer.phone),
      country: truncate(customer.countryCode),
      city: truncate(customer.city),
      postcode: truncate(customer.zip),
      tags: joinTags(customer.tags),
      orders_count: String(customer.numberOfOrders),
      total_spent: twoDecimals(customer.amountSpent.amount),
      customer_since: localDay(customer.createdAt, timeZone),
      last_order_date: customer.lastOrderAt ? localDay(customer.lastOrderAt, timeZone) : "",
      shopify_customer_id: numericId(customer.id),
    },
  };
}

/** At most `max` UTF-16 code units, never splitting a character (a surrogate pair stays whole or goes). */
export function truncate(value: string | null | undefined, max = ADESTRA_FIELD_MAX_LENGTH): string {
  if (!value) return "";
  const text = value.trim();
  if (text.length <= max) return text;
  let out = "";
  for (const character of text) {
    if (out.length + character.length > max) break;
    out += character;
  }
  return out;
}

/** "a, b, c", dropping whole tags from the end so the result fits. */
export function joinTags(tags: string[], max = ADESTRA_FIELD_MAX_LENGTH): string {
  let out = "";
  for (const tag of tags.map((t) => t.trim()).filter(Boolean)) {
    const next = out ? `${out}, ${tag}` : tag;
    if (next.length > max) break;
    out = next;
  }
  return out;
}

/** Shopify's decimal string ("12.5", "0.0", "-3") → "12.50", without passing through a float. */
export function twoDecimals(amount: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return amount;
  const [, sign, whole, fraction = ""] = match;
  const cents = fraction.padEnd(2, "0");
  if (cents.length === 2) return `${sign}${whole}.${cents}`;
  // More than 2 places (Shopify sends at most 2 for money, but be exact): round half up on the digits.
  const scaled = BigInt(whole + cents.slice(0, 2)) + (Number(cents[2]) >= 5 ? 1n : 0n);
  const digits = scaled.toString().padStart(3, "0");
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

export function localDay(iso: string, timeZone: string): string {
  return DateTime.fromISO(iso, { zone: timeZone }).toISODate() ?? "";
}

/** gid://shopify/Customer/123 → "123". */
export function numericId(gid: string): string {
  return /\/(\d+)$/.exec(gid)?.[1] ?? gid;
}
