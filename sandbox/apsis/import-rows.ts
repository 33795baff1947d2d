/**
 * What an import does with its file, per the v2 mapping (docs/apis/apsis-one-api.md §8.2): each row's key
 * column finds or creates the profile in the mapped keyspace, mapped columns set attribute versions in the
 * import's section, and consent columns holding 1/true/yes give the mapped consent (INFERRED, from Magento's
 * 1/0 topic columns). A row with a value APSIS would refuse is failed whole and reported with its reason.
 */
import { parseCsv } from "../adestra/csv";
import type { SectionDefinitions } from "./account";
import { type AttributeValue, coerceAttributeValue } from "./attribute-values";
import type { AttributeConfig } from "./config";
import { settableType } from "./consents";
import type { SandboxImport } from "./import-model";
import type { ProfileStore } from "./profiles";

const CONSENT_GIVEN = new Set(["1", "true", "yes"]);

/** Reads the file into the store, counting rows on the record; throws when the file as a whole cannot be used. */
export function importRows(store: ProfileStore, section: SectionDefinitions, record: SandboxImport, csv: string): void {
  const [header = [], ...rows] = parseCsv(csv);
  const column = (selector: string) => {
    const index = header.indexOf(selector);
    if (index < 0) throw new Error(`The file has no column '${selector}'`);
    return index;
  };
  const { keyspace_mapping, options = {}, attribute_mappings, consent_mappings = [] } = record.body;
  const plan: RowPlan = {
    keyspace: keyspace_mapping.keyspace_discriminator,
    keyColumn: column(keyspace_mapping.field_selector),
    attributes: attribute_mappings.map((mapping) => ({ index: column(mapping.field_selector), attribute: section.attributesByVersionId.get(mapping.attribute_version_id)! })),
    consents: consent_mappings.map((mapping) => ({
      addressColumn: column(mapping.address_field_selector),
      consents: mapping.consents.map((consent) => ({ ...consent, type: settableType(consent.type), index: column(consent.field_selector) })),
    })),
    updateExisting: options.update_existing_profiles ?? true,
    clearEmpty: options.clear_existing_attributes ?? false,
    section: section.config.discriminator,
  };
  rows.forEach((cells, index) => {
    record.rows++;
    const outcome = cells.length === header.length ? importRow(store, plan, cells) : { error: `${cells.length} cells, the header has ${header.length}` };
    if (outcome === "imported") record.imported++;
    else if (outcome === "skipped") record.skipped++;
    else {
      record.failed++;
      record.errors.push({ row: index + 2, reason: outcome.error });
    }
  });
}

interface RowPlan {
  keyspace: string;
  keyColumn: number;
  attributes: { index: number; attribute: AttributeConfig }[];
  consents: {
    addressColumn: number;
    consents: { index: number; channel_discriminator: string; topic_discriminator: string; type: "opt-in" | "opt-out"; resubscribe_if_opted_out?: boolean }[];
  }[];
  updateExisting: boolean;
  /** clear_existing_attributes (INFERRED meaning): an empty cell clears the attribute instead of leaving it. */
  clearEmpty: boolean;
  section: string;
}

function importRow(store: ProfileStore, plan: RowPlan, cells: string[]): "imported" | "skipped" | { error: string } {
  const key = cells[plan.keyColumn].trim();
  if (!key) return { error: "The profile key is empty" };
  const existing = store.find(plan.keyspace, key);
  if (existing && !plan.updateExisting) return "skipped";
  const writes: [string, AttributeValue | null][] = [];
  for (const { index, attribute } of plan.attributes) {
    if (cells[index] === "") {
      if (plan.clearEmpty) writes.push([attribute.discriminator, null]);
      continue;
    }
    const coerced = coerceAttributeValue(attribute.type, cells[index]);
    if ("error" in coerced) return { error: `${attribute.discriminator} (${attribute.type}): ${coerced.error}` };
    writes.push([attribute.discriminator, coerced.value]);
  }

  const profile = existing ?? store.create(plan.keyspace, key);
  const data = profile.section(plan.section);
  for (const [discriminator, value] of writes) {
    if (value === null) data.attributes.delete(discriminator);
    else data.attributes.set(discriminator, value);
  }
  const modifiedAt = new Date().toISOString();
  for (const mapping of plan.consents) {
    const address = cells[mapping.addressColumn].trim();
    if (!address) continue; // no address on the row: nothing to consent with
    for (const consent of mapping.consents) {
      if (!CONSENT_GIVEN.has(cells[consent.index].trim().toLowerCase())) continue;
      const current = store.consents.of(profile, plan.section).get(`${consent.channel_discriminator} ${consent.topic_discriminator}`);
      if (current?.type === "opt-out" && consent.type === "opt-in" && consent.resubscribe_if_opted_out === false) continue;
      const given = { channel: consent.channel_discriminator, topic: consent.topic_discriminator, type: consent.type, reason: "Profile import", source: "Profile import", modifiedAt };
      store.consents.set(profile, plan.section, given, address);
    }
  }
  return "imported";
}
