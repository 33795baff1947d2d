import { BlockStack, List, Text } from "@shopify/polaris";
import { formatCount, RunOutcome, RunProgress } from "../../../runs/ui/run-progress";
import type { SendRunView, SendStatusView } from "./types";

const TRIGGERS: Record<string, string> = {
  on_demand: "On Demand send",
  send_now: "Send now",
  auto: "Automatic daily send",
  ops: "Send started by customer success",
};
const triggerOf = (run: SendRunView) => TRIGGERS[run.trigger] ?? "Send";

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** A run's outcome in the merchant's words: written, unchanged-and-skipped, failed. */
export function describeCounts(run: SendRunView): string[] {
  const sent = run.created + run.updated;
  // "added": the app put them on the list (they may already have been contacts in Adestra).
  const parts = [`${plural(sent, "profile")} sent (${formatCount(run.created)} added to the list, ${formatCount(run.updated)} updated)`];
  parts.push(`${plural(run.unchanged, "profile")} unchanged since the last send, skipped`);
  if (run.skipped) parts.push(`${plural(run.skipped, "profile")} skipped: no email address`);
  parts.push(`${plural(run.failed, "profile")} failed`);
  if (run.suppressed) parts.push(`${plural(run.suppressed, "unsubscribed customer")} added to the unsub list, so Adestra never mails them`);
  if (run.unsuppressed) parts.push(`${plural(run.unsuppressed, "customer")} taken off the unsub list: subscribed in Shopify again since they unsubscribed`);
  if (run.leftAlone) parts.push(`${plural(run.leftAlone, "customer")} left on the unsub list: the unsubscribe is newer than Shopify's consent`);
  return parts;
}

/** While a run is queued or running: a progress bar with its counts. */
export function SendProgress({ run }: { run: SendRunView }) {
  return (
    <RunProgress
      run={run}
      destination="Adestra"
      title={run.status === "queued" ? `${triggerOf(run)} queued: starting shortly…` : `${triggerOf(run)}: sending profiles to Adestra…`}
      read={run.total !== null ? `${formatCount(run.seen)} of ${formatCount(run.total)} customers checked` : `${formatCount(run.seen)} customers checked`}
      counts={`${formatCount(run.created + run.updated)} sent · ${formatCount(run.unchanged)} unchanged · ${formatCount(run.skipped)} skipped · ${formatCount(run.failed)} failed${run.listName ? ` · list ${run.listName}` : ""}`}
      countsTestId="send-progress-counts"
    />
  );
}

function CountsList({ run }: { run: SendRunView }) {
  return (
    <List>
      {describeCounts(run).map((line) => (
        <List.Item key={line}>{line}</List.Item>
      ))}
    </List>
  );
}

/** When a run has finished: what happened, with the first failures and what to do about them. */
export function SendOutcome({ run }: { run: SendRunView }) {
  const when = run.finishedAt ? ` on ${run.finishedAt}` : "";
  const list = run.listName ? ` to ${run.listName}` : "";

  if (run.status === "succeeded") {
    return (
      <RunOutcome
        run={run}
        title={run.failed ? `Send finished with ${plural(run.failed, "failure")}` : `Send complete${list}`}
        after={run.failed ? <Text as="p">Fix these customers in Shopify and send again: only what changed is written.</Text> : null}
      >
        <Text as="p">
          {triggerOf(run)}, finished{when}.
        </Text>
        <CountsList run={run} />
      </RunOutcome>
    );
  }
  if (run.status === "failed") {
    return (
      <RunOutcome run={run} title="The send stopped before it finished">
        <Text as="p">
          {triggerOf(run)}
          {list}, stopped{when}.
        </Text>
        <Text as="p" fontWeight="semibold">
          {run.errorMessage ?? "Adestra could not be reached. Send again to finish: profiles already written are skipped."}
        </Text>
        <Text as="p">Written before it stopped:</Text>
        <CountsList run={run} />
      </RunOutcome>
    );
  }
  return (
    <RunOutcome run={run} title="The last send was cancelled">
      <Text as="p">
        {triggerOf(run)}{list}: {describeCounts(run).join("; ")}.
      </Text>
    </RunOutcome>
  );
}

/**
 * Progress while a send runs (whichever tab started it: one send at a time), else the tab's own last send's
 * outcome; and the tab's last send time in the store's timezone.
 */
export function SendStatus({ status, tab, timeZone }: { status: SendStatusView; tab: "onDemand" | "auto"; timeZone: string }) {
  const lastRun = tab === "auto" ? status.lastAutoRun : status.lastOnDemandRun;
  const lastSendAt = tab === "auto" ? status.lastAutoSendAt : status.lastOnDemandSendAt;
  return (
    <BlockStack gap="300">
      {status.activeRun ? <SendProgress run={status.activeRun} /> : lastRun ? <SendOutcome run={lastRun} /> : null}
      <Text as="p" tone="subdued">
        <span data-testid="last-send">
          {`Last send: ${lastSendAt ?? "never"}`}
        </span>{" "}
        <span>(times in the store's timezone, {timeZone})</span>
      </Text>
    </BlockStack>
  );
}
