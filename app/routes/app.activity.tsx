import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Card, Layout, Page } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { SyncRunsTable } from "../components/sync-runs-table";
import { toSyncRunRows } from "../components/sync-runs-table.server";
import { listSyncRuns } from "../models/sync-run.server";
import { requireInvitedShop } from "../services/invitation.server";

const SHOWN = 50;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, shopRecord } = await requireInvitedShop(request);
  const runs = await listSyncRuns({ shop, take: SHOWN });
  return json({ runs: toSyncRunRows(runs, shopRecord.ianaTimezone), timeZone: shopRecord.ianaTimezone });
};

export default function Activity() {
  const { runs, timeZone } = useLoaderData<typeof loader>();
  return (
    <Page title="Activity" subtitle={`Every send and sync, newest first (the latest ${SHOWN})`}>
      <Layout>
        <Layout.Section>
          <Card>
            <SyncRunsTable runs={runs} timeZone={timeZone} />
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
