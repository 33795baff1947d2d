import { useFetcher } from "@remix-run/react";
import { Badge, BlockStack, Button, Card, DataTable, InlineStack, Link, Page, Text } from "@shopify/polaris";
import { Fragment, useState } from "react";
import type { EmailState } from "../shopify/consent-segments";
import { type AgreementCardView, type AgreementPageView, type DriftPageView, EMAIL_STATE_LABELS } from "./agreement";

/**
 * The Subscriber counts page (app/routes/app.agreement.tsx): one card per destination, Shopify's counts beside
 * what the app last wrote, and under it the customers that differ, loaded on request from
 * /app/agreement/customers (app/routes/app.agreement.customers.tsx).
 */

const n = (value: number | null) => (value === null ? "—" : value.toLocaleString("en-US"));
const signed = (value: number | null) => (value === null ? "—" : value > 0 ? `+${n(value)}` : value < 0 ? `−${n(-value)}` : "0");

/** What /app/agreement/customers answers. */
export type DriftAnswer = { drift?: DriftPageView; error?: string };

export function AgreementPage({ view }: { view: AgreementPageView }) {
  const drill = useFetcher<DriftAnswer>({ key: "agreement-customers" });
  const [asked, setAsked] = useState<{ destination: string; state: EmailState; after?: string } | null>(null);
  const load = (destination: string, state: EmailState, after?: string) => {
    setAsked({ destination, state, after });
    drill.load(`/app/agreement/customers?${new URLSearchParams({ destination, state, ...(after ? { after } : {}) })}`);
  };
  const busy = drill.state !== "idle" ? asked : null;
  const drift = drill.data?.drift;
  return (
    <Page title="Subscriber counts" subtitle="Shopify's customers by email consent beside what the app last wrote to each destination">
      <BlockStack gap="400">
        <Text as="p" tone="subdued">
          {`Shopify has ${n(view.customers)} customers (counted ${view.countedAt}; Shopify's counts can lag its latest changes by a few minutes).`}
        </Text>
        {drill.data?.error ? (
          <Text as="p" tone="critical">
            {drill.data.error}
          </Text>
        ) : null}
        {view.destinations.map((agreement) => (
          <Fragment key={agreement.destination}>
            <AgreementCard
              agreement={agreement}
              loading={busy?.destination === agreement.destination && !busy.after ? busy.state : null}
              onDrill={(state) => load(agreement.destination, state)}
            />
            {drift?.destination === agreement.destination ? (
              <DriftCard drift={drift} loading={Boolean(busy?.after)} onReadOn={(after) => load(drift.destination, drift.state, after)} />
            ) : null}
          </Fragment>
        ))}
      </BlockStack>
    </Page>
  );
}

export function AgreementCard({ agreement, onDrill, loading }: {
  agreement: AgreementCardView;
  onDrill: (state: EmailState) => void;
  /** The drill-down being read, if any (its button shows a spinner). */
  loading: EmailState | null;
}) {
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack gap="200" blockAlign="center">
          <Text as="h2" variant="headingMd">
            {agreement.title}
          </Text>
          {agreement.connected ? null : <Badge>Not connected</Badge>}
        </InlineStack>
        <Text as="p" tone="subdued">
          {agreement.written
            ? `The app has written ${n(agreement.written)} ${agreement.written === 1 ? "record" : "records"} here${agreement.lastWritten ? `, last on ${agreement.lastWritten}` : ""}.`
            : `The app has not written anything here yet, so every customer Shopify counts is still to be sent${agreement.connected ? "" : ` (connect ${agreement.title} first)`}.`}
        </Text>
        <DataTable
          columnContentTypes={["text", "numeric", "text", "numeric", "numeric"]}
          headings={["In Shopify", "Customers", "As the app last wrote", "Count", "Difference"]}
          rows={agreement.rows.map((row) => [row.shopifyLabel, n(row.shopify), row.writtenLabel, n(row.written), signed(row.difference)])}
          verticalAlign="top"
        />
        {/* With nothing written every row only says "Shopify has N more": the line above says why. */}
        {agreement.rows
          .filter((row) => row.explanation && agreement.written > 0)
          .map((row) => (
            <BlockStack gap="200" key={row.key}>
              <Text as="p">
                <Text as="span" fontWeight="semibold">
                  {row.writtenLabel}:
                </Text>{" "}
                {row.explanation}
              </Text>
              {row.drillStates.length ? (
                <InlineStack gap="200">
                  {row.drillStates.map((state) => (
                    <Button key={state} size="slim" onClick={() => onDrill(state)} loading={loading === state} accessibilityLabel={`Show the customers that differ among those ${EMAIL_STATE_LABELS[state].toLowerCase()} in Shopify (${agreement.title})`}>
                      {row.drillStates.length > 1 ? `Show the customers that differ: ${EMAIL_STATE_LABELS[state].toLowerCase()}` : "Show the customers that differ"}
                    </Button>
                  ))}
                </InlineStack>
              ) : null}
            </BlockStack>
          ))}
        {agreement.notes.map((note) => (
          <Text as="p" tone="subdued" key={note}>
            {note}
          </Text>
        ))}
      </BlockStack>
    </Card>
  );
}

export function DriftCard({ drift, onReadOn, loading }: { drift: DriftPageView; onReadOn: (after: string) => void; loading: boolean }) {
  const state = drift.stateLabel.toLowerCase();
  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          {`${drift.title}: customers ${state} in Shopify whose last write differs`}
        </Text>
        <Text as="p">
          {`Read ${n(drift.read)} ${drift.read === 1 ? "customer" : "customers"} ${state} in Shopify: ${n(drift.agreeing)} agree, ${n(drift.neverWritten)} never written (not sent yet, or left out by the sync conditions or the send's choices), ${n(drift.differing)} differ.`}
        </Text>
        {drift.customers.length ? (
          // A list, not a table: the reasons are sentences, and a table of them scrolls sideways.
          <BlockStack gap="300" as="ul">
            {drift.customers.map((c) => (
              <BlockStack gap="100" as="li" key={c.customerId}>
                <Text as="p">
                  <Link url={c.adminUrl} target="_top">
                    {c.name}
                  </Link>
                  {` — in Shopify: ${c.inShopify}; the app last wrote: ${c.written} (${c.writtenAt}).`}
                </Text>
                <Text as="p" tone="subdued">
                  {c.reason}
                </Text>
              </BlockStack>
            ))}
          </BlockStack>
        ) : null}
        {drift.listCut ? (
          <Text as="p" tone="subdued">
            {`Showing the first ${n(drift.customers.length)} of the ${n(drift.differing)} that differ.`}
          </Text>
        ) : null}
        {drift.after ? (
          <InlineStack gap="200" blockAlign="center">
            <Text as="p" tone="subdued">
              {`Stopped after ${n(drift.read)} customers; Shopify has more ${state} customers.`}
            </Text>
            <Button size="slim" onClick={() => onReadOn(drift.after!)} loading={loading}>
              Read the next customers
            </Button>
          </InlineStack>
        ) : null}
        <Text as="p" tone="subdued" variant="bodySm">
          {`Times are in the store's timezone (${drift.timeZone}).`}
        </Text>
      </BlockStack>
    </Card>
  );
}
