import { Banner, BlockStack, InlineStack, List, ProgressBar, Text } from "@shopify/polaris";
import type { ReactNode } from "react";
import { useId } from "react";
import type { RunView } from "./run-view";

/** 12,345 as merchants read it. */
export const formatCount = (value: number) => value.toLocaleString("en-US");

/** "about 3 minutes left" for a run's ETA. */
export function formatTimeLeft(seconds: number): string {
  if (seconds < 60) return "less than a minute left";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} minute${minutes === 1 ? "" : "s"} left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} hour${hours === 1 ? "" : "s"}${rest ? ` ${rest} minute${rest === 1 ? "" : "s"}` : ""} left`;
}

/** What a run through the destination's bulk import is doing now, in the merchant's words. */
export function describePhase(run: Pick<RunView, "phase" | "imports">, destination: string): string | null {
  const files = run.imports && `${formatCount(run.imports.filesDone)} of ${formatCount(run.imports.files)} file${run.imports.files === 1 ? "" : "s"}`;
  const profiles = run.imports && `${formatCount(run.imports.confirmed)} of ${formatCount(run.imports.profiles)} profiles confirmed`;
  switch (run.phase) {
    case "export":
      return "Step 1 of 4: reading the store from Shopify and preparing its profiles";
    case "preparing":
      return "Step 2 of 4: preparing the import files";
    case "importing":
      return `Step 3 of 4: ${destination} is importing the files (${files}; ${profiles})`;
    case "confirming":
      return `Step 4 of 4: confirming what ${destination} imported (${files}; ${profiles})`;
    default:
      return null;
  }
}

/**
 * While a run is queued or running: its title, how far it has read the store, a progress bar and its counts.
 * The destination words the title and the counts; `countsTestId` marks the counts for the browser tests.
 */
export function RunProgress({ run, destination, title, read, counts, countsTestId }: {
  run: RunView;
  /** The destination's name, as the phase of a bulk import names it. */
  destination: string;
  title: string;
  /** How many customers it has read, e.g. "120 of 1,000 customers checked". */
  read: string;
  counts: ReactNode;
  countsTestId: string;
}) {
  const headingId = useId();
  // Progress is customers read out of the store's customers; the counts say what happened to the chosen ones.
  // Importing: the share of the files' profiles the destination has confirmed.
  const share = run.imports && (run.phase === "importing" || run.phase === "confirming") ? run.imports.confirmed / Math.max(1, run.imports.profiles) : run.progress;
  const percent = share !== null ? Math.round(share * 100) : run.status === "queued" ? 0 : 5;
  const phase = describePhase(run, destination);
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
      {phase || run.etaSeconds !== null ? (
        <Text as="p" variant="bodySm">
          <span data-testid="run-phase">{[phase, run.etaSeconds !== null ? formatTimeLeft(run.etaSeconds) : null].filter(Boolean).join(" · ")}</span>
        </Text>
      ) : null}
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
