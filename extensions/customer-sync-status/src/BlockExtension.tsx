import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import {
  type BannerTone,
  type CustomerSyncStatusPayload,
  type CustomerSyncView,
  describeFailure,
  describeResync,
  STATUS_PATH,
  statusUrl,
  toCustomerSyncView,
} from "./view-model";

/**
 * Customer details page → "APSIS One sync": the customer's sync state from the app's backend and a Resync
 * button. Wording and decisions live in view-model.ts; this file only fetches and renders.
 */
export default async () => {
  render(<Extension />, document.body);
};

/** The sync is queued with a short delay (changes arriving together become one write): look again after it. */
const RESYNC_SETTLE_MS = 4_000;

type Loaded = { view: CustomerSyncView } | { error: string };

function Extension() {
  const customerId = shopify.data.selected[0]?.id;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [resync, setResync] = useState<{ tone: BannerTone; message: string } | null>(null);
  const [resyncing, setResyncing] = useState(false);

  const load = useCallback(async () => {
    if (!customerId) return;
    try {
      const response = await fetch(statusUrl(customerId));
      const body: unknown = await response.json().catch(() => null);
      setLoaded(response.ok ? { view: toCustomerSyncView(body as CustomerSyncStatusPayload) } : { error: describeFailure(response.status, body) });
    } catch {
      setLoaded({ error: describeFailure(0, null) });
    }
  }, [customerId]);

  useEffect(() => {
    void load();
  }, [load]);

  const onResync = async () => {
    if (!customerId) return;
    setResyncing(true);
    try {
      const response = await fetch(STATUS_PATH, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ customerId }) });
      const answer = describeResync(response.status, await response.json().catch(() => null));
      setResync(answer);
      if (answer.tone === "success") await new Promise((resolve) => setTimeout(resolve, RESYNC_SETTLE_MS));
      await load();
    } catch {
      setResync({ tone: "critical", message: describeFailure(0, null) });
    } finally {
      setResyncing(false);
    }
  };

  if (!loaded) {
    return (
      <s-admin-block heading="APSIS One sync">
        <s-spinner accessibilityLabel="Loading the APSIS One sync state" />
      </s-admin-block>
    );
  }
  if ("error" in loaded) {
    return (
      <s-admin-block heading="APSIS One sync">
        <s-banner tone="critical">{loaded.error}</s-banner>
      </s-admin-block>
    );
  }
  const { view } = loaded;
  return (
    <s-admin-block heading="APSIS One sync" collapsedSummary={view.badge.label}>
      <s-stack direction="block" gap="base">
        <s-stack direction="inline" gap="small-200" alignItems="center">
          <s-badge tone={view.badge.tone}>{view.badge.label}</s-badge>
          {view.lastAttempt ? <s-text color="subdued">{view.lastAttempt}</s-text> : null}
        </s-stack>
        {view.notice ? <s-banner tone={view.notice.tone}>{view.notice.message}</s-banner> : null}
        {view.sections.map((section) => (
          <s-stack key={section.heading} direction="block" gap="small-300">
            <s-text type="strong">{section.heading}</s-text>
            <s-text color="subdued">{section.lastSynced}</s-text>
            {section.consent.map((line) => (
              <s-stack key={line.label} direction="inline" gap="small-200" alignItems="center">
                <s-text>{line.label}</s-text>
                <s-badge tone={line.tone}>{line.value}</s-badge>
              </s-stack>
            ))}
            {section.consentNote ? <s-text color="subdued">{section.consentNote}</s-text> : null}
            {section.error ? <s-text tone="critical">{section.error}</s-text> : null}
          </s-stack>
        ))}
        {view.lastError ? (
          <s-banner tone="critical" heading={view.lastError.at ? `Last error, ${view.lastError.at}` : "Last error"}>
            {view.lastError.message}
          </s-banner>
        ) : null}
        {resync ? <s-banner tone={resync.tone}>{resync.message}</s-banner> : null}
        {view.canResync ? (
          <s-stack direction="inline">
            <s-button onClick={onResync} loading={resyncing}>
              Resync
            </s-button>
          </s-stack>
        ) : null}
      </s-stack>
    </s-admin-block>
  );
}
