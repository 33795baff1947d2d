import { z } from "zod";
import type { ApsisAttribute, ApsisSection, ApsisTopic } from "./client/client";
import { ApsisNotFoundError } from "./client/errors";
import type { ShopifyCustomer } from "../../shopify/customer";
import {
  listAttributeMappingRows,
  listConsentMappingRows,
  listSyncConditionRows,
  replaceAttributeMappings,
  replaceConsentMappings,
  replaceSyncConditions,
} from "../../models/apsis-mapping.server";
import type { ShopContext } from "../../models/shop.server";
import {
  type ConditionError,
  conditionErrors,
  conditionMatches,
  conditionRule,
  pickConditionIndex,
  type SyncCondition,
  SyncConditionSchema,
  SyncConditionsSchema,
} from "./rules/conditions";
import { checkMappingTypes, type MappingIssue, normalizeAttributeType } from "./rules/attribute-values";
import type { ConsentRefusal } from "./rules/consent";
import { type AttributeValueType, isShopifyFieldKey, type ShopifyFieldKey } from "./rules/shopify-fields";
import { BOUNDS, boundedText } from "../../utils/input-bounds";
import type { Refused } from "../../utils/user-facing-error";
import { describeApsisError, INTERACTIVE, openApsisConnection } from "./account.server";
import { parseEnv } from "../../env.server";
import { readStoreCustomers } from "../../shopify/store-customers.server";
import { getShopifyAdmin } from "../../shopify/admin.server";

/**
 * APSIS One page → Sync conditions, Attribute mapping, Consent mapping. Every save validates against the live
 * APSIS account (the Section, attribute or topic must exist there; attribute types must fit) and replaces the
 * saved set in one transaction, so a refused save changes nothing. Every function takes the invited shop's context.
 *
 * A refusal lists its issues in detail (`errors`) and says them as the editors show them: `fieldErrors` keyed by
 * the editor's fields, `formError` for what no field explains.
 */

export type SaveResult<Issue> = { ok: true } | (Refused & { errors?: Issue[] });

/** Condition issues on the editor's fields: `conditions.<rule>.<field|operator|value|section>`. */
function conditionsRefused(errors: ConditionError[]): Refused & { errors: ConditionError[] } {
  const fieldErrors: Record<string, string> = {};
  let form: string | undefined;
  for (const error of errors) {
    if (error.index === null) {
      form ??= error.message;
      continue;
    }
    const head = error.path.split(".")[0] || "field";
    const part = head === "and" ? (error.path.split(".")[2] ?? "value") : head;
    fieldErrors[`conditions.${error.index}.${part}`] ??= error.message;
  }
  return { ok: false, errors, ...(Object.keys(fieldErrors).length ? { fieldErrors } : {}), ...(form ? { formError: form } : {}) };
}

const NOT_CONNECTED = "Connect APSIS One first.";

// ---------------------------------------------------------------- sync conditions

/** Saves the ordered rules (sync/apsis/conditions.ts). Each rule's Section must exist in the account. */
export async function saveSyncConditions({ shop, conditions }: { shop: ShopContext; conditions: unknown }): Promise<SaveResult<ConditionError>> {
  const parsed = SyncConditionsSchema.safeParse(conditions);
  if (!parsed.success) return conditionsRefused(conditionErrors(parsed.error));
  const opened = await openApsisConnection({ shopId: shop.id }, INTERACTIVE);
  if (!opened) return { ok: false, formError: NOT_CONNECTED };
  let sections: ApsisSection[];
  try {
    sections = await opened.client.sections.list();
  } catch (error) {
    return { ok: false, formError: describeApsisError(error) };
  }
  const known = new Set(sections.map((s) => s.discriminator));
  const errors = parsed.data.flatMap((rule, index) =>
    known.has(rule.section) ? [] : [{ index, path: "section", message: `The APSIS One account has no Section "${rule.section}"` }],
  );
  if (errors.length) return conditionsRefused(errors);
  await replaceSyncConditions({ shopId: shop.id, rules: parsed.data.map((rule) => ({ rule: conditionRule(rule), section: rule.section })) });
  return { ok: true };
}

// ---------------------------------------------------------------- attribute mappings

const MAPPING_NEEDS_BOTH = "each mapping needs a Shopify field and an APSIS attribute";
const MappingsInputSchema = z
  .array(
    z.object({
      field: boundedText({ what: "a Shopify field name", max: BOUNDS.conditionKey, missing: MAPPING_NEEDS_BOTH }),
      attribute: boundedText({ what: "an APSIS attribute id", max: BOUNDS.discriminator, missing: MAPPING_NEEDS_BOTH }),
    }),
    { error: MAPPING_NEEDS_BOTH },
  )
  .max(BOUNDS.attributeMappings, `at most ${BOUNDS.attributeMappings} attribute mappings per Section`);
const SectionInputSchema = boundedText({ what: "a Section id", max: BOUNDS.discriminator, missing: "choose a Section" });

/** Mapping issues on the editor's fields: `mappings.<Shopify field>`. */
function mappingsRefused(errors: MappingIssue[]): Refused & { errors: MappingIssue[] } {
  const fieldErrors: Record<string, string> = {};
  for (const issue of errors) fieldErrors[`mappings.${issue.field}`] ??= issue.message;
  return { ok: false, errors, fieldErrors, formError: "The attribute mapping was not saved: fix the fields marked below." };
}

/**
 * Refused mappings input as issues on the mapping's field (`mappings.<Shopify field>` in the editor) when the
 * mapping names a field; otherwise one form message.
 */
function mappingInputRefused(error: z.ZodError, mappings: unknown): Refused & { errors?: MappingIssue[] } {
  const errors: MappingIssue[] = [];
  for (const issue of error.issues) {
    const index = issue.path[0];
    const raw = typeof index === "number" && Array.isArray(mappings) ? (mappings[index] as { field?: unknown } | null) : null;
    const field = typeof raw?.field === "string" && raw.field.length <= BOUNDS.conditionKey ? raw.field.trim() : "";
    if (typeof index !== "number" || !field) return { ok: false, formError: issue.message };
    errors.push({ index, field, attribute: "", code: "invalid", message: issue.message });
  }
  return mappingsRefused(errors);
}

/**
 * Replaces the Section's attribute mappings. Refused with `errors` (nothing saved) for an unknown Shopify field,
 * an attribute the Section does not have, one attribute fed twice, or a type mismatch (e.g. a text field into a
 * Number attribute) — see checkMappingTypes. An empty list removes the Section's mappings.
 */
export async function saveAttributeMappings({ shop, section, mappings }: { shop: ShopContext; section: unknown; mappings: unknown }): Promise<SaveResult<MappingIssue>> {
  const sectionParsed = SectionInputSchema.safeParse(section);
  if (!sectionParsed.success) return { ok: false, formError: sectionParsed.error.issues[0].message };
  const parsed = MappingsInputSchema.safeParse(mappings);
  if (!parsed.success) return mappingInputRefused(parsed.error, mappings);
  const opened = await openApsisConnection({ shopId: shop.id }, INTERACTIVE);
  if (!opened) return { ok: false, formError: NOT_CONNECTED };
  let attributes: ApsisAttribute[];
  try {
    attributes = await opened.client.attributes.list({ section: sectionParsed.data });
  } catch (error) {
    if (error instanceof ApsisNotFoundError) return { ok: false, formError: `The APSIS One account has no Section "${sectionParsed.data}".` };
    return { ok: false, formError: describeApsisError(error) };
  }
  const errors = checkMappingTypes(parsed.data, attributes);
  if (errors.length) return mappingsRefused(errors);
  const byDiscriminator = new Map(attributes.map((a) => [a.discriminator, a]));
  await replaceAttributeMappings({
    shopId: shop.id,
    section: sectionParsed.data,
    mappings: parsed.data.map((m) => ({ ...m, attributeType: normalizeAttributeType(byDiscriminator.get(m.attribute)!.type) ?? "unknown" })),
  });
  return { ok: true };
}

// ---------------------------------------------------------------- consent mappings

const TopicListSchema = z
  .array(boundedText({ what: "a topic id", max: BOUNDS.discriminator, missing: "choose topics from the list" }), { error: "choose topics from the list" })
  .max(BOUNDS.consentTopics, `at most ${BOUNDS.consentTopics} topics per channel`)
  .default([]);

export type ConsentMappingIssue = { channel: "email" | "sms"; topic: string; message: string };

/** Consent issues on the editor's channel fields: `email`, `sms`. */
function consentsRefused(errors: ConsentMappingIssue[]): Refused & { errors: ConsentMappingIssue[] } {
  const fieldErrors: Record<string, string> = {};
  for (const issue of errors) fieldErrors[issue.channel] ??= issue.message;
  return { ok: false, errors, fieldErrors };
}

/**
 * Replaces the Section's consent mapping: the topics the Email channel and the SMS channel are written to
 * (Shopify SUBSCRIBED → opt-in, UNSUBSCRIBED → opt-out, anything else → nothing; sync/apsis/consent.ts).
 * Each topic must exist in the Section. Empty lists remove the mapping (profiles are then synced without
 * consent and cannot be emailed or texted).
 */
export async function saveConsentMappings({ shop, section, email, sms }: { shop: ShopContext; section: unknown; email: unknown; sms: unknown }): Promise<SaveResult<ConsentMappingIssue>> {
  const sectionParsed = SectionInputSchema.safeParse(section);
  if (!sectionParsed.success) return { ok: false, formError: sectionParsed.error.issues[0].message };
  const emailTopics = TopicListSchema.safeParse(email ?? []);
  const smsTopics = TopicListSchema.safeParse(sms ?? []);
  if (!emailTopics.success || !smsTopics.success) {
    const errors: ConsentMappingIssue[] = [];
    if (!emailTopics.success) errors.push({ channel: "email", topic: "", message: emailTopics.error.issues[0].message });
    if (!smsTopics.success) errors.push({ channel: "sms", topic: "", message: smsTopics.error.issues[0].message });
    return consentsRefused(errors);
  }
  const opened = await openApsisConnection({ shopId: shop.id }, INTERACTIVE);
  if (!opened) return { ok: false, formError: NOT_CONNECTED };
  let topics: ApsisTopic[];
  try {
    topics = await opened.client.topics.list({ section: sectionParsed.data });
  } catch (error) {
    if (error instanceof ApsisNotFoundError) return { ok: false, formError: `The APSIS One account has no Section "${sectionParsed.data}".` };
    return { ok: false, formError: describeApsisError(error) };
  }
  const byDiscriminator = new Map(topics.map((t) => [t.discriminator, t]));
  const rows: { channel: "email" | "sms"; consentList: string; topic: string }[] = [];
  const errors: ConsentMappingIssue[] = [];
  for (const [channel, list] of [["email", emailTopics.data], ["sms", smsTopics.data]] as const) {
    for (const topic of new Set(list)) {
      const definition = byDiscriminator.get(topic);
      if (!definition) errors.push({ channel, topic, message: `The Section has no topic "${topic}" (it may have been removed in APSIS)` });
      else rows.push({ channel, topic, consentList: definition.folder_discriminator ?? definition.consent_list_discriminator ?? "" });
    }
  }
  if (errors.length) return consentsRefused(errors);
  await replaceConsentMappings({ shopId: shop.id, section: sectionParsed.data, rows });
  return { ok: true };
}

// ---------------------------------------------------------------- reading the configuration

export type ApsisMappings = {
  conditions: SyncCondition[];
  /** Section → its attribute mappings, in the merchant's order. */
  attributes: Record<string, { field: ShopifyFieldKey; attribute: string; attributeType: AttributeValueType | null }[]>;
  /** Section → the topics each channel is mapped to. */
  consents: Record<string, { email: string[]; sms: string[] }>;
  /** Section → the mapped topics whose last consent write APSIS One refused, and why. */
  refusals: Record<string, ConsentRefusal[]>;
};

/** The shop's saved configuration (stored rules that no longer parse are left out). */
export async function loadApsisMappings({ shopId }: { shopId: string }): Promise<ApsisMappings> {
  const [conditionRows, attributeRows, consentRows] = await Promise.all([
    listSyncConditionRows({ shopId }),
    listAttributeMappingRows({ shopId }),
    listConsentMappingRows({ shopId }),
  ]);
  const conditions: SyncCondition[] = [];
  for (const row of conditionRows) {
    let rule: unknown;
    try {
      rule = JSON.parse(row.rule);
    } catch {
      continue;
    }
    const parsed = SyncConditionSchema.safeParse({ ...(rule as object), section: row.sectionDiscriminator });
    if (parsed.success) conditions.push(parsed.data);
  }
  const attributes: ApsisMappings["attributes"] = {};
  for (const row of attributeRows) {
    if (!isShopifyFieldKey(row.shopifyField)) continue;
    (attributes[row.sectionDiscriminator] ??= []).push({
      field: row.shopifyField,
      attribute: row.attributeDiscriminator,
      attributeType: normalizeAttributeType(row.attributeType),
    });
  }
  const consents: ApsisMappings["consents"] = {};
  const refusals: ApsisMappings["refusals"] = {};
  for (const row of consentRows) {
    const entry = (consents[row.sectionDiscriminator] ??= { email: [], sms: [] });
    if (row.channel !== "email" && row.channel !== "sms") continue;
    entry[row.channel].push(row.topicDiscriminator);
    if (row.refusedAt) {
      (refusals[row.sectionDiscriminator] ??= []).push({ channel: row.channel, topic: row.topicDiscriminator, at: row.refusedAt.toISOString(), message: row.refusal ?? "" });
    }
  }
  return { conditions, attributes, consents, refusals };
}

export async function getApsisMappings({ shop }: { shop: ShopContext }): Promise<ApsisMappings> {
  return loadApsisMappings({ shopId: shop.id });
}

// ---------------------------------------------------------------- counting

export type ConditionCounts =
  | {
      ok: true;
      /** Customers in the store. */
      total: number;
      /** Per rule: `matches` = customers the rule matches on its own; `picked` = customers it picks (first match wins). */
      conditions: { section: string; matches: number; picked: number }[];
      /** Customers no rule picks: not synced. */
      notSynced: number;
      /** How the store was read: page by page, or a bulk export (stores over APSIS_BULK_EXPORT_THRESHOLD). */
      method: "read" | "bulk";
    }
  | (Refused & { errors: ConditionError[] });

/**
 * How many customers each rule matches, for the conditions editor, from the live store (the Shopify sandbox in
 * development): every customer is read once — page by page for small stores, through a bulk export above
 * APSIS_BULK_EXPORT_THRESHOLD (slower to start, and one at a time per store, but it reads any size) — and
 * evaluated with the same code the sync uses. `conditions` are the rules as edited (not necessarily saved).
 */
export async function countConditionMatches({ shop, conditions, signal }: { shop: ShopContext; conditions: unknown; signal?: AbortSignal }): Promise<ConditionCounts> {
  const parsed = SyncConditionsSchema.safeParse(conditions);
  if (!parsed.success) return conditionsRefused(conditionErrors(parsed.error));
  const rules = parsed.data;
  const { graphql } = await getShopifyAdmin({ shop: shop.domain, signal });
  const { total, method, customers } = await readStoreCustomers({ graphql, threshold: parseEnv().APSIS_BULK_EXPORT_THRESHOLD });
  const counts = rules.map((rule) => ({ section: rule.section, matches: 0, picked: 0 }));
  let notSynced = 0;
  for await (const customer of customers as AsyncIterable<ShopifyCustomer>) {
    signal?.throwIfAborted();
    rules.forEach((rule, i) => {
      if (conditionMatches(customer, rule)) counts[i].matches += 1;
    });
    const picked = pickConditionIndex(customer, rules);
    if (picked < 0) notSynced += 1;
    else counts[picked].picked += 1;
  }
  return { ok: true, total, conditions: counts, notSynced, method };
}
