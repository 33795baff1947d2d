import { describe, expect, it } from "vitest";
import { todayIn, toSendStatusView } from "./send-status-view";

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
  failed: 1,
  suppressed: 21,
  errorMessage: null,
  listName: "Newsletter",
  queuedAt: new Date("2026-11-23T16:40:00Z"),
  startedAt: new Date("2026-11-23T16:40:01Z"),
  finishedAt: new Date("2026-11-23T16:41:30Z"),
  failures: Array.from({ length: 8 }, (_, i) => ({ customerId: `gid://shopify/Customer/${i}`, email: `c${i}@example.com`, reason: "invalid email", response: "<fault/>" })),
};

describe("the send status as the Data Sync page shows it", () => {
  it("formats every time in the store's timezone and keeps the first five failures, without Adestra's raw answer", () => {
    const view = toSendStatusView(
      { activeRun: null, lastRun: run, lastSendAt: run.finishedAt, lastSendAtByKind: { onDemand: run.finishedAt, auto: null } },
      "Europe/Stockholm",
    );
    expect(view.lastSendAt).toBe("23 Nov 2026, 17:41 GMT+1");
    expect(view.lastOnDemandSendAt).toBe("23 Nov 2026, 17:41 GMT+1");
    expect(view.lastAutoSendAt).toBeNull();
    expect(view.lastRun).toMatchObject({ listName: "Newsletter", created: 12, updated: 3, suppressed: 21, finishedAt: "23 Nov 2026, 17:41 GMT+1" });
    expect(view.lastRun!.failures).toEqual(Array.from({ length: 5 }, (_, i) => ({ email: `c${i}@example.com`, reason: "invalid email" })));
  });

  it("a New York store sees EST, and today is the store's date, not the server's", () => {
    const view = toSendStatusView({ activeRun: run, lastRun: null, lastSendAt: null }, "America/New_York");
    expect(view.activeRun!.startedAt).toBe("23 Nov 2026, 11:40 EST");
    expect(view.lastSendAt).toBeNull();
    expect(todayIn("Pacific/Kiritimati", new Date("2026-11-23T16:00:00Z"))).toBe("2026-11-24");
    expect(todayIn("America/Los_Angeles", new Date("2026-11-23T05:00:00Z"))).toBe("2026-11-22");
    expect(todayIn("Not/AZone", new Date("2026-11-23T05:00:00Z"))).toBe("2026-11-23");
  });
});
