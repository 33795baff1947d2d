import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Text } from "@shopify/polaris";
import { useActionToast } from "../../../components/use-toast";
import { formatCount, RunOutcome, RunProgress } from "../../../runs/ui/run-progress";
import type { RunView } from "../../../runs/ui/run-view";
import { useRunStatus } from "../../../runs/ui/use-run-status";
import { APSIS_ACTION, type ApsisActionResult, type FullSyncStatusView } from "./types";

const n = formatCount;

function countsLine(run: RunView) {
  return `${n(run.created)} created · ${n(run.updated)} updated · ${n(run.unchanged)} unchanged · ${n(run.skipped)} skipped by conditions · ${n(run.failed)} failed${run.leftAlone ? ` · ${n(run.leftAlone)} kept opted out: APSIS One's opt-out is newer than Shopify's consent` : ""}`;
}

function Progress({ run }: { run: RunView }) {
  return (
    <RunProgress
      run={run}
      destination="APSIS One"
      title={run.status === "queued" ? "Full Sync queued: starting shortly…" : "Full Sync running…"}
      read={run.total !== null ? `${n(run.seen)} of ${n(run.total)} customers` : `${n(run.seen)} customers read`}
      counts={countsLine(run)}
      countsTestId="full-sync-progress-counts"
    />
  );
}

function Outcome({ run }: { run: RunView }) {
  if (run.status === "succeeded") {
    return (
      <RunOutcome run={run} title={run.failed ? `Full Sync finished with ${n(run.failed)} failed` : "Full Sync complete"}>
        <Text as="p">{run.finishedAt ? `Finished ${run.finishedAt}.` : ""}</Text>
        <Text as="p">
          <span data-testid="full-sync-counts">{countsLine(run)}</span>
        </Text>
      </RunOutcome>
    );
  }
  if (run.status === "failed") {
    return (
      <RunOutcome run={run} title="The Full Sync stopped before it finished">
        <Text as="p">{run.errorMessage ?? "APSIS One could not be reached."}</Text>
        <Text as="p">
          {`Written before it stopped: ${countsLine(run)}. Nothing else was counted as synced. Run the Full Sync again to finish; profiles already written are skipped.`}
        </Text>
      </RunOutcome>
    );
  }
  return (
    <RunOutcome run={run} title="The last Full Sync was cancelled">
      <Text as="p">{run.errorMessage ?? countsLine(run)}</Text>
    </RunOutcome>
  );
}

export function FullSyncCard({ initialStatus }: { initialStatus: FullSyncStatusView }) {
  const start = useFetcher<ApsisActionResult>({ key: "apsis-full-sync" });
  const status = useRunStatus({ initial: initialStatus, url: "/app/apsis/status", key: "apsis-full-sync-status" });
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
        {status.setupChangedSinceFullSync && !running ? (
          <Banner tone="warning" title="Run a Full Sync to apply your changes to every profile">
            <p>
              The sync conditions or mappings changed after the last Full Sync. Real-time sync uses them only for
              customers who change in Shopify from now on; profiles already in APSIS One keep what the earlier
              settings wrote until a Full Sync.
            </p>
          </Banner>
        ) : null}
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
