import type { ShopContext } from "../../../models/shop.server";
import { formatDateTime } from "../../../utils/format-date";
import { describeApsisError } from "../account.server";
import { getApsisAccountDefinitions, getApsisConnection } from "../connection.server";
import { getFullSyncStatus } from "../full-sync.server";
import { getApsisMappings } from "../mapping.server";
import { getRealtimeSettings, proposePurchaseEvent, sectionsOfConditions } from "../realtime-settings.server";
import { listConditionFields, type SyncCondition } from "../rules/conditions";
import { COMPATIBLE_TYPES } from "../rules/attribute-values";
import { guessMappings } from "../rules/guess-mappings";
import { listShopifyFields } from "../rules/shopify-fields";
import type { AttributeMappingState } from "./attribute-mapping-card";
import type { RealtimeSettingsView } from "./realtime-card";
import { toFullSyncStatusView } from "./status.server";
import type { ConditionRow, SectionView } from "./types";

/**
 * What the APSIS One page shows, built from the use-cases for the shop: the connection, the account's
 * definitions (read live from APSIS), the saved conditions and mappings as the editors hold them, the Full Sync
 * status and the Real-time sync card's state. Dates are formatted in the store's timezone.
 */
export async function getApsisPageView({ shop }: { shop: ShopContext }) {
  const timeZone = shop.ianaTimezone;
  const connection = await getApsisConnection({ shop });
  if (!connection.connected) return { connected: false as const };

  // The definitions come from APSIS itself: when it cannot be reached the page still opens and says so.
  const [definitions, mappings, status, realtime] = await Promise.all([
    getApsisAccountDefinitions({ shop }).then(
      (found) => ({ found, error: null }),
      (error: unknown) => ({ found: null, error: describeApsisError(error) }),
    ),
    getApsisMappings({ shop }),
    getFullSyncStatus({ shop }),
    getRealtimeSettings({ shop }),
  ]);
  // Event definitions are only for the Real-time sync card (realtime below), not sent twice.
  const sections: SectionView[] = (definitions.found?.sections ?? []).map(({ events: _events, ...section }) => ({
    ...section,
    guesses: guessMappings(section.attributes),
  }));
  const rules = mappings.conditions;
  const last = rules[rules.length - 1];
  const otherwise = last && "always" in last ? last.section : "";
  const rows = rules.filter((rule): rule is Exclude<SyncCondition, { always: true }> => !("always" in rule)).map(toRow);
  const attributes: AttributeMappingState = Object.fromEntries(
    Object.entries(mappings.attributes).map(([section, list]) => [section, Object.fromEntries(list.map((m) => [m.field, m.attribute]))]),
  );
  return {
    connected: true as const,
    connection: {
      connected: true as const,
      region: connection.region,
      clientId: connection.clientId,
      keyspace: connection.keyspace,
      verifiedAt: formatDateTime(connection.verifiedAt, timeZone),
    },
    definitionsError: definitions.error,
    keyspaces: definitions.found?.keyspaces ?? [],
    sections,
    conditionFields: listConditionFields(),
    shopifyFields: listShopifyFields(),
    compatible: COMPATIBLE_TYPES,
    rows,
    otherwise,
    attributes,
    consents: mappings.consents,
    refusals: Object.fromEntries(
      Object.entries(mappings.refusals).map(([section, list]) => [section, list.map((r) => ({ ...r, at: formatDateTime(new Date(r.at), timeZone) ?? r.at }))]),
    ),
    status: toFullSyncStatusView(status),
    realtime: realtime && definitions.found ? toRealtimeView(realtime, sectionsOfConditions(rules), definitions.found.sections, connection.lastFullSyncAt !== null) : null,
  };
}

/** A saved rule as the editor holds it (values as text; "otherwise" is held apart). */
function toRow(rule: Exclude<SyncCondition, { always: true }>): ConditionRow {
  const value = Array.isArray(rule.value) ? rule.value.join(", ") : String(rule.value);
  return { field: rule.field, operator: rule.operator, value, section: rule.section, ...(rule.and?.length ? { and: rule.and } : {}) };
}

/**
 * The Real-time sync card's state: the saved settings, and each Section the conditions use with its events from
 * APSIS, the saved event or else the proposed one preselected.
 */
function toRealtimeView(
  settings: NonNullable<Awaited<ReturnType<typeof getRealtimeSettings>>>,
  used: string[],
  definitions: { discriminator: string; name: string; events: { discriminator: string; name: string }[] }[],
  fullSyncDone: boolean,
): RealtimeSettingsView {
  const sections = used.map((discriminator) => {
    const found = definitions.find((s) => s.discriminator === discriminator);
    return { discriminator, name: found?.name ?? discriminator, events: found?.events ?? [] };
  });
  const purchaseEvents: Record<string, string> = {};
  for (const section of sections) {
    const event = settings.purchaseEvents[section.discriminator] ?? proposePurchaseEvent(section.events);
    if (event) purchaseEvents[section.discriminator] = event;
  }
  return {
    realtimeEnabled: settings.realtimeEnabled,
    purchaseEventsEnabled: settings.purchaseEventsEnabled,
    onCustomerDelete: settings.onCustomerDelete,
    writebackEnabled: settings.writebackEnabled,
    purchaseEvents,
    sections,
    fullSyncDone,
  };
}
