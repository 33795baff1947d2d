import { describe, expect, it } from "vitest";
import { toRunView } from "./run-view.server";
import { describePhase, formatTimeLeft } from "./run-progress";

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
  leftAlone: 0,
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

describe("a run through a destination's bulk import", () => {
  const startedAt = new Date("2026-11-23T16:40:00Z");
  const importing = (parts: { rows: number; confirmedRows: number; done: boolean }[], planned = "2026-11-23T16:50:00Z") =>
    JSON.stringify({
      startedAt: planned,
      parts: parts.map((p, i) => ({ target: "section:s", afterNum: null, throughNum: String(i), importId: null, upload: null, uploaded: true, errors: 0, confirmedThrough: null, counts: { created: 0, updated: 0, failed: 0 }, ...p })),
    });

  it("says its phase and the files' profiles the destination confirmed; the ETA is the import's pace since the files were planned", () => {
    const view = toRunView(
      { ...run, startedAt, total: 1000, seen: 1000, phase: "importing", importState: importing([{ rows: 400, confirmedRows: 400, done: true }, { rows: 600, confirmedRows: 0, done: false }]) },
      "UTC",
      new Date("2026-11-23T16:52:00Z"),
    );
    expect(view).toMatchObject({ phase: "importing", imports: { files: 2, filesDone: 1, profiles: 1000, confirmed: 400 } });
    // 400 in 120 s: the 600 left take 180 s.
    expect(view.etaSeconds).toBe(180);
    expect(describePhase(view, "APSIS One")).toBe("Step 3 of 4: APSIS One is importing the files (1 of 2 files; 400 of 1,000 profiles confirmed)");
  });

  it("reading the store (or writing profile by profile), the ETA is the store's pace; none too early, none once finished, none while files are planned", () => {
    const at = (iso: string) => new Date(iso);
    // 300 of 1,200 customers in 60 s: 900 left at 5/s.
    expect(toRunView({ ...run, startedAt, total: 1200, seen: 300 }, "UTC", at("2026-11-23T16:41:00Z")).etaSeconds).toBe(180);
    expect(toRunView({ ...run, startedAt, total: 1200, seen: 300, phase: "export" }, "UTC", at("2026-11-23T16:41:00Z")).etaSeconds).toBe(180);
    expect(toRunView({ ...run, startedAt, total: 1200, seen: 3 }, "UTC", at("2026-11-23T16:40:02Z")).etaSeconds).toBeNull();
    expect(toRunView({ ...run, status: "succeeded", startedAt, total: 1200, seen: 1200 }, "UTC", at("2026-11-23T16:45:00Z")).etaSeconds).toBeNull();
    expect(toRunView({ ...run, startedAt, total: 1200, seen: 1200, phase: "preparing" }, "UTC", at("2026-11-23T16:45:00Z")).etaSeconds).toBeNull();
    // Written profile by profile: no phase to show.
    expect(toRunView(run, "UTC")).toMatchObject({ phase: null, imports: null });
  });

  it("words the time left as a merchant reads it", () => {
    expect([30, 60, 150, 3600, 3660, 7800].map(formatTimeLeft)).toEqual([
      "less than a minute left",
      "about 1 minute left",
      "about 3 minutes left",
      "about 1 hour left",
      "about 1 hour 1 minute left",
      "about 2 hours 10 minutes left",
    ]);
  });
});
