import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { getConnections } from "../models/connection.server";
import { requireInvitedShop } from "../services/invitation.server";
import { formatDateTime } from "../utils/format-date";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, shopRecord } = await requireInvitedShop(request);
  const { adestra, apsis } = await getConnections({ shop });
  const timeZone = shopRecord.ianaTimezone;
  return json({
    adestra: adestra ? { account: adestra.accountName, verifiedAt: formatDateTime(adestra.verifiedAt, timeZone) } : null,
    apsis: apsis ? { region: apsis.region.toUpperCase(), verifiedAt: formatDateTime(apsis.verifiedAt, timeZone) } : null,
  });
};

function ConnectionCard({ title, purpose, connection }: {
  title: string;
  purpose: string;
  connection: { detail: string; verifiedAt: string | null } | null;
}) {
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {title}
          </Text>
          {connection ? <Badge tone="success">Connected</Badge> : <Badge>Not connected yet</Badge>}
        </InlineStack>
        <Text as="p">{purpose}</Text>
        {connection ? (
          <Text as="p" tone="subdued">
            {connection.detail}, verified {connection.verifiedAt}
          </Text>
        ) : null}
      </BlockStack>
    </Card>
  );
}

/** The destination connections. The connect forms arrive with the Adestra and APSIS issues. */
export default function Settings() {
  const { adestra, apsis } = useLoaderData<typeof loader>();
  return (
    <Page title="Settings" subtitle="Connections to your email-marketing platforms">
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <ConnectionCard
              title="Adestra"
              purpose="Your Adestra account name, username and password, and the core table profiles are written to."
              connection={adestra ? { detail: `Account ${adestra.account}`, verifiedAt: adestra.verifiedAt } : null}
            />
            <ConnectionCard
              title="APSIS One"
              purpose="Your APSIS One API client (region, client id and secret) and the keyspace profiles are written to."
              connection={apsis ? { detail: `${apsis.region} region`, verifiedAt: apsis.verifiedAt } : null}
            />
            <Banner tone="info" title="Coming in this release">
              <p>Connecting and changing these accounts is being finished. Credentials will be stored encrypted.</p>
            </Banner>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
