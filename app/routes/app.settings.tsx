import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Button, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AdestraConnectionCard } from "../destinations/adestra/ui/connection-card";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { getConnections } from "../models/connection.server";
import {
  chooseAdestraTables,
  connectAdestra,
  disconnectAdestra,
  getAdestraConnection,
  listAdestraCoreTables,
} from "../destinations/adestra/connection.server";
import { describeAdestraError } from "../destinations/adestra/account.server";
import { requireShopContext } from "../services/invitation.server";
import { formatDateTime } from "../utils/format-date";
import { pageAction } from "../services/page-action.server";
import { refusalResponse } from "../utils/refusal-response.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShopContext(request);
  const timeZone = shop.ianaTimezone;
  const [adestra, { apsis }] = await Promise.all([getAdestraConnection({ shop }), getConnections({ shop: shop.domain })]);
  // The core tables come from Adestra itself: if it cannot be reached the page still opens and says so.
  type Tables = { tables: { id: number; name: string }[]; error: string | null };
  const coreTables: Tables = adestra.connected
    ? await listAdestraCoreTables({ shop }).then(
        (tables) => ({ tables: tables.map((t) => ({ id: t.id, name: t.name })), error: null }),
        (error: unknown): Tables => ({ tables: [], error: describeAdestraError(error) }),
      )
    : { tables: [], error: null };
  return json({
    adestra: adestra.connected
      ? {
          connected: true as const,
          accountName: adestra.accountName,
          username: adestra.username,
          coreTable: adestra.coreTable,
          unsubList: adestra.unsubList,
          verifiedAt: formatDateTime(adestra.verifiedAt, timeZone),
        }
      : { connected: false as const },
    coreTables: coreTables.tables,
    coreTablesError: coreTables.error,
    apsis: apsis ? { region: apsis.region.toUpperCase(), verifiedAt: formatDateTime(apsis.verifiedAt, timeZone) } : null,
  });
};

const INTENTS = ["connect", "choose-tables", "disconnect"] as const;

export const action = ({ request }: ActionFunctionArgs) =>
  pageAction(request, INTENTS, async ({ shop, intent, values }) => {
    switch (intent) {
      case "connect": {
        // The service validates the fields (and asks Adestra) before anything is saved.
        const { accountName, username, password } = values;
        const result = await connectAdestra({ shop, accountName, username, password });
        if (!result.ok) return refusalResponse(result);
        return json({ ok: true as const, toast: "Adestra connected. Now choose the core table." });
      }
      case "choose-tables": {
        const { coreTableId, unsubListId } = values;
        const result = await chooseAdestraTables({ shop, coreTableId, unsubListId });
        if (!result.ok) return refusalResponse(result);
        return json({ ok: true as const, toast: "Core table and unsub list saved" });
      }
      case "disconnect": {
        await disconnectAdestra({ shop });
        return json({ ok: true as const, toast: "Adestra disconnected" });
      }
    }
  });

/** Settings: the Adestra connection (connect, core table and unsub list, disconnect) and where APSIS One is connected. */
export default function Settings() {
  const { adestra, coreTables, coreTablesError, apsis } = useLoaderData<typeof loader>();
  return (
    <Page title="Settings" subtitle="Connections to your email-marketing platforms">
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <AdestraConnectionCard connection={adestra} coreTables={coreTables} coreTablesError={coreTablesError} />
            <Card>
              <BlockStack gap="200">
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h2" variant="headingMd">
                    APSIS One
                  </Text>
                  {apsis ? <Badge tone="success">Connected</Badge> : <Badge>Not connected</Badge>}
                </InlineStack>
                <Text as="p">
                  Your APSIS One API client (region, client id and secret) and the keyspace profiles are written to are set on the
                  APSIS One page, with the sync conditions, mappings, Full Sync and real-time sync.
                </Text>
                {apsis ? (
                  <Text as="p" tone="subdued">
                    {apsis.region} region, verified {apsis.verifiedAt}
                  </Text>
                ) : null}
                <InlineStack>
                  <Button url="/app/apsis">{apsis ? "Open APSIS One" : "Connect APSIS One"}</Button>
                </InlineStack>
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
