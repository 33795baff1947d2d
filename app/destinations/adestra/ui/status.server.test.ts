import { describe, expect, it } from "vitest";
import { toSendStatusView } from "./status.server";

const run = {
  id: "run_1",
  trigger: "on_demand",
  status: "succeeded",
  total: 120,
  seen: 120,
  matched: 15,
  created: 12,
  updated: 3,
  unchanged: 0,
  skipped: 2,
  failed: 0,
  suppressed: 21,
  unsuppressed: 0,
  leftAlone: 0,
  progress: 1,
  errorCode: null,
  errorMessage: null,
  queuedAt: new Date("2026-11-23T16:40:00Z"),
  startedAt: new Date("2026-11-23T16:40:01Z"),
  finishedAt: new Date("2026-11-23T16:41:30Z"),
  phase: null,
  importState: null,
  failures: [],
  sent: 15,
  profileGroup: "subscribers" as const,
  listId: 7,
  listName: "Newsletter",
  activityFrom: null,
  activityTo: null,
};

describe("the send status as the Data Sync page shows it", () => {
  it("says which list the send went to and when each kind of send last succeeded, in the store's timezone", () => {
    const view = toSendStatusView(
      { activeRun: null, lastRun: run, lastRunByKind: { onDemand: run, auto: null }, lastSendAt: run.finishedAt, lastSendAtByKind: { onDemand: run.finishedAt, auto: null } },
      "Europe/Stockholm",
    );
    expect(view.lastSendAt).toBe("23 Nov 2026, 17:41 GMT+1");
    expect(view.lastOnDemandSendAt).toBe("23 Nov 2026, 17:41 GMT+1");
    expect(view.lastAutoSendAt).toBeNull();
    expect(view.activeRun).toBeNull();
    expect(view.lastRun).toMatchObject({ listName: "Newsletter", created: 12, updated: 3, suppressed: 21, finishedAt: "23 Nov 2026, 17:41 GMT+1" });
    // Each tab its own: the On Demand send is not the Auto Send tab's last run.
    expect(view.lastOnDemandRun).toMatchObject({ listName: "Newsletter" });
    expect(view.lastAutoRun).toBeNull();
  });
});
