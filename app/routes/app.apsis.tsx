import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Layout, Page } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useState } from "react";
import { z } from "zod";
import { sentenceCase } from "../utils/form-values";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { AttributeMappingCard, type AttributeMappingState } from "../destinations/apsis/ui/attribute-mapping-card";
import { ConditionsCard } from "../destinations/apsis/ui/conditions-card";
import { ApsisConnectCard } from "../destinations/apsis/ui/connect-card";
import { ConsentMappingCard } from "../destinations/apsis/ui/consent-mapping-card";
import { FullSyncCard } from "../destinations/apsis/ui/full-sync-card";
import { RealtimeCard, type RealtimeSettingsView } from "../destinations/apsis/ui/realtime-card";
import { toFullSyncStatusView } from "../destinations/apsis/ui/status.server";
import type { ConditionRow, SectionView } from "../destinations/apsis/ui/types";
import { describeApsisError } from "../destinations/apsis/account.server";
import { chooseApsisKeyspace, connectApsis, disconnectApsis, getApsisAccountDefinitions, getApsisConnection } from "../destinations/apsis/connection.server";
import { ApsisFullSyncRejectedError, getFullSyncStatus, startFullSync } from "../destinations/apsis/full-sync.server";
import { countConditionMatches, getApsisMappings, saveAttributeMappings, saveConsentMappings, saveSyncConditions } from "../destinations/apsis/mapping.server";
import { getRealtimeSettings, proposePurchaseEvent, saveRealtimeSettings, sectionsOfConditions } from "../destinations/apsis/realtime-settings.server";
import { requireInvitedShop } from "../services/invitation.server";
import { listConditionFields, type SyncCondition } from "../destinations/apsis/rules/conditions";
import { COMPATIBLE_TYPES, guessMappings, listShopifyFields } from "../destinations/apsis/rules/fields";
import { formatDateTime } from "../utils/format-date";
import { readFormValues } from "../utils/read-form.server";

/** A saved rule as the editor holds it (values as text; "otherwise" is held apart). */
function toRow(rule: Exclude<SyncCondition, { always: true }>): ConditionRow {
  const value = Array.isArray(rule.value) ? rule.value.join(", ") : String(rule.value);
  return { field: rule.field, operator: rule.operator, value, section: rule.section, ...(rule.and?.length ? { and: rule.and } : {}) };
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, shopRecord } = await requireInvitedShop(request);
  const timeZone = shopRecord.ianaTimezone;
  const connection = await getApsisConnection({ shop });
  if (!connection.connected) return json({ connected: false as const });

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
  return json({
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
    status: toFullSyncStatusView(status),
    realtime: realtime && definitions.found ? toRealtimeView(realtime, sectionsOfConditions(rules), definitions.found.sections, connection.lastFullSyncAt !== null) : null,
  });
};

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
    purchaseEvents,
    sections,
    fullSyncDone,
  };
}

const IntentSchema = z.object({
  intent: z.enum([
    "connect",
    "disconnect",
    "choose-keyspace",
    "save-conditions",
    "count-matches",
    "save-attributes",
    "save-consents",
    "start-full-sync",
    "save-realtime",
  ]),
});

/** 422 with errors to show on the fields (house style); a form-level message only when no field explains it. */
function invalid(fieldErrors: Record<string, string | undefined>, formError?: string) {
  const fields = sentenceCase(fieldErrors);
  const errors = Object.keys(fields).length ? { ...fields, ...(formError ? sentenceCase({ form: formError }) : {}) } : sentenceCase({ form: formError ?? "The changes were refused" });
  return json({ ok: false as const, errors }, { status: 422 });
}

/** A JSON-encoded form value; what does not parse goes to the service as undefined, which refuses it. */
function parseJson(text: string | undefined): unknown {
  if (text === undefined) return [];
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Condition errors on the editor's fields: `conditions.<rule>.<field|operator|value|section>`. */
function conditionFieldErrors(errors: { index: number | null; path: string; message: string }[]) {
  const out: Record<string, string> = {};
  let form: string | undefined;
  for (const error of errors) {
    if (error.index === null) {
      form ??= error.message;
      continue;
    }
    const head = error.path.split(".")[0] || "field";
    const part = head === "and" ? (error.path.split(".")[2] ?? "value") : head;
    out[`conditions.${error.index}.${part}`] ??= error.message;
  }
  return { out, form };
}

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireInvitedShop(request);
  // Bounded: an oversized post is answered 413 before it is parsed (utils/read-form.server.ts).
  const form = await readFormValues(request);
  if (!form.ok) return form.response;
  const { values } = form;
  const intent = IntentSchema.safeParse(values);
  if (!intent.success) return invalid({}, "Unknown action");

  switch (intent.data.intent) {
    case "connect": {
      const result = await connectApsis({ shop, region: values.region, clientId: values.clientId, clientSecret: values.clientSecret });
      if (!result.ok) return invalid(result.fieldErrors ?? {}, result.formError);
      return json({ ok: true as const, toast: "APSIS One connected" });
    }
    case "disconnect": {
      await disconnectApsis({ shop });
      return json({ ok: true as const, toast: "APSIS One disconnected" });
    }
    case "choose-keyspace": {
      const result = await chooseApsisKeyspace({ shop, keyspace: values.keyspace });
      if (!result.ok) return invalid(result.fieldErrors ?? {}, result.formError);
      return json({ ok: true as const, toast: "Keyspace saved" });
    }
    case "save-conditions": {
      const result = await saveSyncConditions({ shop, conditions: parseJson(values.conditions) });
      if (!result.ok) {
        const { out, form } = conditionFieldErrors(result.errors ?? []);
        return invalid(out, result.formError ?? form);
      }
      return json({ ok: true as const, toast: "Sync conditions saved" });
    }
    case "count-matches": {
      const result = await countConditionMatches({ shop, conditions: parseJson(values.conditions), signal: request.signal });
      if (!result.ok) {
        const { out, form } = conditionFieldErrors(result.errors);
        return invalid(out, form);
      }
      const { total, conditions, notSynced } = result;
      return json({ ok: true as const, counts: { total, conditions, notSynced } });
    }
    case "save-attributes": {
      const result = await saveAttributeMappings({ shop, section: values.section, mappings: parseJson(values.mappings) });
      if (!result.ok) {
        const out: Record<string, string> = {};
        for (const issue of result.errors ?? []) out[`mappings.${issue.field}`] ??= issue.message;
        return invalid(out, result.formError ?? (result.errors?.length ? "The attribute mapping was not saved: fix the fields marked below." : undefined));
      }
      return json({ ok: true as const, toast: "Attribute mapping saved" });
    }
    case "save-consents": {
      const result = await saveConsentMappings({ shop, section: values.section, email: parseJson(values.email), sms: parseJson(values.sms) });
      if (!result.ok) {
        const out: Record<string, string> = {};
        for (const issue of result.errors ?? []) out[issue.channel] ??= issue.message;
        return invalid(out, result.formError);
      }
      return json({ ok: true as const, toast: "Consent mapping saved" });
    }
    case "save-realtime": {
      const result = await saveRealtimeSettings({
        shop,
        realtimeEnabled: values.realtimeEnabled,
        purchaseEventsEnabled: values.purchaseEventsEnabled,
        onCustomerDelete: values.onCustomerDelete,
        purchaseEvents: parseJson(values.purchaseEvents ?? "{}"),
      });
      if (!result.ok) return invalid(result.fieldErrors, result.formError);
      return json({ ok: true as const, toast: "Real-time settings saved" });
    }
    case "start-full-sync": {
      try {
        const result = await startFullSync({ shop, trigger: "on_demand" });
        return json({ ok: true as const, runId: result.runId, toast: result.alreadyRunning ? "A Full Sync is already running: showing its progress" : "Full Sync started" });
      } catch (error) {
        if (error instanceof ApsisFullSyncRejectedError) return invalid({}, error.message);
        throw error;
      }
    }
  }
};

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type Connected = Extract<LoaderData, { connected: true }>;

const TITLE = "APSIS One";
const SUBTITLE = "Sync your Shopify customers to APSIS One profiles";

function ConnectedApsis({ data }: { data: Connected }) {
  const [section, setSection] = useState(data.sections[0]?.discriminator ?? "");
  return (
    <Page title={TITLE} subtitle={SUBTITLE} titleMetadata={<Badge tone="success">{`Connected (${data.connection.region.toUpperCase()})`}</Badge>}>
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <ApsisConnectCard connection={data.connection} keyspaces={data.keyspaces} />
            {data.definitionsError ? (
              <Banner tone="critical" title="APSIS One could not be reached">
                <p>The Sections, attributes and topics could not be loaded: {data.definitionsError}. Try again in a moment, or reconnect.</p>
              </Banner>
            ) : (
              <>
                <ConditionsCard initialRows={data.rows} initialOtherwise={data.otherwise} fields={data.conditionFields} sections={data.sections} />
                <AttributeMappingCard
                  sections={data.sections}
                  section={section}
                  onSectionChange={setSection}
                  fields={data.shopifyFields}
                  compatible={data.compatible}
                  saved={data.attributes}
                />
                <ConsentMappingCard sections={data.sections} section={section} onSectionChange={setSection} saved={data.consents} />
              </>
            )}
            <FullSyncCard initialStatus={data.status} />
            {data.realtime && data.connection.keyspace ? <RealtimeCard initial={data.realtime} /> : null}
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export default function Apsis() {
  const data = useLoaderData<typeof loader>();
  if (data.connected) return <ConnectedApsis data={data} />;
  return (
    <Page title={TITLE} subtitle={SUBTITLE}>
      <Layout>
        <Layout.Section>
          <ApsisConnectCard connection={{ connected: false }} keyspaces={[]} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
