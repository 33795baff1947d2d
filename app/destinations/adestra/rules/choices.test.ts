import { describe, expect, it } from "vitest";
import { resolveChoices, resolveRelativeRange, SendChoicesSchema, sendChoicesFieldErrors } from "./choices";

describe("SendChoicesSchema", () => {
  it("accepts a form's strings: list id coerced, empty dates meaning no limit", () => {
    expect(SendChoicesSchema.parse({ profileGroup: "subscribers", listId: "42", activityFrom: "", activityTo: "2026-03-31" })).toEqual({
      profileGroup: "subscribers",
      listId: 42,
      activityFrom: undefined,
      activityTo: "2026-03-31",
    });
  });

  it("a range that ends before it starts is an error on the end date", () => {
    const result = SendChoicesSchema.safeParse({ profileGroup: "all", listId: 1, activityFrom: "2026-04-01", activityTo: "2026-03-31" });
    expect(result.success).toBe(false);
    expect(sendChoicesFieldErrors(result.error!)).toEqual({ activityTo: "the end date is before the start date" });
  });

  it("a one-day range is fine", () => {
    expect(SendChoicesSchema.safeParse({ profileGroup: "all", listId: 1, activityFrom: "2026-04-01", activityTo: "2026-04-01" }).success).toBe(true);
  });

  it.each([
    [{ profileGroup: "everyone", listId: 1 }, "profileGroup"],
    [{ profileGroup: "all", listId: "" }, "listId"],
    [{ profileGroup: "all", listId: 0 }, "listId"],
    [{ profileGroup: "all", listId: "1.5" }, "listId"],
    [{ profileGroup: "all", listId: 1, activityFrom: "2026-02-30" }, "activityFrom"],
    [{ profileGroup: "all", listId: 1, activityTo: "31/03/2026" }, "activityTo"],
  ])("refuses %j on %s", (input, field) => {
    const result = SendChoicesSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(Object.keys(sendChoicesFieldErrors(result.error!))).toEqual([field]);
  });
});

describe("relative activity ranges", () => {
  it("are saved as relative: the fixed days sent beside one are dropped", () => {
    expect(SendChoicesSchema.parse({ profileGroup: "all", listId: "7", activityRelative: "this_year", activityFrom: "2026-01-01", activityTo: "2026-12-06" })).toEqual({
      profileGroup: "all",
      listId: 7,
      activityRelative: "this_year",
      activityFrom: undefined,
      activityTo: undefined,
    });
  });

  it.each([
    ["this_year", "2026-12-06", "2026-01-01"],
    ["this_year", "2027-01-01", "2027-01-01"],
    ["last_days:1", "2026-12-06", "2026-12-06"],
    ["last_days:30", "2026-03-01", "2026-01-31"],
    ["last_months:12", "2026-12-06", "2025-12-07"],
    ["last_months:1", "2026-03-31", "2026-03-01"],
  ] as const)("%s on %s starts on %s and ends that day", (range, today, from) => {
    expect(resolveRelativeRange(range, today)).toEqual({ from, to: today });
  });

  it("a send resolves one to the days of the day it starts, and says where they came from", () => {
    const saved = SendChoicesSchema.parse({ profileGroup: "subscribers", listId: 1, activityRelative: "this_year" });
    expect(resolveChoices(saved, "2026-12-06")).toEqual({
      choices: { profileGroup: "subscribers", listId: 1, activityRelative: undefined, activityFrom: "2026-01-01", activityTo: "2026-12-06" },
      activityRelative: "this_year",
    });
    // The day after the save, the same saved choice covers that day too.
    expect(resolveChoices(saved, "2026-12-07").choices.activityTo).toBe("2026-12-07");
    const fixed = SendChoicesSchema.parse({ profileGroup: "all", listId: 1, activityFrom: "2026-01-01" });
    expect(resolveChoices(fixed, "2026-12-06")).toEqual({ choices: fixed });
  });

  it.each(["last_days:0", "last_days:3661", "last_months:121", "next_year", "last_days:7x"])("refuses %s on activityRelative", (activityRelative) => {
    const result = SendChoicesSchema.safeParse({ profileGroup: "all", listId: 1, activityRelative });
    expect(result.success).toBe(false);
    expect(Object.keys(sendChoicesFieldErrors(result.error!))).toEqual(["activityRelative"]);
  });
});
