import type { FullSyncRunSettings } from "./run-settings";

/**
 * Whether the saved set-up (keyspace, conditions, attribute and consent mappings) differs from what a Full Sync
 * ran with, so the page can ask for another Full Sync: real-time sync applies a new set-up only to customers
 * who change in Shopify afterwards. Conditions are ordered (the first match wins); mappings are sets, so rows
 * saved again in another order are the same set-up, and a Section with nothing mapped equals no entry.
 */
export function setupChanged(ranWith: FullSyncRunSettings, saved: FullSyncRunSettings): boolean {
  return canonical(ranWith) !== canonical(saved);
}

function canonical(settings: FullSyncRunSettings): string {
  const sections = (record: Record<string, unknown>) => Object.keys(record).sort();
  const attributes = sections(settings.attributes)
    .map((section) => [section, settings.attributes[section].map((a) => `${a.attribute}=${a.field}:${a.attributeType ?? ""}`).sort()] as const)
    .filter(([, rows]) => rows.length > 0);
  const consents = sections(settings.consents)
    .map((section) => [section, [...settings.consents[section].email].sort(), [...settings.consents[section].sms].sort()] as const)
    .filter(([, email, sms]) => email.length + sms.length > 0);
  return JSON.stringify([settings.keyspace, settings.conditions, attributes, consents]);
}
