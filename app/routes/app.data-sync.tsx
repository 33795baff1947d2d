import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Layout, Page, Tabs } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useState } from "react";
import { AutoSendTab } from "../destinations/adestra/ui/auto-send-tab";
import { OnDemandTab } from "../destinations/adestra/ui/on-demand-tab";
import { useRunStatus } from "../runs/ui/use-run-status";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { createAdestraList } from "../destinations/adestra/lists.server";
import { getDataSyncPageView } from "../destinations/adestra/ui/page-view.server";
import { saveAutoSendSettings } from "../destinations/adestra/send-settings.server";
import { sendNow, startSend } from "../destinations/adestra/send.server";
import { requireShopContext } from "../services/invitation.server";
import { pageAction } from "../services/page-action.server";
import { refusalResponse } from "../utils/refusal-response.server";

export const loader = async ({ request }: LoaderFunctionArgs) => json(await getDataSyncPageView({ shop: await requireShopContext(request) }));

const INTENTS = ["create-list", "start-send", "save-auto", "send-now"] as const;

/** The send choices as the form posts them; the send service validates them (SendChoicesSchema). */
const choicesFrom = ({ profileGroup, listId, activityFrom, activityTo, activityRelative }: Record<string, string>) => ({
  profileGroup,
  listId,
  activityFrom,
  activityTo,
  activityRelative,
});

const startedToast = ({ alreadyRunning }: { alreadyRunning: boolean }) =>
  alreadyRunning ? "A send is already running: showing its progress" : "Sending profiles to Adestra";

export const action = ({ request }: ActionFunctionArgs) =>
  // The send service throws its refusals (bad choices, a list on another core table): nothing was started.
  pageAction(request, INTENTS, async ({ shop, intent, values }) => {
    switch (intent) {
      case "create-list": {
        const result = await createAdestraList({ shop, name: values.name ?? "" });
        if (!result.ok) return refusalResponse(result);
        return json({ ok: true as const, list: result.list, toast: `List "${result.list.name}" created` });
      }
      case "start-send": {
        const result = await startSend({ shop, trigger: "on_demand", choices: choicesFrom(values) });
        return json({ ok: true as const, runId: result.runId, toast: startedToast(result) });
      }
      case "save-auto": {
        const enabled = values.enabled === "true";
        const result = await saveAutoSendSettings({ shop, choices: choicesFrom(values), enabled });
        if (!result.ok) return refusalResponse(result);
        return json({ ok: true as const, toast: enabled ? "Auto send is on" : "Settings saved: auto send is off" });
      }
      case "send-now": {
        const result = await sendNow({ shop });
        return json({ ok: true as const, runId: result.runId, toast: startedToast(result) });
      }
    }
  });

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type Connected = Extract<LoaderData, { connected: true }>;

function NotConnected() {
  return (
    <Page title="Data Sync" subtitle="Send your customer profiles to Adestra lists">
      <Layout>
        <Layout.Section>
          <Banner tone="warning" title="Connect your Adestra account first" action={{ content: "Go to Settings", url: "/app/settings" }}>
            <p>
              Data Sync sends your Shopify customer profiles to a list in Adestra. Enter your Adestra account name,
              username and password in Settings, and choose the core table this store is connected to.
            </p>
          </Banner>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

const TABS = [
  { id: "on-demand", content: "On Demand", panelID: "on-demand-panel" },
  { id: "auto-send", content: "Auto Send", panelID: "auto-send-panel" },
];

function ConnectedDataSync({ data }: { data: Connected }) {
  const [tab, setTab] = useState(0);
  const status = useRunStatus({ initial: data.status, url: "/app/data-sync/status", key: "send-status" });
  return (
    <Page
      title="Data Sync"
      subtitle="Send your customer profiles to Adestra lists"
      titleMetadata={<Badge tone="success">{`Adestra: ${data.accountName}`}</Badge>}
    >
      <BlockStack gap="400">
        {!data.coreTable ? (
          <Banner tone="warning" title="Choose the core table first" action={{ content: "Go to Settings", url: "/app/settings" }}>
            <p>Pick the Adestra core table this store&apos;s profiles are written to. Lists are shown once it is chosen.</p>
          </Banner>
        ) : null}
        {data.listsError ? (
          <Banner tone="critical" title="Adestra could not be reached">
            <p>
              The lists could not be loaded. {data.listsError} If this persists, check the connection in Settings.
            </p>
          </Banner>
        ) : null}
        <Tabs tabs={TABS} selected={tab} onSelect={setTab}>
          <Box paddingBlockStart="400">
            {tab === 0 ? <OnDemandTab data={data} status={status} /> : <AutoSendTab data={data} status={status} />}
          </Box>
        </Tabs>
      </BlockStack>
    </Page>
  );
}

export default function DataSync() {
  const data = useLoaderData<typeof loader>();
  return data.connected ? <ConnectedDataSync data={data} /> : <NotConnected />;
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
