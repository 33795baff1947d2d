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
  const { adestra } = await getConnections({ shop });
  return json({ connected: Boolean(adestra), accountName: adestra?.accountName ?? null });
};

/** Adestra: On Demand and Auto Send. The forms arrive with the Adestra issues; until then, say so plainly. */
export default function DataSync() {
  const { connected, accountName } = useLoaderData<typeof loader>();
  return (
    <Page title="Data Sync" subtitle="Send your customer profiles to an Adestra list">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <InlineStack gap="200" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Adestra
                </Text>
                {connected ? <Badge tone="success">{`Connected: ${accountName}`}</Badge> : <Badge>Not connected yet</Badge>}
              </InlineStack>
              <Text as="p">Data Sync copies your Shopify customer profiles to a list in Adestra, in two ways:</Text>
              <List>
                <List.Item>
                  <b>On Demand</b>: send now, choosing the profiles (all, or email subscribers only), the Adestra list
                  (an existing one, or a new one by name) and an activity date range.
                </List.Item>
                <List.Item>
                  <b>Auto Send</b>: the same choices, sent every day at a time in your store&apos;s timezone.
                </List.Item>
              </List>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Banner tone="info" title="Coming in this release">
            <p>
              Connecting an Adestra account and sending profiles are being finished. Nothing is sent to Adestra from
              this store yet.
            </p>
          </Banner>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
