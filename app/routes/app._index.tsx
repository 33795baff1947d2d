import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { InvitationBadge } from "../components/invitation-badge";
import { InvitationOnlyBanner } from "../components/invitation-only";
import { SyncRunsTable } from "../runs/ui/sync-runs-table";
import { toSyncRunRows } from "../runs/ui/sync-runs-table.server";
import { runTargetOf } from "../destinations/index.server";
import { getConnections } from "../models/connection.server";
import { listSyncRuns } from "../models/sync-run.server";
import { getShopAccess } from "../services/invitation.server";
import { formatDateTime } from "../utils/format-date";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, shopRecord, invitation } = await getShopAccess(request);
  const timeZone = shopRecord.ianaTimezone;
  const base = { shop, name: shopRecord.name, timeZone, invitation };
  // Sync features (and what they hold) are shown only once the shop is invited.
  if (invitation !== "invited") return json({ ...base, connections: null, runs: null });
  const [connections, runs] = await Promise.all([getConnections({ shop }), listSyncRuns({ shop, take: 5 })]);
  return json({
    ...base,
    connections: {
      adestra: connections.adestra
        ? { accountName: connections.adestra.accountName, verifiedAt: formatDateTime(connections.adestra.verifiedAt, timeZone) }
        : null,
      apsis: connections.apsis
        ? { region: connections.apsis.region.toUpperCase(), verifiedAt: formatDateTime(connections.apsis.verifiedAt, timeZone) }
        : null,
    },
    runs: toSyncRunRows(runs, timeZone, runTargetOf),
  });
};

function ConnectionLine({ label, connected, detail }: { label: string; connected: boolean; detail?: string }) {
  return (
    <InlineStack gap="200" blockAlign="center">
      <Text as="span" fontWeight="semibold">
        {label}
      </Text>
      {connected ? <Badge tone="success">Connected</Badge> : <Badge>Not connected</Badge>}
      {detail ? (
        <Text as="span" tone="subdued">
          {detail}
        </Text>
      ) : null}
    </InlineStack>
  );
}

export default function Overview() {
  const { shop, name, timeZone, invitation, connections, runs } = useLoaderData<typeof loader>();
  return (
    <Page title="Overview">
      <Layout>
        {invitation !== "invited" ? (
          <Layout.Section>
            <InvitationOnlyBanner shop={shop} state={invitation} />
          </Layout.Section>
        ) : null}
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                {name ?? shop}
              </Text>
              <Text as="p" tone="subdued">
                {name ? `${shop} · ` : ""}times shown in {timeZone}
              </Text>
              <InlineStack gap="200" blockAlign="center">
                <Text as="span">Invitation:</Text>
                <InvitationBadge state={invitation} />
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
        {connections ? (
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Connections
                </Text>
                <ConnectionLine
                  label="Adestra"
                  connected={Boolean(connections.adestra)}
                  detail={connections.adestra ? `account ${connections.adestra.accountName}, verified ${connections.adestra.verifiedAt}` : undefined}
                />
                <ConnectionLine
                  label="APSIS One"
                  connected={Boolean(connections.apsis)}
                  detail={connections.apsis ? `${connections.apsis.region} region, verified ${connections.apsis.verifiedAt}` : undefined}
                />
              </BlockStack>
            </Card>
          </Layout.Section>
        ) : null}
        {runs ? (
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Latest syncs
                </Text>
                <SyncRunsTable runs={runs} timeZone={timeZone} />
              </BlockStack>
            </Card>
          </Layout.Section>
        ) : null}
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
