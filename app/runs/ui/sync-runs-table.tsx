import { Badge, BlockStack, DataTable, Text } from "@shopify/polaris";
import type { RunView } from "./run-view";

/** A run as loaders send it to the table: the run view, and which destination and kind of run it was. */
export type SyncRunRow = RunView & { destination: string; kind: string; target: string | null };

const destinations: Record<string, string> = { adestra: "Adestra", apsis: "APSIS One" };
const kinds: Record<string, string> = { send: "Send", full_sync: "Full sync", realtime: "Real-time" };
const triggers: Record<string, string> = {
  on_demand: "on demand",
  auto: "auto send",
  send_now: "send now",
  ops: "customer success",
  webhook: "webhook",
};

function StatusBadge({ status }: { status: string }) {
  switch (status) {
    case "queued":
      return <Badge progress="incomplete">Queued</Badge>;
    case "running":
      return <Badge tone="info" progress="partiallyComplete">Running</Badge>;
    case "succeeded":
      return <Badge tone="success" progress="complete">Succeeded</Badge>;
    case "failed":
      return <Badge tone="critical">Failed</Badge>;
    case "cancelled":
      return <Badge>Cancelled</Badge>;
    default:
      return <Badge>{status}</Badge>;
  }
}

/** A cell with a line and, when there is one, a smaller subdued line under it. */
function TwoLines({ main, sub }: { main: string; sub: string | null }) {
  return (
    <BlockStack gap="050">
      <Text as="span">{main}</Text>
      {sub ? (
        <Text as="span" tone="subdued" variant="bodySm">
          {sub}
        </Text>
      ) : null}
    </BlockStack>
  );
}

export function SyncRunsTable({ runs, timeZone, emptyMessage }: {
  runs: SyncRunRow[];
  timeZone: string;
  emptyMessage?: string;
}) {
  if (runs.length === 0) {
    return (
      <BlockStack gap="200">
        <Text as="h3" variant="headingSm">
          No sync runs yet
        </Text>
        <Text as="p" tone="subdued">
          {emptyMessage ?? "Sends to Adestra and syncs to APSIS One will be listed here with their results."}
        </Text>
      </BlockStack>
    );
  }
  return (
    <>
      <DataTable
        columnContentTypes={["text", "text", "numeric", "numeric", "numeric", "numeric", "numeric", "text"]}
        headings={["Run", "Status", "Seen", "Written", "Unchanged", "Skipped", "Failed", "When"]}
        rows={runs.map((run) => [
          <TwoLines
            key="run"
            main={`${destinations[run.destination] ?? run.destination} ${(kinds[run.kind] ?? run.kind).toLowerCase()} (${triggers[run.trigger] ?? run.trigger})`}
            sub={run.target && `to ${run.target}`}
          />,
          <span key="status" title={run.errorMessage ?? undefined}>
            <StatusBadge status={run.status} />
          </span>,
          run.seen,
          run.created + run.updated,
          run.unchanged,
          run.skipped,
          run.failed,
          <TwoLines key="when" main={run.startedAt ?? (run.queuedAt ? `queued ${run.queuedAt}` : "—")} sub={run.finishedAt && `finished ${run.finishedAt}`} />,
        ])}
      />
      <Text as="p" tone="subdued" variant="bodySm">
        Times are in the store's timezone ({timeZone}).
      </Text>
    </>
  );
}
