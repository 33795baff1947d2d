import { DateTime } from "luxon";
import type { ShopifyCustomer } from "../../../shopify/customer";
import { type AttributeValueType, extractField, type FieldContext, type FieldValue, isShopifyFieldKey, SHOPIFY_FIELDS, type ShopifyFieldKey } from "./shopify-fields";

/**
 * A Shopify field's value as written to an APSIS attribute: the single place where a Shopify value becomes an
 * APSIS value, and the check that a mapping can be written at all. Pure.
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

export const APSIS_TEXT_MAX_LENGTH = 1000;

/** An attribute as APSIS lists it (GET /audience/sections/{section}/attributes). */
export type ApsisAttributeDefinition = {
  discriminator: string;
  name: string;
  /** APSIS's type name when it says one (the public docs show none): see normalizeAttributeType. */
  type?: string | null;
  versions?: { id: string | number; deprecated_at?: string | null }[];
};

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
