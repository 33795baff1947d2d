import { Banner, BlockStack, InlineStack, List, ProgressBar, Text } from "@shopify/polaris";
import { useId } from "react";
import type { SendRunView, SendStatusView } from "./types";

const TRIGGERS: Record<string, string> = {
  on_demand: "On Demand send",
  send_now: "Send now",
  auto: "Automatic daily send",
  ops: "Send started by customer success",
};
const triggerOf = (run: SendRunView) => TRIGGERS[run.trigger] ?? "Send";

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** A run's outcome in the merchant's words: written, unchanged-and-skipped, failed. */
export function describeCounts(run: SendRunView): string[] {
  const sent = run.created + run.updated;
  const parts = [`${plural(sent, "profile")} sent (${run.created.toLocaleString("en-US")} new, ${run.updated.toLocaleString("en-US")} updated)`];
  parts.push(`${plural(run.unchanged, "profile")} unchanged since the last send, skipped`);
  if (run.skipped) parts.push(`${plural(run.skipped, "profile")} skipped: no email address`);
  parts.push(`${plural(run.failed, "profile")} failed`);
  if (run.suppressed) parts.push(`${plural(run.suppressed, "unsubscribed customer")} added to the unsub list, so Adestra never mails them`);
  return parts;
}

/** While a run is queued or running: a progress bar with its counts. */
export function SendProgress({ run }: { run: SendRunView }) {
  const headingId = useId();
  // Progress is customers read out of the store's customers; the counts say what happened to the chosen ones.
  const total = run.total ?? null;
  const progress = total ? Math.min(100, Math.round((run.seen / Math.max(total, 1)) * 100)) : 0;
  return (
    <BlockStack gap="200">
      <InlineStack align="space-between" blockAlign="center" gap="200">
        <Text as="h3" variant="headingSm" id={headingId}>
          {run.status === "queued" ? `${triggerOf(run)} queued: starting shortly…` : `${triggerOf(run)}: sending profiles to Adestra…`}
        </Text>
        <Text as="span" tone="subdued">
          {total !== null
            ? `${run.seen.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} customers checked`
            : `${run.seen.toLocaleString("en-US")} customers checked`}
        </Text>
      </InlineStack>
      <ProgressBar progress={progress} tone="highlight" animated ariaLabelledBy={headingId} />
      <Text as="p" tone="subdued" variant="bodySm">
        <span data-testid="send-progress-counts">
          {(run.created + run.updated).toLocaleString("en-US")} sent · {run.unchanged.toLocaleString("en-US")} unchanged ·{" "}
          {run.skipped.toLocaleString("en-US")} skipped · {run.failed.toLocaleString("en-US")} failed
          {run.listName ? ` · list ${run.listName}` : ""}
        </span>
      </Text>
    </BlockStack>
  );
}

/** When a run has finished: what happened, with the first failures and what to do about them. */
export function SendOutcome({ run }: { run: SendRunView }) {
  const counts = describeCounts(run);
  const failures = run.failures.slice(0, 5);
  const failureList = failures.length ? (
    <BlockStack gap="100">
      <Text as="p">
        {run.failed > failures.length ? `The first ${failures.length} of ${run.failed} failures:` : "Failures:"}
      </Text>
      <List>
        {failures.map((failure, index) => (
          <List.Item key={index}>
            {failure.email ?? "(no email)"}: {failure.reason}
          </List.Item>
        ))}
      </List>
    </BlockStack>
  ) : null;
  const when = run.finishedAt ? ` on ${run.finishedAt}` : "";
  const list = run.listName ? ` to ${run.listName}` : "";

  if (run.status === "succeeded") {
    return (
      <Banner tone={run.failed ? "warning" : "success"} title={run.failed ? `Send finished with ${plural(run.failed, "failure")}` : `Send complete${list}`}>
        <BlockStack gap="200">
          <Text as="p">
            {triggerOf(run)}, finished{when}.
          </Text>
          <List>
            {counts.map((line) => (
              <List.Item key={line}>{line}</List.Item>
            ))}
          </List>
          {failureList}
          {run.failed ? <Text as="p">Fix these customers in Shopify and send again: only what changed is written.</Text> : null}
        </BlockStack>
      </Banner>
    );
  }
  if (run.status === "failed") {
    return (
      <Banner tone="critical" title="The send stopped before it finished">
        <BlockStack gap="200">
          <Text as="p">
            {triggerOf(run)}
            {list}, stopped{when}.
          </Text>
          <Text as="p" fontWeight="semibold">
            {run.errorMessage ?? "Adestra could not be reached. Send again to finish: profiles already written are skipped."}
          </Text>
          <Text as="p">Written before it stopped:</Text>
          <List>
            {counts.map((line) => (
              <List.Item key={line}>{line}</List.Item>
            ))}
          </List>
          {failureList}
        </BlockStack>
      </Banner>
    );
  }
  return (
    <Banner tone="info" title="The last send was cancelled">
      <Text as="p">
        {triggerOf(run)}{list}: {counts.join("; ")}.
      </Text>
    </Banner>
  );
}

/** Progress while active, else the last run's outcome; and the last send time in the store's timezone. */
export function SendStatus({ status, lastSendAt, timeZone }: { status: SendStatusView; lastSendAt: string | null; timeZone: string }) {
  return (
    <BlockStack gap="300">
      {status.activeRun ? <SendProgress run={status.activeRun} /> : status.lastRun ? <SendOutcome run={status.lastRun} /> : null}
      <Text as="p" tone="subdued">
        <span data-testid="last-send">
          {`Last send: ${lastSendAt ?? "never"}`}
        </span>{" "}
        <span>(times in the store's timezone, {timeZone})</span>
      </Text>
    </BlockStack>
  );
}
