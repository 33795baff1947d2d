import { DateTime } from "luxon";
import type { ShopifyCustomer } from "../../../shopify/customer";

/**
 * The Shopify customer fields a merchant can map to APSIS One profile attributes: each with its value type and
 * how it is read from a ShopifyCustomer. Pure; the single place where a Shopify value becomes an APSIS value.
 *
 * Value types follow APSIS's attribute data types (help.apsis.one "attributes in data model"): Text (≤ 1000
 * characters), Number, Number with decimals, Date (YYYY-MM-DD), Timestamp (ISO 8601, UTC) and True/False.
 *
 * A field may be written to an attribute of another type only where nothing is lost or invented
 * (COMPATIBLE_TYPES): any field into a Text attribute (as text), a whole number into a decimal attribute, a
 * timestamp into a Date attribute (the calendar day in the shop's timezone) and a date into a Timestamp
 * attribute (midnight in the shop's timezone). Everything else — text into a Number attribute, a decimal into a
 * whole-number attribute, a boolean into a date… — is a type mismatch, refused before saving.
 *
 * Absent values (no phone, no address…) are written as null, which clears the attribute (JSON merge patch), so a
 * value removed in Shopify does not linger in APSIS.
 */

export const ATTRIBUTE_VALUE_TYPES = ["text", "number", "decimal", "date", "timestamp", "boolean"] as const;
export type AttributeValueType = (typeof ATTRIBUTE_VALUE_TYPES)[number];

export const APSIS_TEXT_MAX_LENGTH = 1000;

/** An attribute as APSIS lists it (GET /audience/sections/{section}/attributes). */
export type ApsisAttributeDefinition = {
  discriminator: string;
  name: string;
  /** APSIS's type name when it says one (the public docs show none): see normalizeAttributeType. */
  type?: string | null;
  versions?: { id: string | number; deprecated_at?: string | null }[];
};

export type FieldValue = string | number | boolean | null;
export type FieldContext = { /** The shop's IANA timezone: dates are calendar days there. */ timeZone: string };

type FieldSpec = {
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

// ---------------------------------------------------------------- types

/**
 * APSIS's type name → ours, tolerant of spellings ("Number with decimals", "number_with_decimals", "double",
 * "date-time"…). null: APSIS did not say, or said something unknown — such an attribute takes any field, written
 * in the field's own type.
 */
export function normalizeAttributeType(raw: string | null | undefined): AttributeValueType | null {
  if (!raw) return null;
  const t = raw.trim().toLowerCase().replace(/[\s_\-/]+/g, "");
  if (["text", "string", "str", "varchar", "email", "phone", "mobile", "url", "location", "country"].includes(t)) return "text";
  if (["number", "integer", "int", "long", "wholenumber", "numeric"].includes(t)) return "number";
  if (["decimal", "numberwithdecimals", "double", "float", "money", "currency"].includes(t)) return "decimal";
  if (["date", "localdate"].includes(t)) return "date";
  if (["timestamp", "datetime", "time", "instant"].includes(t)) return "timestamp";
  if (["boolean", "bool", "truefalse", "yesno"].includes(t)) return "boolean";
  return null;
}

/** Which attribute types each field type may be written to. */
export const COMPATIBLE_TYPES: Record<AttributeValueType, readonly AttributeValueType[]> = {
  text: ["text"],
  number: ["number", "decimal", "text"],
  decimal: ["decimal", "text"],
  date: ["date", "timestamp", "text"],
  timestamp: ["timestamp", "date", "text"],
  boolean: ["boolean", "text"],
};

export function isCompatible(fieldType: AttributeValueType, attributeType: AttributeValueType | null) {
  return attributeType === null || COMPATIBLE_TYPES[fieldType].includes(attributeType);
}

const TYPE_NAMES: Record<AttributeValueType, string> = {
  text: "text",
  number: "whole number",
  decimal: "number with decimals",
  date: "date",
  timestamp: "timestamp",
  boolean: "true/false",
};
export const describeType = (type: AttributeValueType) => TYPE_NAMES[type];

const truncate = (text: string) => {
  const chars = [...text];
  return chars.length > APSIS_TEXT_MAX_LENGTH ? chars.slice(0, APSIS_TEXT_MAX_LENGTH).join("") : text;
};

/** A field's value as written to an attribute of `to` (null: APSIS gave no type — the field's own form). */
export function convertValue(value: FieldValue, from: AttributeValueType, to: AttributeValueType | null, context: FieldContext): FieldValue {
  if (value === null) return null;
  const target = to ?? from;
  switch (target) {
    case "text":
      return truncate(String(value));
    case "number":
    case "decimal":
      return typeof value === "number" ? value : Number(value);
    case "boolean":
      return value === true || value === "true";
    case "date":
      if (from === "timestamp") return DateTime.fromISO(String(value), { zone: "utc" }).setZone(context.timeZone).toISODate();
      return String(value);
    case "timestamp":
      if (from === "date") return DateTime.fromISO(String(value), { zone: context.timeZone }).toUTC().toISO({ suppressMilliseconds: true });
      return String(value);
  }
}

// ---------------------------------------------------------------- mappings

export type AttributeMappingInput = { field: string; attribute: string };
/** A saved mapping with what the sync needs to write it. */
export type ResolvedAttributeMapping = {
  field: ShopifyFieldKey;
  attribute: string;
  attributeType: AttributeValueType | null;
  /** The attribute's current (non-deprecated) version id, for the v1 attribute write. */
  versionId?: string | null;
};

/** The attributes a customer's profile gets: attribute discriminator → value (mapped fields only). */
export function mapAttributes({ customer, mappings, context }: {
  customer: ShopifyCustomer;
  mappings: readonly ResolvedAttributeMapping[];
  context: FieldContext;
}): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const m of mappings) {
    const from = SHOPIFY_FIELDS[m.field].type;
    out[m.attribute] = convertValue(extractField(m.field, customer, context), from, m.attributeType, context);
  }
  return out;
}

/** The version id to write an attribute with: its first version not deprecated (as APSIS's Magento and PrestaShop modules pick it); null when every version is. */
export function currentVersionId(definition: Pick<ApsisAttributeDefinition, "versions">): string | null {
  const version = definition.versions?.find((v) => !v.deprecated_at);
  return version ? String(version.id) : null;
}

export type MappingIssue = {
  index: number;
  field: string;
  attribute: string;
  code: "unknown_field" | "unknown_attribute" | "duplicate_attribute" | "type_mismatch" | "deprecated_attribute" | "invalid";
  message: string;
};

/**
 * Everything wrong with a section's mappings before they are saved: unknown Shopify fields, attributes the
 * section does not have, one attribute fed by two fields, an attribute with no writable version, and type
 * mismatches (e.g. a text field into a Number attribute). Empty = can be saved.
 */
export function checkMappingTypes(mappings: readonly AttributeMappingInput[], attributes: readonly ApsisAttributeDefinition[]): MappingIssue[] {
  const byDiscriminator = new Map(attributes.map((a) => [a.discriminator, a]));
  const issues: MappingIssue[] = [];
  const seen = new Set<string>();
  mappings.forEach(({ field, attribute }, index) => {
    const issue = (code: MappingIssue["code"], message: string) => issues.push({ index, field, attribute, code, message });
    const definition = byDiscriminator.get(attribute);
    if (!isShopifyFieldKey(field)) return issue("unknown_field", `"${field}" is not a Shopify field the app can map`);
    if (!definition) return issue("unknown_attribute", `The Section has no attribute "${attribute}" (it may have been removed in APSIS)`);
    if (seen.has(attribute)) return issue("duplicate_attribute", `"${definition.name}" is mapped from more than one Shopify field`);
    seen.add(attribute);
    const fieldType = SHOPIFY_FIELDS[field].type;
    const attributeType = normalizeAttributeType(definition.type);
    if (!isCompatible(fieldType, attributeType)) {
      return issue(
        "type_mismatch",
        `${SHOPIFY_FIELDS[field].label} is ${describeType(fieldType)} but "${definition.name}" is a ${describeType(attributeType!)} attribute`,
      );
    }
    if (definition.versions && definition.versions.length && !currentVersionId(definition)) {
      issue("deprecated_attribute", `"${definition.name}" has only deprecated versions in APSIS and cannot be written`);
    }
  });
  return issues;
}

// ---------------------------------------------------------------- guessing

/** "usercreated.attributes.press_-_newsletter-omm8pihlcr" → "press newsletter"; "First Name" → "first name". */
export function normalizeName(text: string): string {
  let t = text.trim();
  if (/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/i.test(t)) {
    // A discriminator: its last segment, without the random suffix APSIS appends to user-created ones.
    t = t.slice(t.lastIndexOf(".") + 1);
    const suffix = /-([a-z0-9]{10})$/.exec(t);
    if (suffix && (text.startsWith("usercreated.") || /\d/.test(suffix[1]))) t = t.slice(0, -11);
  }
  return t
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

const squash = (text: string) => text.replace(/ /g, "");

function score(field: ShopifyFieldKey, attribute: ApsisAttributeDefinition): number {
  const spec: FieldSpec = SHOPIFY_FIELDS[field];
  if (spec.apsisDefault && attribute.discriminator === spec.apsisDefault) return 100;
  const names = [normalizeName(attribute.name), normalizeName(attribute.discriminator)].filter(Boolean);
  const synonyms = [...new Set([normalizeName(spec.label), normalizeName(field), ...spec.synonyms.map(normalizeName)])];
  let best = 0;
  for (const name of names) {
    const tokens = new Set(name.split(" "));
    for (const synonym of synonyms) {
      const words = synonym.split(" ");
      if (squash(name) === squash(synonym)) best = Math.max(best, 90);
      // Several words all present ("Shopify customer id" ⊇ "customer id"); one word alone guesses too much.
      else if (words.length > 1 && words.every((w) => tokens.has(w))) best = Math.max(best, 50 + words.length);
    }
  }
  return best;
}

/**
 * Proposed mappings for a Section's attributes, by name and discriminator: APSIS's default attributes first
 * (email, first/last name, mobile), then exact names and synonyms ("Postal code" ← zip, "Customer since" ←
 * created at), then multi-word containment ("Shopify customer id"). Each field and each attribute is used at
 * most once, and only type-compatible pairs are proposed.
 */
export function guessMappings(attributes: readonly ApsisAttributeDefinition[]): { field: ShopifyFieldKey; attribute: string }[] {
  const candidates: { field: ShopifyFieldKey; attribute: string; score: number; order: number }[] = [];
  SHOPIFY_FIELD_KEYS.forEach((field, order) => {
    for (const attribute of attributes) {
      if (!isCompatible(SHOPIFY_FIELDS[field].type, normalizeAttributeType(attribute.type))) continue;
      if (attribute.versions && attribute.versions.length && !currentVersionId(attribute)) continue;
      const s = score(field, attribute);
      if (s >= 50) candidates.push({ field, attribute: attribute.discriminator, score: s, order });
    }
  });
  candidates.sort((a, b) => b.score - a.score || a.order - b.order);
  const usedFields = new Set<string>();
  const usedAttributes = new Set<string>();
  const out: { field: ShopifyFieldKey; attribute: string; order: number }[] = [];
  for (const c of candidates) {
    if (usedFields.has(c.field) || usedAttributes.has(c.attribute)) continue;
    usedFields.add(c.field);
    usedAttributes.add(c.attribute);
    out.push(c);
  }
  return out.sort((a, b) => a.order - b.order).map(({ field, attribute }) => ({ field, attribute }));
}
