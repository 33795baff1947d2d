import { describe, expect, it } from "vitest";
import { addDays, describeChoice, describeRange, formatDay, parseDay, quickRanges, toDay } from "./dates";

describe("calendar days for the activity range", () => {
  it("round-trips a day through the picker's local-midnight Date, whatever the machine's zone", () => {
    for (const day of ["2026-01-01", "2026-03-29", "2026-10-25", "2024-02-29", "2026-12-31"]) expect(toDay(parseDay(day)!)).toBe(day);
    expect(parseDay("2026-13-01")).toBeNull();
    expect(parseDay("2026-02-30")).toBeNull();
    expect(parseDay("26-1-1")).toBeNull();
    expect(parseDay("")).toBeNull();
  });

  it("describes a range as the merchant reads it", () => {
    expect(formatDay("2026-09-01")).toBe("1 Sep 2026");
    expect(describeRange("2026-06-01", "2026-10-31")).toBe("1 Jun 2026 – 31 Oct 2026");
    expect(describeRange("2026-06-01", "")).toBe("From 1 Jun 2026");
    expect(describeRange("", "2026-10-31")).toBe("Until 31 Oct 2026");
    expect(describeRange("", "")).toBe("Any time");
  });

  it("offers quick ranges that end today in the store's timezone, across month, year and leap days", () => {
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
    expect(quickRanges("2026-11-23")).toEqual([
      { label: "Any time", relative: "", from: "", to: "" },
      { label: "Last 30 days", relative: "last_days:30", from: "2026-10-25", to: "2026-11-23" },
      { label: "Last 90 days", relative: "last_days:90", from: "2026-08-26", to: "2026-11-23" },
      { label: "This year", relative: "this_year", from: "2026-01-01", to: "2026-11-23" },
      { label: "Last 12 months", relative: "last_months:12", from: "2025-11-24", to: "2026-11-23" },
    ]);
    // The same choice a day later covers a day later: it is saved as relative, not as its days.
    expect(quickRanges("2027-01-01").find((r) => r.relative === "this_year")).toMatchObject({ from: "2027-01-01", to: "2027-01-01" });
    expect(quickRanges("2024-03-01").find((r) => r.relative === "last_months:12")).toMatchObject({ from: "2023-03-02", to: "2024-03-01" });
  });

  it("shows a relative range as moving with each send, with the days it covers today", () => {
    expect(describeChoice({ from: "", to: "", relative: "this_year", today: "2026-12-06" })).toBe("This year, moving with each send (today: 1 Jan 2026 – 6 Dec 2026)");
    expect(describeChoice({ from: "", to: "", relative: "last_days:7", today: "2026-12-06" })).toBe("Last 7 days, moving with each send (today: 30 Nov 2026 – 6 Dec 2026)");
    expect(describeChoice({ from: "2026-06-01", to: "", relative: "", today: "2026-12-06" })).toBe("From 1 Jun 2026");
  });
});
