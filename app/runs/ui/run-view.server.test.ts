import { describe, expect, it } from "vitest";
import { toRunView } from "./run-view.server";

const run = {
  id: "run_1",
  trigger: "on_demand",
  status: "running",
  total: 120,
  seen: 30,
  matched: 15,
  created: 12,
  updated: 3,
  unchanged: 0,
  skipped: 2,
  failed: 8,
  suppressed: 21,
  unsuppressed: 0,
  errorMessage: null,
  queuedAt: new Date("2026-11-23T16:40:00Z"),
  startedAt: new Date("2026-11-23T16:40:01Z"),
  finishedAt: null,
  failures: Array.from({ length: 8 }, (_, i) => ({ customerId: `gid://shopify/Customer/${i}`, email: `c${i}@example.com`, reason: "invalid email", response: "<fault/>" })),
};

describe("a run as the pages show it", () => {
  it("formats every time in the store's timezone: a Stockholm store sees GMT+1, a New York one EST", () => {
    expect(toRunView(run, "Europe/Stockholm")).toMatchObject({ queuedAt: "23 Nov 2026, 17:40 GMT+1", startedAt: "23 Nov 2026, 17:40 GMT+1", finishedAt: null });
    expect(toRunView(run, "America/New_York").startedAt).toBe("23 Nov 2026, 11:40 EST");
  });

  it("keeps the first five failures without the destination's raw answer; the exact count stays in failed", () => {
    const view = toRunView(run, "UTC");
    expect(view.failures).toEqual(Array.from({ length: 5 }, (_, i) => ({ customerId: `gid://shopify/Customer/${i}`, email: `c${i}@example.com`, reason: "invalid email" })));
    expect(view.failed).toBe(8);
  });

  it("progress is customers read out of the store's customers; unknown until the total is counted; an empty store is done", () => {
    expect(toRunView(run, "UTC").progress).toBe(0.25);
    expect(toRunView({ ...run, total: null }, "UTC").progress).toBeNull();
    expect(toRunView({ ...run, total: 0, seen: 0 }, "UTC").progress).toBe(1);
    // A store that grew during the run never shows more than 100%.
    expect(toRunView({ ...run, seen: 130 }, "UTC").progress).toBe(1);
  });
});
