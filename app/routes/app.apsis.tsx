import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Layout, Page } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useState } from "react";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { AttributeMappingCard } from "../destinations/apsis/ui/attribute-mapping-card";
import { ConditionsCard } from "../destinations/apsis/ui/conditions-card";
import { ApsisConnectCard } from "../destinations/apsis/ui/connect-card";
import { ConsentMappingCard } from "../destinations/apsis/ui/consent-mapping-card";
import { FullSyncCard } from "../destinations/apsis/ui/full-sync-card";
import { RealtimeCard } from "../destinations/apsis/ui/realtime-card";
import { getApsisPageView } from "../destinations/apsis/ui/page-view.server";
import { chooseApsisKeyspace, connectApsis, disconnectApsis } from "../destinations/apsis/connection.server";
import { startFullSync } from "../destinations/apsis/full-sync.server";
import { countConditionMatches, saveAttributeMappings, saveConsentMappings, saveSyncConditions } from "../destinations/apsis/mapping.server";
import { saveRealtimeSettings } from "../destinations/apsis/realtime-settings.server";
import { requireShopContext } from "../services/invitation.server";
import { pageAction } from "../services/page-action.server";
import { refusalResponse } from "../utils/refusal-response.server";
import type { Refused } from "../utils/user-facing-error";

export const loader = async ({ request }: LoaderFunctionArgs) => json(await getApsisPageView({ shop: await requireShopContext(request) }));

const INTENTS = [
  "connect",
  "disconnect",
  "choose-keyspace",
  "save-conditions",
  "count-matches",
  "save-attributes",
  "save-consents",
  "start-full-sync",
  "save-realtime",
] as const;

/** A JSON-encoded form value; what does not parse goes to the service as undefined, which refuses it. */
function parseJson(text: string | undefined): unknown {
  if (text === undefined) return [];
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A save's answer: its toast, or its refusal (422, shown on the fields). */
const saved = (result: { ok: true } | Refused, toast: string) =>
  result.ok ? json({ ok: true as const, toast }) : refusalResponse(result);

export const action = ({ request }: ActionFunctionArgs) =>
  // The Full Sync's start throws its refusal (not connected, no keyspace, no conditions): nothing was started.
  pageAction(request, INTENTS, async ({ shop, intent, values }) => {
    switch (intent) {
      case "connect":
        return saved(await connectApsis({ shop, region: values.region, clientId: values.clientId, clientSecret: values.clientSecret }), "APSIS One connected");
      case "disconnect":
        return saved(await disconnectApsis({ shop }), "APSIS One disconnected");
      case "choose-keyspace":
        return saved(await chooseApsisKeyspace({ shop, keyspace: values.keyspace }), "Keyspace saved");
      case "save-conditions":
        return saved(await saveSyncConditions({ shop, conditions: parseJson(values.conditions) }), "Sync conditions saved");
      case "count-matches": {
        const result = await countConditionMatches({ shop, conditions: parseJson(values.conditions), signal: request.signal });
        if (!result.ok) return refusalResponse(result);
        const { total, conditions, notSynced } = result;
        return json({ ok: true as const, counts: { total, conditions, notSynced } });
      }
      case "save-attributes":
        return saved(await saveAttributeMappings({ shop, section: values.section, mappings: parseJson(values.mappings) }), "Attribute mapping saved");
      case "save-consents":
        return saved(await saveConsentMappings({ shop, section: values.section, email: parseJson(values.email), sms: parseJson(values.sms) }), "Consent mapping saved");
      case "save-realtime": {
        const result = await saveRealtimeSettings({
          shop,
          realtimeEnabled: values.realtimeEnabled,
          purchaseEventsEnabled: values.purchaseEventsEnabled,
          writebackEnabled: values.writebackEnabled,
          onCustomerDelete: values.onCustomerDelete,
          purchaseEvents: parseJson(values.purchaseEvents ?? "{}"),
        });
        return saved(result, "Real-time settings saved");
      }
      case "start-full-sync": {
        const result = await startFullSync({ shop, trigger: "on_demand" });
        return json({ ok: true as const, runId: result.runId, toast: result.alreadyRunning ? "A Full Sync is already running: showing its progress" : "Full Sync started" });
      }
    }
  });

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
                <ConsentMappingCard sections={data.sections} section={section} onSectionChange={setSection} saved={data.consents} refusals={data.refusals} />
              </>
            )}
            {Object.values(data.refusals).some((list) => list.length) ? (
              <Banner tone="critical" title="Some customers cannot be synced until the consent mapping is fixed">
                <p>APSIS One refuses consent for a mapped topic (see 4. Consent mapping). A Full Sync or real-time sync fails those customers without writing any of their consent.</p>
              </Banner>
            ) : null}
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
