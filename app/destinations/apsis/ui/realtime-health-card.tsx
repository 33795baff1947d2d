import { Badge, Banner, BlockStack, Card, DataTable, InlineGrid, InlineStack, Link, Text } from "@shopify/polaris";
import { useId } from "react";

/**
 * APSIS One real-time sync health as the loader sends it (realtime-health-card.server.ts): times already in the
 * store's timezone, durations already in words.
 */
export type RealtimeHealthView = {
  /** null: APSIS One is not connected. */
  realtimeEnabled: boolean | null;
  /** Oldest first; label is the hour it covers in the store's timezone, e.g. "13:27–14:27". */
  bars: { label: string; synced: number; failed: number }[];
  /** When the first bar starts. */
  since: string;
  summary: string;
  lag: string;
  behind: boolean;
  recentDelay: string | null;
  latestFailures: { id: string; at: string; topic: string; customer: string | null; reason: string }[];
  /** customers/merge deliveries, newest first: the kept customer's number and what was done (the receipt's detail). */
  latestMerges: { id: string; at: string; kept: string; outcome: string }[];
  /** APSIS One not answering: since when (store time), why, and when the app tries again. */
  outage: { since: string; reason: string; nextTry: string } | null;
  /** The last reconciliation pass in words ("Last checked …: 120 changed customers checked; 3 changes no webhook delivered were synced."). */
  reconciliation: { text: string; caught: number } | null;
  timeZone: string;
};

const n = (value: number) => value.toLocaleString("en-US");

const SYNCED_COLOR = "var(--p-color-bg-fill-success)";
const FAILED_COLOR = "var(--p-color-bg-fill-critical)";
const CHART_WIDTH = 240;
const CHART_HEIGHT = 60;
/** A non-zero count is never drawn thinner than this, so a few failures beside thousands of syncs still show. */
const MIN_BAR = 1.5;

function HourlyChart({ bars, since, summary }: Pick<RealtimeHealthView, "bars" | "since" | "summary">) {
  const titleId = useId();
  const slot = CHART_WIDTH / bars.length;
  const max = Math.max(1, ...bars.map((bar) => bar.synced + bar.failed));
  const height = (count: number) => (count ? Math.max(MIN_BAR, (count / max) * CHART_HEIGHT) : 0);
  return (
    <svg
      role="img"
      aria-labelledby={titleId}
      viewBox={`0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`}
      preserveAspectRatio="none"
      width="100%"
      height="80"
      style={{ display: "block" }}
    >
      <title id={titleId}>{`Deliveries synced and failed per hour since ${since}: ${summary}`}</title>
      {bars.map((bar, i) => {
        const failedHeight = height(bar.failed);
        const syncedHeight = Math.min(height(bar.synced), CHART_HEIGHT - failedHeight);
        const x = i * slot + slot * 0.1;
        const width = slot * 0.8;
        return (
          <g key={i}>
            <title>{`${bar.label}: ${n(bar.synced)} synced, ${n(bar.failed)} failed`}</title>
            {/* The whole slot answers the pointer, so an empty hour has its tooltip too. */}
            <rect x={i * slot} y={0} width={slot} height={CHART_HEIGHT} fill="transparent" />
            <rect x={x} y={CHART_HEIGHT - syncedHeight} width={width} height={syncedHeight} fill={SYNCED_COLOR} />
            <rect x={x} y={CHART_HEIGHT - syncedHeight - failedHeight} width={width} height={failedHeight} fill={FAILED_COLOR} />
          </g>
        );
      })}
    </svg>
  );
}

function Swatch({ color, children }: { color: string; children: string }) {
  return (
    <InlineStack gap="100" blockAlign="center">
      <span aria-hidden style={{ display: "inline-block", width: 10, height: 10, borderRadius: 2, background: color }} />
      <Text as="span" variant="bodySm" tone="subdued">
        {children}
      </Text>
    </InlineStack>
  );
}

function LatestFailures({ failures, timeZone }: Pick<RealtimeHealthView, "timeZone"> & { failures: RealtimeHealthView["latestFailures"] }) {
  if (!failures.length) {
    return (
      <Text as="p" tone="subdued">
        No real-time deliveries have failed.
      </Text>
    );
  }
  return (
    <BlockStack gap="200">
      <DataTable
        columnContentTypes={["text", "text", "text", "text"]}
        headings={["Received", "Reason", "Topic", "Customer"]}
        rows={failures.map((failure) => [failure.at, failure.reason, failure.topic, failure.customer ?? "—"])}
        verticalAlign="top"
      />
      <Text as="p" tone="subdued" variant="bodySm">
        Times are in the store's timezone ({timeZone}).
      </Text>
    </BlockStack>
  );
}

/** On is green only while nothing is wrong: an outage or failures in the last 24 hours say so beside it. */
function StateBadge({ health }: { health: RealtimeHealthView }) {
  if (health.realtimeEnabled === null) return <Badge>Not connected</Badge>;
  if (!health.realtimeEnabled) return <Badge>Off</Badge>;
  if (health.outage) return <Badge tone="critical">On: APSIS One not answering</Badge>;
  const failed = health.bars.reduce((sum, bar) => sum + bar.failed, 0);
  if (failed) return <Badge tone="warning">{`On: ${n(failed)} failed in 24 h`}</Badge>;
  return <Badge tone="success">On</Badge>;
}

export function RealtimeHealthCard({ health }: { health: RealtimeHealthView }) {
  const heading = (
    <InlineStack gap="200" blockAlign="center">
      <Text as="h2" variant="headingMd">
        Real-time sync to APSIS One
      </Text>
      <StateBadge health={health} />
    </InlineStack>
  );
  if (health.realtimeEnabled === null) {
    return (
      <Card>
        <BlockStack gap="200">
          {heading}
          <Text as="p">
            APSIS One is not connected, so customer changes are not synced in real time.{" "}
            <Link url="/app/apsis">Connect it on the APSIS One page</Link>.
          </Text>
        </BlockStack>
      </Card>
    );
  }
  return (
    <Card>
      <BlockStack gap="400">
        {heading}
        {health.realtimeEnabled ? null : (
          <Banner tone="info">
            <Text as="p">
              Real-time sync is off, so customer changes are not sent to APSIS One as they happen.{" "}
              <Link url="/app/apsis">Turn it on on the APSIS One page</Link>. What it did while it was on is shown below.
            </Text>
          </Banner>
        )}
        {health.outage ? (
          <Banner tone="warning" title={`APSIS One has not answered since ${health.outage.since}`}>
            <Text as="p">
              {health.outage.reason} Nothing is lost: the changes waiting below are written as soon as APSIS One answers
              again (the app tries again at {health.outage.nextTry}, and keeps trying for up to three days).
            </Text>
          </Banner>
        ) : null}
        <InlineGrid columns={{ xs: 1, sm: 2 }} gap="400">
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm">
              Current lag
            </Text>
            <Text as="p" tone={health.behind ? "caution" : "success"}>
              {health.lag}
            </Text>
          </BlockStack>
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm">
              Recent delay
            </Text>
            <Text as="p">
              {health.recentDelay
                ? `${health.recentDelay} from Shopify to APSIS One (median over the last 15 minutes)`
                : "Nothing synced in the last 15 minutes"}
            </Text>
          </BlockStack>
        </InlineGrid>
        {health.reconciliation ? (
          <BlockStack gap="100">
            <Text as="h3" variant="headingSm">
              Reconciliation with Shopify
            </Text>
            <Text as="p" tone={health.reconciliation.caught ? "caution" : undefined}>
              {health.reconciliation.text}
            </Text>
          </BlockStack>
        ) : null}
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Last 24 hours
          </Text>
          <HourlyChart bars={health.bars} since={health.since} summary={health.summary} />
          <InlineStack align="space-between">
            <Text as="span" variant="bodySm" tone="subdued">
              {health.since}
            </Text>
            <Text as="span" variant="bodySm" tone="subdued">
              now
            </Text>
          </InlineStack>
          <InlineStack gap="400" blockAlign="center">
            <Text as="p">{health.summary}</Text>
            <Swatch color={SYNCED_COLOR}>synced</Swatch>
            <Swatch color={FAILED_COLOR}>failed</Swatch>
          </InlineStack>
        </BlockStack>
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Latest failures
          </Text>
          <LatestFailures failures={health.latestFailures} timeZone={health.timeZone} />
        </BlockStack>
        {health.latestMerges.length ? (
          <BlockStack gap="200">
            <Text as="h3" variant="headingSm">
              Customer merges
            </Text>
            <DataTable
              columnContentTypes={["text", "text", "text"]}
              headings={["Received", "Kept customer", "What was done"]}
              rows={health.latestMerges.map((merge) => [merge.at, merge.kept, merge.outcome])}
              verticalAlign="top"
            />
          </BlockStack>
        ) : null}
      </BlockStack>
    </Card>
  );
}
