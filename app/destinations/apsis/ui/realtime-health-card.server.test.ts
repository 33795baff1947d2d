import { describe, expect, it } from "vitest";
import type { RealtimeHealth } from "../realtime-health.server";
import { describeLag, describeReconciliation, formatDuration, toRealtimeHealthView } from "./realtime-health-card.server";

const HOUR = 3_600_000;
// New York moves its clocks from 02:00 EST to 03:00 EDT at 07:00Z on 8 Mar 2026, inside this window.
const from = Date.parse("2026-03-07T12:30:00Z");

function health(overrides: Partial<RealtimeHealth> = {}): RealtimeHealth {
  return {
    buckets: Array.from({ length: 24 }, (_, i) => ({ start: new Date(from + i * HOUR).toISOString(), synced: i * 1000, failed: i % 2 })),
    currentLagMs: 0,
    recentDelayMs: 4_200,
    pending: 0,
    latestFailures: [
      {
        id: "r2",
        topic: "customers/update",
        customerId: "gid://shopify/Customer/7001",
        receivedAt: new Date("2026-03-08T07:15:00Z"),
        detail: "APSIS answered 400: invalid email address",
      },
      { id: "r1", topic: "orders/create", customerId: null, receivedAt: new Date("2026-03-08T06:45:00Z"), detail: null },
    ],
    latestMerges: [],
    realtimeEnabled: true,
    outage: null,
    reconciliation: null,
    ...overrides,
  };
}

describe("durations in words", () => {
  it("keeps the two largest units and drops a zero second one", () => {
    expect(formatDuration(0)).toBe("under 1 s");
    expect(formatDuration(999)).toBe("under 1 s");
    expect(formatDuration(12_400)).toBe("12 s");
    expect(formatDuration(60_000)).toBe("1 min");
    expect(formatDuration(185_000)).toBe("3 min 5 s");
    expect(formatDuration(2 * HOUR + 10 * 60_000 + 59_000)).toBe("2 h 10 min");
    expect(formatDuration(3 * HOUR)).toBe("3 h");
    expect(formatDuration(28 * HOUR)).toBe("1 d 4 h");
  });

  it("is up to date only while nothing waits, and otherwise says how far behind and how much waits", () => {
    expect(describeLag({ currentLagMs: 0, pending: 0 })).toBe("Up to date");
    expect(describeLag({ currentLagMs: 12_000, pending: 1 })).toBe("12 s behind (1 change waiting)");
    expect(describeLag({ currentLagMs: 300, pending: 2 })).toBe("under 1 s behind (2 changes waiting)");
    expect(describeLag({ currentLagMs: 95 * 60_000, pending: 12_345 })).toBe("1 h 35 min behind (12,345 changes waiting)");
  });
});

describe("the real-time health as the Activity page shows it", () => {
  it("labels each hour in the store's timezone, across the change to summer time, and totals the day", () => {
    const view = toRealtimeHealthView(health({ currentLagMs: 12_000, pending: 3 }), "America/New_York");
    expect(view.bars).toHaveLength(24);
    expect(view.bars[0]).toEqual({ label: "07:30–08:30", synced: 0, failed: 0 });
    expect(view.bars[18]).toEqual({ label: "01:30–03:30", synced: 18_000, failed: 0 });
    expect(view.bars[19].label).toBe("03:30–04:30");
    expect(view.bars[23]).toEqual({ label: "07:30–now", synced: 23_000, failed: 1 });
    expect(view.since).toBe("7 Mar 2026, 07:30 EST");
    expect(view.summary).toBe("276,000 synced, 12 failed in the last 24 hours");
    expect(view).toMatchObject({ lag: "12 s behind (3 changes waiting)", behind: true, recentDelay: "4 s", realtimeEnabled: true });
  });

  it("lists failures with their reason, the customer's number and the time in the store's timezone", () => {
    const view = toRealtimeHealthView(health(), "Europe/Stockholm");
    expect(view.latestFailures).toEqual([
      { id: "r2", at: "8 Mar 2026, 08:15 GMT+1", topic: "customers/update", customer: "7001", reason: "APSIS answered 400: invalid email address" },
      { id: "r1", at: "8 Mar 2026, 07:45 GMT+1", topic: "orders/create", customer: null, reason: "no reason recorded" },
    ]);
    expect(view.timeZone).toBe("Europe/Stockholm");
  });

  it("says nothing was synced lately, and passes on that real-time sync is off or APSIS One not connected", () => {
    expect(toRealtimeHealthView(health({ recentDelayMs: null, realtimeEnabled: false }), "UTC")).toMatchObject({
      recentDelay: null,
      realtimeEnabled: false,
      lag: "Up to date",
      behind: false,
    });
    expect(toRealtimeHealthView(health({ realtimeEnabled: null }), "UTC").realtimeEnabled).toBeNull();
  });

  it("shows an unknown timezone's hours in UTC rather than the server's zone", () => {
    const view = toRealtimeHealthView(health(), "Mars/Olympus_Mons");
    expect(view.bars[0].label).toBe("12:30–13:30");
    expect(view.since).toBe("7 Mar 2026, 12:30 UTC");
  });
});

describe("the last reconciliation in words", () => {
  it("says when, how many changed customers it checked and what no webhook had brought, in the store's time", () => {
    const at = "2026-03-08T07:15:00Z";
    expect(describeReconciliation({ at, examined: 120, caught: 3 }, "America/New_York")).toMatch(/^Last checked .*03:15.*: 120 changed customers checked; 3 changes no webhook delivered were synced\.$/);
    expect(describeReconciliation({ at, examined: 1, caught: 1 }, "UTC")).toMatch(/1 changed customer checked; 1 change no webhook delivered was synced\.$/);
    expect(describeReconciliation({ at, examined: 0, caught: 0 }, "UTC")).toMatch(/0 changed customers checked; every change had arrived by webhook\.$/);
  });

  it("is absent until a pass has run", () => {
    expect(toRealtimeHealthView(health(), "UTC").reconciliation).toBeNull();
    expect(toRealtimeHealthView(health({ reconciliation: { at: "2026-03-08T07:15:00Z", examined: 5, caught: 2 } }), "UTC").reconciliation).toMatchObject({ caught: 2 });
  });
});

describe("customer merges", () => {
  it("name the kept customer by number and say what was done, or that it still waits", () => {
    const view = toRealtimeHealthView(
      health({
        latestMerges: [
          { id: "m2", customerId: "gid://shopify/Customer/7002", receivedAt: new Date("2026-03-08T07:20:00Z"), status: "processed", detail: "gid://shopify/Customer/7003 merged into gid://shopify/Customer/7002: APSIS One: profiles merged" },
          { id: "m1", customerId: "gid://shopify/Customer/7004", receivedAt: new Date("2026-03-08T07:10:00Z"), status: "queued", detail: null },
        ],
      }),
      "UTC",
    );
    expect(view.latestMerges).toEqual([
      { id: "m2", at: expect.stringContaining("07:20"), kept: "7002", outcome: "gid://shopify/Customer/7003 merged into gid://shopify/Customer/7002: APSIS One: profiles merged" },
      { id: "m1", at: expect.stringContaining("07:10"), kept: "7004", outcome: "waiting (queued)" },
    ]);
  });
});
