import { DateTime } from "luxon";
import type { ShopifyCustomer } from "../../../shopify/customer";

/**
 * The Shopify customer fields a merchant can map to APSIS One profile attributes: each with its value type and
 * how it is read from a ShopifyCustomer. Pure. How a value is written to an attribute of another type is
 * ./attribute-values.ts; which attribute a field is proposed for, ./guess-mappings.ts.
 *
 * Value types follow APSIS's attribute data types (help.apsis.one "attributes in data model"): Text (≤ 1000
 * characters), Number, Number with decimals, Date (YYYY-MM-DD), Timestamp (ISO 8601, UTC) and True/False.
 */

export const ATTRIBUTE_VALUE_TYPES = ["text", "number", "decimal", "date", "timestamp", "boolean"] as const;
export type AttributeValueType = (typeof ATTRIBUTE_VALUE_TYPES)[number];

export type FieldValue = string | number | boolean | null;
export type FieldContext = { /** The shop's IANA timezone: dates are calendar days there. */ timeZone: string };

export type FieldSpec = {
  label: string;
  type: AttributeValueType;
  description: string;
  extract: (customer: ShopifyCustomer, context: FieldContext) => FieldValue;
  /** Attribute names this field is guessed for (guessMappings), besides its label and key. */
  synonyms: readonly string[];
  /** The APSIS default attribute this field belongs in, when there is one. */
  apsisDefault?: string;
};

const numericId = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);
const utcTimestamp = (iso: string | null) => (iso ? DateTime.fromISO(iso, { setZone: true }).toUTC().toISO({ suppressMilliseconds: true }) : null);
/** An MSISDN as APSIS wants mobile numbers: digits only, country code first, no "+" (e.g. 46701234567). */
export const toMsisdn = (e164: string | null) => (e164 ? e164.replace(/\D/g, "") || null : null);

export const SHOPIFY_FIELDS = {
  shopify_customer_id: {
    label: "Shopify customer ID",
    type: "text",
    description: "The numeric customer id, e.g. 7064055069303 (also the profile's unique key in APSIS)",
    extract: (c) => numericId(c.id),
    synonyms: ["shopify customer id", "customer id", "shopify id", "customerid", "external id"],
  },
  email: {
    label: "Email",
    type: "text",
    description: "The customer's default email address",
    extract: (c) => c.email,
    synonyms: ["email", "e-mail", "email address", "mail"],
    apsisDefault: "com.apsis1.attributes.email",
  },
  first_name: {
    label: "First name",
    type: "text",
    description: "",
    extract: (c) => c.firstName,
    synonyms: ["first name", "firstname", "given name", "forename"],
    apsisDefault: "com.apsis1.attributes.firstname",
  },
  last_name: {
    label: "Last name",
    type: "text",
    description: "",
    extract: (c) => c.lastName,
    synonyms: ["last name", "lastname", "surname", "family name"],
    apsisDefault: "com.apsis1.attributes.lastname",
  },
  full_name: {
    label: "Full name",
    type: "text",
    description: "Shopify's display name (first and last name, or the email when there is no name)",
    extract: (c) => c.displayName,
    synonyms: ["full name", "fullname", "display name", "name"],
  },
  phone: {
    label: "Phone",
    type: "text",
    description: "The default phone number as an MSISDN (digits only, country code first), as APSIS wants mobile numbers",
    extract: (c) => toMsisdn(c.phone),
    synonyms: ["phone", "mobile", "mobile phone", "mobile number", "cell phone", "phone number", "msisdn", "sms"],
    apsisDefault: "com.apsis1.attributes.mobile",
  },
  country_code: {
    label: "Country (code)",
    type: "text",
    description: "ISO 3166-1 alpha-2 code of the default address, e.g. SE",
    extract: (c) => c.countryCode,
    synonyms: ["country", "country code", "countrycode", "location"],
  },
  country: {
    label: "Country name",
    type: "text",
    description: "e.g. Sweden",
    extract: (c) => c.country,
    synonyms: ["country name"],
  },
  province: {
    label: "Province / state",
    type: "text",
    description: "",
    extract: (c) => c.province,
    synonyms: ["province", "state", "region", "county"],
  },
  province_code: {
    label: "Province / state code",
    type: "text",
    description: "",
    extract: (c) => c.provinceCode,
    synonyms: ["province code", "state code", "region code"],
  },
  city: {
    label: "City",
    type: "text",
    description: "",
    extract: (c) => c.city,
    synonyms: ["city", "town"],
  },
  zip: {
    label: "Postal code",
    type: "text",
    description: "",
    extract: (c) => c.zip,
    synonyms: ["postal code", "postcode", "post code", "zip", "zip code", "zipcode"],
  },
  locale: {
    label: "Locale",
    type: "text",
    description: "The customer's language and region as Shopify keeps it, e.g. sv-SE or en",
    extract: (c) => c.locale,
    synonyms: ["locale"],
  },
  language: {
    label: "Language",
    type: "text",
    description: "The language part of the locale, e.g. sv",
    extract: (c) => c.locale.split(/[-_]/)[0]?.toLowerCase() || null,
    synonyms: ["language", "lang", "preferred language"],
  },
  tags: {
    label: "Tags",
    type: "text",
    description: 'Comma-separated, as Shopify shows them, e.g. "newsletter, vip"',
    extract: (c) => (c.tags.length ? c.tags.join(", ") : null),
    synonyms: ["tags", "customer tags", "shopify tags"],
  },
  number_of_orders: {
    label: "Number of orders",
    type: "number",
    description: "",
    extract: (c) => c.numberOfOrders,
    synonyms: ["number of orders", "orders count", "order count", "total orders", "orders"],
  },
  amount_spent: {
    label: "Amount spent",
    type: "decimal",
    description: "Lifetime spend in the shop's currency",
    extract: (c) => c.amountSpent.amount,
    synonyms: ["amount spent", "total spent", "total spend", "lifetime value", "ltv", "revenue"],
  },
  currency: {
    label: "Currency",
    type: "text",
    description: "The currency of Amount spent, e.g. SEK",
    extract: (c) => c.amountSpent.currencyCode,
    synonyms: ["currency", "currency code"],
  },
  created_at: {
    label: "Created at",
    type: "timestamp",
    description: "When the customer was created in Shopify (into a Date attribute: the day, in the shop's timezone)",
    extract: (c) => utcTimestamp(c.createdAt),
    synonyms: ["created at", "created", "customer since", "signup date", "sign up date", "registration date", "created date"],
  },
  updated_at: {
    label: "Updated at",
    type: "timestamp",
    description: "When the customer was last changed in Shopify",
    extract: (c) => utcTimestamp(c.updatedAt),
    synonyms: ["updated at", "updated", "last updated", "modified", "last modified"],
  },
  last_order_at: {
    label: "Last order at",
    type: "timestamp",
    description: "When the customer's latest order was placed",
    extract: (c) => utcTimestamp(c.lastOrderAt),
    synonyms: ["last order at", "last order", "last order date", "last purchase", "last purchase date", "latest order"],
  },
  email_marketing_state: {
    label: "Email marketing state",
    type: "text",
    description: "SUBSCRIBED, NOT_SUBSCRIBED, UNSUBSCRIBED, PENDING or INVALID (information only: consent is mapped separately)",
    extract: (c) => c.emailMarketingState,
    synonyms: ["email marketing state", "email marketing status", "email consent", "email consent state"],
  },
  email_subscribed: {
    label: "Subscribed to email marketing",
    type: "boolean",
    description: "True when Shopify's email marketing state is SUBSCRIBED (information only: consent is mapped separately)",
    extract: (c) => c.emailMarketingState === "SUBSCRIBED",
    synonyms: ["email subscribed", "subscribed", "accepts marketing", "accepts email marketing", "newsletter subscriber"],
  },
  email_marketing_updated_at: {
    label: "Email consent changed at",
    type: "timestamp",
    description: "When the email marketing state last changed",
    extract: (c) => utcTimestamp(c.emailMarketingUpdatedAt),
    synonyms: ["email consent changed at", "email marketing updated at", "consent date"],
  },
  sms_marketing_state: {
    label: "SMS marketing state",
    type: "text",
    description: "SUBSCRIBED, NOT_SUBSCRIBED, UNSUBSCRIBED, PENDING or REDACTED (information only: consent is mapped separately)",
    extract: (c) => c.smsMarketingState,
    synonyms: ["sms marketing state", "sms marketing status", "sms consent", "sms consent state"],
  },
  sms_subscribed: {
    label: "Subscribed to SMS marketing",
    type: "boolean",
    description: "True when Shopify's SMS marketing state is SUBSCRIBED (information only: consent is mapped separately)",
    extract: (c) => c.smsMarketingState === "SUBSCRIBED",
    synonyms: ["sms subscribed", "accepts sms marketing", "accepts sms"],
  },
} as const satisfies Record<string, FieldSpec>;

export type ShopifyFieldKey = keyof typeof SHOPIFY_FIELDS;
export const SHOPIFY_FIELD_KEYS = Object.keys(SHOPIFY_FIELDS) as ShopifyFieldKey[];

export const isShopifyFieldKey = (key: string): key is ShopifyFieldKey => Object.hasOwn(SHOPIFY_FIELDS, key);

/** The catalogue for the mapping page, in display order. */
export function listShopifyFields(): { key: ShopifyFieldKey; label: string; type: AttributeValueType; description: string }[] {
  return SHOPIFY_FIELD_KEYS.map((key) => {
    const f: FieldSpec = SHOPIFY_FIELDS[key];
    return { key, label: f.label, type: f.type, description: f.description };
  });
}

/** The field's value in its own type (text, number, decimal as an exact decimal string, ISO timestamp…). */
export function extractField(key: ShopifyFieldKey, customer: ShopifyCustomer, context: FieldContext): FieldValue {
  const f: FieldSpec = SHOPIFY_FIELDS[key];
  return f.extract(customer, context);
}
