import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { z } from "zod";
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
import { readFormValues } from "../utils/read-form.server";
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

const IntentSchema = z.object({ intent: z.enum(["connect", "choose-tables", "disconnect"]) });

export const action = async ({ request }: ActionFunctionArgs) => {
  const shop = await requireShopContext(request);
  // Bounded: an oversized post is answered 413 before it is parsed (utils/read-form.server.ts).
  const form = await readFormValues(request);
  if (!form.ok) return form.response;
  const { values } = form;
  const intent = IntentSchema.safeParse(values);
  if (!intent.success) return refusalResponse({ formError: "Unknown action" });

  switch (intent.data.intent) {
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
};

/** Settings: the Adestra connection (connect, core table and unsub list, disconnect); APSIS One comes later. */
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
                  {apsis ? <Badge tone="success">Connected</Badge> : <Badge>Coming soon</Badge>}
                </InlineStack>
                <Text as="p">
                  Your APSIS One API client (region, client id and secret) and the keyspace profiles are written to.
                </Text>
                {apsis ? (
                  <Text as="p" tone="subdued">
                    {apsis.region} region, verified {apsis.verifiedAt}
                  </Text>
                ) : (
                  <Text as="p" tone="subdued">
                    Connecting APSIS One is being finished and is not available yet. Credentials will be stored encrypted.
                  </Text>
                )}
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
