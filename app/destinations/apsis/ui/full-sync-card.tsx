import { useFetcher, useRevalidator } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, List, ProgressBar, Text } from "@shopify/polaris";
import { useEffect, useId, useRef, useState } from "react";
import { useActionToast } from "../../../components/use-toast";
import { APSIS_ACTION, type ApsisActionResult, type FullSyncRunView, type FullSyncStatusView } from "./types";

const n = (value: number) => value.toLocaleString("en-US");

/** Progress is read from the SyncRun through /app/apsis/status, every second while a run is active. */
export function useFullSyncStatus(initial: FullSyncStatusView): FullSyncStatusView {
  const poll = useFetcher<{ status: FullSyncStatusView }>({ key: "apsis-full-sync-status" });
  const revalidator = useRevalidator();
  const [status, setStatus] = useState(initial);
  useEffect(() => setStatus(initial), [initial]);
  useEffect(() => {
    if (poll.data?.status) setStatus(poll.data.status);
  }, [poll.data]);
  const active = Boolean(status.activeRun);
  const { load } = poll;
  useEffect(() => {
    if (!active || poll.state !== "idle") return;
    const timer = setTimeout(() => load("/app/apsis/status"), 1_000);
    return () => clearTimeout(timer);
  }, [active, poll.state, poll.data, load]);
  // When a run ends, reload the page data once (the last full sync time).
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) revalidator.revalidate();
    wasActive.current = active;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);
  return status;
}

function countsLine(run: FullSyncRunView) {
  return `${n(run.created)} created · ${n(run.updated)} updated · ${n(run.unchanged)} unchanged · ${n(run.skipped)} skipped by conditions · ${n(run.failed)} failed`;
}

function Failures({ run }: { run: FullSyncRunView }) {
  if (!run.failures.length) return null;
  return (
    <BlockStack gap="100">
      <Text as="p">{run.failed > run.failures.length ? `The first ${run.failures.length} of ${n(run.failed)} failures:` : "Failures:"}</Text>
      <List>
        {run.failures.map((failure, index) => (
          <List.Item key={index}>{`${failure.email ?? `customer ${failure.customerId}`}: ${failure.reason}`}</List.Item>
        ))}
      </List>
    </BlockStack>
  );
}

function Progress({ run }: { run: FullSyncRunView }) {
  const headingId = useId();
  const percent = run.progress !== null ? Math.round(run.progress * 100) : run.status === "queued" ? 0 : 5;
  return (
    <BlockStack gap="200">
      <InlineStack align="space-between" blockAlign="center">
        <Text as="h3" variant="headingSm" id={headingId}>
          {run.status === "queued" ? "Full Sync queued: starting shortly…" : "Full Sync running…"}
        </Text>
        <Text as="span" tone="subdued">
          {run.total !== null ? `${n(run.seen)} of ${n(run.total)} customers` : `${n(run.seen)} customers read`}
        </Text>
      </InlineStack>
      <ProgressBar progress={percent} tone="highlight" animated ariaLabelledBy={headingId} />
      <Text as="p" tone="subdued" variant="bodySm">
        <span data-testid="full-sync-progress-counts">{countsLine(run)}</span>
      </Text>
    </BlockStack>
  );
}

function Outcome({ run }: { run: FullSyncRunView }) {
  const when = run.finishedAt ? `Finished ${run.finishedAt}.` : "";
  if (run.status === "succeeded") {
    return (
      <Banner tone={run.failed ? "warning" : "success"} title={run.failed ? `Full Sync finished with ${n(run.failed)} failed` : "Full Sync complete"}>
        <BlockStack gap="200">
          <Text as="p">{when}</Text>
          <Text as="p">
            <span data-testid="full-sync-counts">{countsLine(run)}</span>
          </Text>
          <Failures run={run} />
        </BlockStack>
      </Banner>
    );
  }
  if (run.status === "failed") {
    return (
      <Banner tone="critical" title="The Full Sync stopped before it finished">
        <BlockStack gap="200">
          <Text as="p">{run.errorMessage ?? "APSIS One could not be reached."}</Text>
          <Text as="p">
            {`Written before it stopped: ${countsLine(run)}. Nothing else was counted as synced. Run the Full Sync again to finish; profiles already written are skipped.`}
          </Text>
          <Failures run={run} />
        </BlockStack>
      </Banner>
    );
  }
  return (
    <Banner tone="info" title="The last Full Sync was cancelled">
      <Text as="p">{run.errorMessage ?? countsLine(run)}</Text>
    </Banner>
  );
}

export function FullSyncCard({ initialStatus }: { initialStatus: FullSyncStatusView }) {
  const start = useFetcher<ApsisActionResult>({ key: "apsis-full-sync" });
  const status = useFullSyncStatus(initialStatus);
  useActionToast(start.data);
  const error = start.state === "idle" ? start.data?.errors?.form : undefined;
  const running = Boolean(status.activeRun);
  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          5. Full Sync
        </Text>
        <Text as="p">
          Creates or updates the APSIS One profile of every customer the sync conditions pick, with the mapped attributes and consent.
          Run it after the first set-up and after changing the conditions or mappings; profiles that did not change are skipped.
        </Text>
        {error ? (
          <Banner tone="critical">
            <p>{error}</p>
          </Banner>
        ) : null}
        <InlineStack>
          <Button variant="primary" loading={start.state !== "idle"} disabled={running} onClick={() => start.submit({ intent: "start-full-sync" }, APSIS_ACTION)}>
            {running ? "A Full Sync is running" : "Run Full Sync"}
          </Button>
        </InlineStack>
        {status.activeRun ? <Progress run={status.activeRun} /> : status.lastRun ? <Outcome run={status.lastRun} /> : null}
        <Text as="p" tone="subdued">
          <span data-testid="last-full-sync">{`Last full sync: ${status.lastFullSyncAt ?? "never"}`}</span>{" "}
          <span>{`(times in the store's timezone, ${status.timeZone})`}</span>
        </Text>
      </BlockStack>
    </Card>
  );
}
