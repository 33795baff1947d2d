import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Card, InlineStack, Layout, List, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { getConnections } from "../models/connection.server";
import { requireInvitedShop } from "../services/invitation.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireInvitedShop(request);
  const { apsis } = await getConnections({ shop });
  return json({ connected: Boolean(apsis), region: apsis?.region.toUpperCase() ?? null });
};

/** APSIS One: Real-time Sync and Full Sync. The settings arrive with the APSIS issues; until then, say so plainly. */
export default function Apsis() {
  const { connected, region } = useLoaderData<typeof loader>();
  return (
    <Page title="APSIS One" subtitle="Keep your customer profiles up to date in APSIS One">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  APSIS One
                </Text>
                {connected ? <Badge tone="success">{`Connected (${region})`}</Badge> : <Badge>Not connected yet</Badge>}
              </InlineStack>
              <List>
                <List.Item>
                  <b>Real-time Sync</b>: a customer&apos;s changes in Shopify reach their APSIS profile within seconds.
                </List.Item>
                <List.Item>
                  <b>Full Sync</b>: every customer, once, to start with or to catch up.
                </List.Item>
                <List.Item>
                  Attribute mapping, email and SMS consent mapped to your consent lists and topics (no one is opted in
                  without consent in Shopify), and sync conditions that choose the Section.
                </List.Item>
              </List>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Banner tone="info" title="Coming in this release">
            <p>Connecting APSIS One and syncing are being finished. Nothing is sent to APSIS One from this store yet.</p>
          </Banner>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
