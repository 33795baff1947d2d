import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { RealtimeHealthCard, type RealtimeHealthView } from "./realtime-health-card";

const view: RealtimeHealthView = {
  realtimeEnabled: true,
  bars: Array.from({ length: 24 }, (_, i) => ({
    label: `${String(i).padStart(2, "0")}:00–${String(i + 1).padStart(2, "0")}:00`,
    synced: i === 0 ? 0 : 20_000,
    failed: i === 5 ? 1 : 0,
  })),
  since: "7 Mar 2026, 00:00 UTC",
  summary: "460,000 synced, 1 failed in the last 24 hours",
  lag: "12 s behind (3 changes waiting)",
  behind: true,
  recentDelay: "4 s",
  latestFailures: [{ id: "r1", at: "8 Mar 2026, 05:15 UTC", topic: "customers/update", customer: "7001", reason: "APSIS answered 400: invalid email address" }],
  latestMerges: [],
  outage: null,
  reconciliation: null,
  timeZone: "UTC",
};

const render = (health: RealtimeHealthView) =>
  renderToStaticMarkup(
    <AppProvider i18n={en}>
      <RealtimeHealthCard health={health} />
    </AppProvider>,
  );

/** The bars of hour `i`: the synced rect, then the failed one (after the slot's transparent pointer target). */
function barHeights(html: string, i: number) {
  const group = html.match(/<g>.*?<\/g>/g)![i];
  const [, synced, failed] = [...group.matchAll(/height="([\d.]+)"/g)].map((m) => Number(m[1]));
  return { synced, failed };
}

describe("the real-time health card", () => {
  it("lists customer merges with what was done, only when there were any", () => {
    expect(render(view)).not.toContain("Customer merges");
    const html = render({ ...view, latestMerges: [{ id: "m1", at: "8 Mar 2026, 05:20 UTC", kept: "7002", outcome: "7003 merged into 7002: Adestra: the merged-away customer&#x27;s contact taken off 1 list(s)" }] });
    expect(html).toContain("Customer merges");
    expect(html).toContain("7002");
    expect(html).toContain("taken off 1 list(s)");
  });

  it("draws 24 hourly bars titled with the summary for screen readers, and says it in text too", () => {
    const html = render(view);
    expect(html.match(/<g>/g)).toHaveLength(24);
    const labelledBy = html.match(/<svg role="img" aria-labelledby="([^"]+)"/)![1];
    expect(html).toContain(`<title id="${labelledBy}">Deliveries synced and failed per hour since 7 Mar 2026, 00:00 UTC: 460,000 synced, 1 failed in the last 24 hours</title>`);
    expect(html).toContain("<title>05:00–06:00: 20,000 synced, 1 failed</title>");
    expect(html).toContain("460,000 synced, 1 failed in the last 24 hours</p>");
    expect(html).toContain("12 s behind (3 changes waiting)");
    expect(html).toContain("4 s from Shopify to APSIS One (median over the last 15 minutes)");
  });

  it("is green only while nothing is wrong: failures in the last 24 hours or an outage change the badge", () => {
    expect(render(view)).toContain("On: 1 failed in 24 h");
    const clean = { ...view, bars: view.bars.map((bar) => ({ ...bar, failed: 0 })) };
    expect(render(clean)).not.toContain("failed in 24 h");
    expect(render({ ...clean, outage: { since: "8 Mar 2026, 05:10 UTC", reason: "APSIS One is unavailable (HTTP 503).", nextTry: "05:15" } })).toContain("On: APSIS One not answering");
  });

  it("says when APSIS One stopped answering and that the waiting changes are not lost, only during an outage", () => {
    expect(render(view)).not.toContain("has not answered");
    const html = render({ ...view, outage: { since: "8 Mar 2026, 05:10 UTC", reason: "APSIS One is unavailable (HTTP 503).", nextTry: "05:15" } });
    expect(html).toContain("APSIS One has not answered since 8 Mar 2026, 05:10 UTC");
    expect(html).toContain("APSIS One is unavailable (HTTP 503). Nothing is lost");
    expect(html).toContain("tries again at 05:15");
  });

  it("scales bars to the busiest hour, and keeps one failure visible beside thousands of syncs", () => {
    const html = render(view);
    expect(barHeights(html, 0)).toEqual({ synced: 0, failed: 0 });
    expect(barHeights(html, 1).synced).toBeCloseTo(60, 2);
    const withFailure = barHeights(html, 5);
    expect(withFailure.failed).toBeGreaterThanOrEqual(1.5);
    expect(withFailure.synced + withFailure.failed).toBeLessThanOrEqual(60);
  });

  it("shows the last reconciliation, only once one has run", () => {
    expect(render(view)).not.toContain("Reconciliation with Shopify");
    const text = "Last checked 8 Mar 2026, 05:15 UTC: 120 changed customers checked; 3 changes no webhook delivered were synced.";
    const html = render({ ...view, reconciliation: { text, caught: 3 } });
    expect(html).toContain("Reconciliation with Shopify");
    expect(html).toContain(text);
  });

  it("lists the latest failures with their reason, topic and customer", () => {
    const html = render(view);
    for (const cell of ["8 Mar 2026, 05:15 UTC", "APSIS answered 400: invalid email address", "customers/update", "7001"]) expect(html).toContain(cell);
    expect(render({ ...view, latestFailures: [] })).toContain("No real-time deliveries have failed.");
  });

  it("says when real-time sync is off, with a link to the APSIS One page, and still shows what it did", () => {
    const html = render({ ...view, realtimeEnabled: false, behind: false, lag: "Up to date" });
    expect(html).toContain("Real-time sync is off");
    expect(html).toMatch(/<a [^>]*href="\/app\/apsis"[^>]*>Turn it on on the APSIS One page<\/a>/);
    expect(html).toContain("<svg");
  });

  it("says APSIS One is not connected, with a link to connect it, and shows no numbers", () => {
    const html = render({ ...view, realtimeEnabled: null });
    expect(html).toContain("APSIS One is not connected");
    expect(html).toMatch(/<a [^>]*href="\/app\/apsis"[^>]*>Connect it on the APSIS One page<\/a>/);
    expect(html).not.toContain("<svg");
    expect(html).not.toContain("Latest failures");
  });
});
