import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { SyncRunsTable, type SyncRunRow } from "./sync-runs-table";

const row: SyncRunRow = {
  id: "run_1",
  trigger: "auto",
  status: "succeeded",
  total: 10,
  seen: 10,
  matched: 8,
  created: 5,
  updated: 1,
  unchanged: 2,
  skipped: 2,
  failed: 0,
  suppressed: 0,
  unsuppressed: 0,
  leftAlone: 0,
  progress: 1,
  errorMessage: null,
  queuedAt: "6 Dec 2026, 03:00 GMT+1",
  startedAt: "6 Dec 2026, 03:00 GMT+1",
  finishedAt: "6 Dec 2026, 03:02 GMT+1",
  failures: [],
  phase: null,
  imports: null,
  etaSeconds: null,
  destination: "adestra",
  kind: "send",
  target: "list Newsletter",
};

describe("the Activity table", () => {
  it("says where each run went, and keeps to eight columns (start and finish in one)", () => {
    const html = renderToStaticMarkup(
      <AppProvider i18n={en}>
        <SyncRunsTable runs={[row]} timeZone="Europe/Stockholm" />
      </AppProvider>,
    );
    expect(html).toContain("Adestra send (auto send)");
    expect(html).toContain("to list Newsletter");
    expect(html).toContain("finished 6 Dec 2026, 03:02 GMT+1");
    expect(html.match(/scope="col"/g)).toHaveLength(8);
  });
});
