import { Banner, BlockStack, InlineStack, List, ProgressBar, Text } from "@shopify/polaris";
import type { ReactNode } from "react";
import { useId } from "react";
import type { RunView } from "./run-view";

/** 12,345 as merchants read it. */
export const formatCount = (value: number) => value.toLocaleString("en-US");

/**
 * While a run is queued or running: its title, how far it has read the store, a progress bar and its counts.
 * The destination words the title and the counts; `countsTestId` marks the counts for the browser tests.
 */
export function RunProgress({ run, title, read, counts, countsTestId }: {
  run: RunView;
  title: string;
  /** How many customers it has read, e.g. "120 of 1,000 customers checked". */
  read: string;
  counts: ReactNode;
  countsTestId: string;
}) {
  const headingId = useId();
  // Progress is customers read out of the store's customers; the counts say what happened to the chosen ones.
  const percent = run.progress !== null ? Math.round(run.progress * 100) : run.status === "queued" ? 0 : 5;
  return (
    <BlockStack gap="200">
      <InlineStack align="space-between" blockAlign="center" gap="200">
        <Text as="h3" variant="headingSm" id={headingId}>
          {title}
        </Text>
        <Text as="span" tone="subdued">
          {read}
        </Text>
      </InlineStack>
      <ProgressBar progress={percent} tone="highlight" animated ariaLabelledBy={headingId} />
      <Text as="p" tone="subdued" variant="bodySm">
        <span data-testid={countsTestId}>{counts}</span>
      </Text>
    </BlockStack>
  );
}

/** The first failures with the destination's reason, and how many there were in all. */
export function RunFailures({ run }: { run: RunView }) {
  if (!run.failures.length) return null;
  return (
    <BlockStack gap="100">
      <Text as="p">{run.failed > run.failures.length ? `The first ${run.failures.length} of ${formatCount(run.failed)} failures:` : "Failures:"}</Text>
      <List>
        {run.failures.map((failure, index) => (
          <List.Item key={index}>{`${failure.email ?? `customer ${failure.customerId}`}: ${failure.reason}`}</List.Item>
        ))}
      </List>
    </BlockStack>
  );
}

/**
 * A finished run's banner: success (warning when some customers failed), critical when it stopped, info when
 * cancelled; the destination's words inside, then the first failures, then `after` (what to do about them).
 */
export function RunOutcome({ run, title, children, after = null }: { run: RunView; title: string; children: ReactNode; after?: ReactNode }) {
  const tone = run.status === "succeeded" ? (run.failed ? "warning" : "success") : run.status === "failed" ? "critical" : "info";
  return (
    <Banner tone={tone} title={title}>
      <BlockStack gap="200">
        {children}
        <RunFailures run={run} />
        {after}
      </BlockStack>
    </Banner>
  );
}
