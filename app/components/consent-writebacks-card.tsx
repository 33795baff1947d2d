import { BlockStack, Card, DataTable, Text } from "@shopify/polaris";

/** One opt-out that came back from a destination (models/consent-writeback.server.ts), as the Activity page shows it. */
export type ConsentWritebackRow = {
  id: string;
  destination: string;
  customer: string;
  channel: string;
  topics: string;
  optedOutAt: string;
  writtenAt: string;
  outcome: string;
};

const DESTINATIONS: Record<string, string> = { apsis: "APSIS One", adestra: "Adestra" };

export function toConsentWritebackRows(
  rows: { id: string; destination: string; customerId: string; channel: string; topics: string[]; consentAt: Date; outcome: string; detail: string | null; createdAt: Date }[],
  format: (at: Date) => string,
): ConsentWritebackRow[] {
  return rows.map((row) => ({
    id: row.id,
    destination: DESTINATIONS[row.destination] ?? row.destination,
    customer: row.customerId.replace("gid://shopify/Customer/", "Customer "),
    channel: row.channel === "sms" ? "SMS marketing" : "Email marketing",
    topics: row.topics.join(", "),
    optedOutAt: format(row.consentAt),
    writtenAt: format(row.createdAt),
    outcome: row.outcome === "written" ? "Unsubscribed in Shopify" : (row.detail ?? "Shopify refused"),
  }));
}

/** The Activity page's "Unsubscribes written back to Shopify" (write-back, docs/decisions/033-consent-write-back.md). */
export function ConsentWritebacksCard({ rows }: { rows: ConsentWritebackRow[] }) {
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Unsubscribes written back to Shopify
        </Text>
        {rows.length ? (
          <DataTable
            columnContentTypes={["text", "text", "text", "text", "text", "text", "text"]}
            headings={["Opted out in", "Customer", "Consent", "Topics", "Opted out at", "Written back at", "Result"]}
            rows={rows.map((r) => [r.destination, r.customer, r.channel, r.topics, r.optedOutAt, r.writtenAt, r.outcome])}
          />
        ) : (
          <Text as="p" tone="subdued">
            Nothing has come back yet. With "Write unsubscribes back to Shopify" on (APSIS One page, Real-time sync), opt-outs made in APSIS One show here once they are in Shopify.
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}
