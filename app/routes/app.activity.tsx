import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Card, Layout, Page } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { RealtimeHealthCard } from "../destinations/apsis/ui/realtime-health-card";
import { toRealtimeHealthView } from "../destinations/apsis/ui/realtime-health-card.server";
import { SyncRunsTable } from "../runs/ui/sync-runs-table";
import { toSyncRunRows } from "../runs/ui/sync-runs-table.server";
import { runTargetOf } from "../destinations/index.server";
import { listSyncRuns } from "../models/sync-run.server";
import { requireShopContext } from "../services/invitation.server";
import { getRealtimeHealth } from "../destinations/apsis/realtime-health.server";
import { ConsentWritebacksCard, toConsentWritebackRows } from "../components/consent-writebacks-card";
import { listConsentWritebacks } from "../models/consent-writeback.server";
import { formatDateTime } from "../utils/format-date";

const SHOWN = 50;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShopContext(request);
  const timeZone = shop.ianaTimezone;
  const [runs, realtime, writebacks] = await Promise.all([
    listSyncRuns({ shop: shop.domain, take: SHOWN }),
    getRealtimeHealth({ shop: shop.domain }),
    listConsentWritebacks({ shopId: shop.id, take: SHOWN }),
  ]);
  return json({
    runs: toSyncRunRows(runs, timeZone, runTargetOf),
    realtime: toRealtimeHealthView(realtime, timeZone),
    writebacks: toConsentWritebackRows(writebacks, (at) => formatDateTime(at, timeZone) ?? ""),
    timeZone,
  });
};

export default function Activity() {
  const { runs, realtime, writebacks, timeZone } = useLoaderData<typeof loader>();
  return (
    <Page title="Activity" subtitle={`Every send and sync, newest first (the latest ${SHOWN})`}>
      <Layout>
        <Layout.Section>
          <RealtimeHealthCard health={realtime} />
        </Layout.Section>
        <Layout.Section>
          <Card>
            <SyncRunsTable runs={runs} timeZone={timeZone} />
          </Card>
        </Layout.Section>
        <Layout.Section>
          <ConsentWritebacksCard rows={writebacks} />
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
