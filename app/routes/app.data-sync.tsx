import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Layout, Page, Tabs } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { AutoSendTab } from "../destinations/adestra/ui/auto-send-tab";
import { OnDemandTab } from "../destinations/adestra/ui/on-demand-tab";
import { todayIn, toSendStatusView } from "../destinations/adestra/ui/send-status-view";
import { emptyChoices, type SendChoicesValue, type SendStatusView } from "../destinations/adestra/ui/types";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { getAdestraConnection } from "../destinations/adestra/connection.server";
import { listAdestraLists, createAdestraList } from "../destinations/adestra/lists.server";
import {
  getSendSettings,
  getSendStatus,
  saveAutoSendSettings,
  sendNow,
  startSend,
} from "../destinations/adestra/send.server";
import { describeAdestraError } from "../destinations/adestra/account.server";
import { requireShopContext } from "../services/invitation.server";
import { ACTIVITY_DEFINITION } from "../destinations/adestra/rules/choices";
import { formatDateTime } from "../utils/format-date";
import { readFormValues } from "../utils/read-form.server";
import { answeringRefusals, refusalResponse } from "../utils/refusal-response.server";

/** The choices as the form shows them, from what the settings service stored. */
function toChoicesValue(choices: { profileGroup?: string; listId?: number | null; activityFrom?: string | null; activityTo?: string | null } | null | undefined): SendChoicesValue {
  if (!choices) return emptyChoices;
  return {
    profileGroup: choices.profileGroup === "all" ? "all" : "subscribers",
    listId: choices.listId != null ? String(choices.listId) : "",
    activityFrom: choices.activityFrom ?? "",
    activityTo: choices.activityTo ?? "",
  };
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShopContext(request);
  const timeZone = shop.ianaTimezone;
  const connection = await getAdestraConnection({ shop });
  if (!connection.connected) return json({ connected: false as const });

  // The lists come from Adestra itself: when it cannot be reached the page still opens and says so.
  type Lists = { found: { id: number; name: string }[]; error: string | null };
  const [lists, status, settings] = await Promise.all([
    connection.coreTable
      ? listAdestraLists({ shop }).then(
          (found): Lists => ({ found, error: null }),
          (error: unknown): Lists => ({ found: [], error: describeAdestraError(error) }),
        )
      : ({ found: [], error: null } as Lists),
    getSendStatus({ shop }),
    getSendSettings({ shop }),
  ]);
  return json({
    connected: true as const,
    accountName: connection.accountName,
    coreTable: connection.coreTable,
    lists: lists.found.map((list) => ({ id: list.id, name: list.name })),
    listsError: lists.error,
    status: toSendStatusView(status, timeZone),
    onDemand: toChoicesValue(settings.onDemand),
    auto: {
      choices: toChoicesValue(settings.auto.choices),
      enabled: settings.auto.enabled,
      timeOfDay: settings.auto.timeOfDay,
      nextRunAt: formatDateTime(settings.auto.nextRunAt, timeZone),
    },
    today: todayIn(timeZone),
    timeZone,
    activityDefinition: ACTIVITY_DEFINITION,
  });
};

const IntentSchema = z.object({ intent: z.enum(["create-list", "start-send", "save-auto", "send-now"]) });

/** The send choices as the form posts them; the send service validates them (SendChoicesSchema). */
const choicesFrom = ({ profileGroup, listId, activityFrom, activityTo }: Record<string, string>) => ({ profileGroup, listId, activityFrom, activityTo });

const startedToast = ({ alreadyRunning }: { alreadyRunning: boolean }) =>
  alreadyRunning ? "A send is already running: showing its progress" : "Sending profiles to Adestra";

export const action = async ({ request }: ActionFunctionArgs) => {
  const shop = await requireShopContext(request);
  // Bounded: an oversized post is answered 413 before it is parsed (utils/read-form.server.ts).
  const form = await readFormValues(request);
  if (!form.ok) return form.response;
  const { values } = form;
  const intent = IntentSchema.safeParse(values);
  if (!intent.success) return refusalResponse({ formError: "Unknown action" });

  // The send service throws its refusals (bad choices, a list on another core table): nothing was started.
  return answeringRefusals(async () => {
    switch (intent.data.intent) {
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
};

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;
type Connected = Extract<LoaderData, { connected: true }>;

/** Progress is read from the SyncRun (never Redis) through the status route, every second while a run is active. */
function useLiveStatus(initial: SendStatusView): SendStatusView {
  const poll = useFetcher<{ status: SendStatusView }>({ key: "send-status" });
  const revalidator = useRevalidator();
  const [status, setStatus] = useState(initial);
  useEffect(() => setStatus(initial), [initial]);
  useEffect(() => {
    if (poll.data?.status) setStatus(poll.data.status);
  }, [poll.data]);

  const active = Boolean(status.activeRun);
  const { load } = poll;
  useEffect(() => {
    if (!active || poll.state !== "idle") return;
    const timer = setTimeout(() => load("/app/data-sync/status"), 1_000);
    return () => clearTimeout(timer);
  }, [active, poll.state, poll.data, load]);

  // When a run ends, reload the page data once (last send and next run times, lists).
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) revalidator.revalidate();
    wasActive.current = active;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);
  return status;
}

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
  const status = useLiveStatus(data.status);
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
