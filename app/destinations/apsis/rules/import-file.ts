import type { ApsisImportBody } from "../client/schemas";
import { csvLine } from "../../../utils/csv";
import { APSIS_CHANNELS, type ConsentChannel, type ConsentType } from "./consent";
import type { SectionPlan, StagedWork } from "./profile-engine";

/**
 * An APSIS One import file for one Section (docs/apis/apsis-one-api.md §8): its v2 mapping and its rows,
 * written from the staged works exactly as the per-record path would write them. Pure.
 *
 * - `profile_key` is the keyspace key (the Shopify customer id); `email` and `phone` are the addresses the
 *   consents are about; one column per mapped attribute, by version id; an empty cell clears the attribute
 *   (clear_existing_attributes), as the per-record path's null does.
 * - Consents: two columns per mapped topic, holding 1 where that write is wanted: `opt-out` and `opt-in`
 *   (resubscribe_if_opted_out false: an opt-out held in APSIS, which may be newer than Shopify's consent, is
 *   never overridden). An opt-in over an opt-out the app wrote itself is not imported: the profile engine
 *   writes it one by one, through the consent guard (app/runs/consent-guard.ts), which reads the opt-out's time.
 * - Only the consents that changed since the last write are marked, as the per-record path writes them.
 */

type ConsentColumn = { channel: ConsentChannel; topic: string; write: ConsentType };

const columnName = ({ channel, topic, write }: ConsentColumn) => `${write} ${channel} ${topic}`;
const attributeColumn = (versionId: string) => `attribute ${versionId}`;

function consentColumns(plan: SectionPlan): ConsentColumn[] {
  return (["email", "sms"] as const).flatMap((channel) =>
    plan.topics[channel].flatMap((topic) => (["opt-out", "opt-in"] as const).map((write) => ({ channel, topic, write }))),
  );
}

export function importBody({ keyspace, plan }: { keyspace: string; plan: SectionPlan }): ApsisImportBody {
  const consents = consentColumns(plan);
  const mappingOf = (channel: ConsentChannel, address: string) => ({
    address_field_selector: address,
    consents: consents
      .filter((c) => c.channel === channel)
      .map((c) => ({
        field_selector: columnName(c),
        channel_discriminator: APSIS_CHANNELS[channel],
        topic_discriminator: c.topic,
        type: c.write,
        resubscribe_if_opted_out: false,
      })),
  });
  return {
    keyspace_mapping: { keyspace_discriminator: keyspace, field_selector: "profile_key" },
    options: { update_existing_profiles: true, clear_existing_attributes: true },
    attribute_mappings: plan.attributes.map((m) => ({ field_selector: attributeColumn(m.versionId!), attribute_version_id: m.versionId! })),
    consent_mappings: [mappingOf("email", "email"), mappingOf("sms", "phone")].filter((m) => m.consents.length),
  };
}

export function importHeader(plan: SectionPlan): string {
  return csvLine(["profile_key", "email", "phone", ...plan.attributes.map((m) => attributeColumn(m.versionId!)), ...consentColumns(plan).map(columnName)]);
}

const cellOf = (value: string | number | boolean | null | undefined) => (value === null || value === undefined ? "" : String(value));

export function importRow(work: StagedWork, plan: SectionPlan): string {
  const wanted = new Set(work.toWrite.map((w) => columnName({ channel: w.channel, topic: w.topic, write: w.type })));
  return csvLine([
    work.profileKey,
    work.customer.email ?? "",
    work.customer.phone ?? "",
    ...plan.attributes.map((m) => cellOf(work.attributes[m.attribute])),
    ...consentColumns(plan).map((c) => (wanted.has(columnName(c)) ? "1" : "")),
  ]);
}
