import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { describeCounts, SendStatus } from "./send-status";
import type { SendRunView, SendStatusView } from "./types";

const onDemandRun: SendRunView = {
  id: "run_1",
  trigger: "on_demand",
  status: "succeeded",
  total: 120,
  seen: 120,
  matched: 456,
  created: 456,
  updated: 0,
  unchanged: 0,
  skipped: 0,
  failed: 0,
  suppressed: 0,
  unsuppressed: 0,
  leftAlone: 0,
  progress: 1,
  errorMessage: null,
  queuedAt: "23 Nov 2026, 17:40 GMT+1",
  startedAt: "23 Nov 2026, 17:40 GMT+1",
  finishedAt: "23 Nov 2026, 17:41 GMT+1",
  failures: [],
  phase: null,
  imports: null,
  etaSeconds: null,
  listName: "Newsletter",
};

const status: SendStatusView = {
  activeRun: null,
  lastRun: onDemandRun,
  lastOnDemandRun: onDemandRun,
  lastAutoRun: null,
  lastSendAt: "23 Nov 2026, 17:41 GMT+1",
  lastOnDemandSendAt: "23 Nov 2026, 17:41 GMT+1",
  lastAutoSendAt: null,
};

const render = (tab: "onDemand" | "auto") =>
  renderToStaticMarkup(
    <AppProvider i18n={en}>
      <SendStatus status={status} tab={tab} timeZone="Europe/Stockholm" />
    </AppProvider>,
  );

describe("the send status of a Data Sync tab", () => {
  it("shows the tab's own last send: the Auto Send tab never shows an On Demand send beside 'Last send: never'", () => {
    const onDemand = render("onDemand");
    expect(onDemand).toContain("Send complete to Newsletter");
    expect(onDemand).toContain("Last send: 23 Nov 2026, 17:41 GMT+1");
    const auto = render("auto");
    expect(auto).not.toContain("Send complete");
    expect(auto).toContain("Last send: never");
  });

  it("says contacts were added to the list, not that they are new to Adestra", () => {
    expect(describeCounts(onDemandRun)[0]).toBe("456 profiles sent (456 added to the list, 0 updated)");
  });

  it("says how many customers were put on and taken off the unsub list", () => {
    const lines = describeCounts({ ...onDemandRun, suppressed: 3, unsuppressed: 2 });
    expect(lines).toContain("3 unsubscribed customers added to the unsub list, so Adestra never mails them");
    expect(lines).toContain("2 customers taken off the unsub list: subscribed in Shopify again since they unsubscribed");
    expect(describeCounts(onDemandRun).some((line) => line.includes("taken off"))).toBe(false);
  });
});
