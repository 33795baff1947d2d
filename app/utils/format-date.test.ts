import { describe, expect, it } from "vitest";
import { formatDateTime, isValidTimeZone, todayIn } from "./format-date";

describe("formatDateTime", () => {
  it("shows an instant in the shop's timezone, not the server's", () => {
    expect(formatDateTime(new Date("2026-07-01T12:00:00Z"), "Europe/Stockholm")).toBe("1 Jul 2026, 14:00 GMT+2");
    expect(formatDateTime(new Date("2026-07-01T12:00:00Z"), "Asia/Tokyo")).toBe("1 Jul 2026, 21:00 GMT+9");
  });

  it("crosses the US spring-forward gap: 01:59 EST is followed one minute later by 03:00 EDT", () => {
    expect(formatDateTime(new Date("2026-03-08T06:59:00Z"), "America/New_York")).toBe("8 Mar 2026, 01:59 EST");
    expect(formatDateTime(new Date("2026-03-08T07:00:00Z"), "America/New_York")).toBe("8 Mar 2026, 03:00 EDT");
  });

  it("tells apart the two 02:30s of the European autumn fall-back by their offsets", () => {
    expect(formatDateTime("2026-10-25T00:30:00Z", "Europe/Stockholm")).toBe("25 Oct 2026, 02:30 GMT+2");
    expect(formatDateTime("2026-10-25T01:30:00Z", "Europe/Stockholm")).toBe("25 Oct 2026, 02:30 GMT+1");
  });

  it("can put the same instant on a different calendar day than UTC", () => {
    expect(formatDateTime("2026-01-01T03:00:00Z", "America/Los_Angeles")).toBe("31 Dec 2025, 19:00 PST");
  });

  it("falls back to UTC for an unknown zone, and gives null for no date", () => {
    expect(formatDateTime(new Date("2026-07-01T12:00:00Z"), "Mars/Olympus_Mons")).toBe("1 Jul 2026, 12:00 UTC");
    expect(formatDateTime(null, "UTC")).toBeNull();
    expect(formatDateTime(undefined, "UTC")).toBeNull();
    expect(formatDateTime("not a date", "UTC")).toBeNull();
  });

  it("knows valid zones", () => {
    expect(isValidTimeZone("Europe/Stockholm")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
  });

  it("today is the store's date, not the server's", () => {
    expect(todayIn("Pacific/Kiritimati", new Date("2026-11-23T16:00:00Z"))).toBe("2026-11-24");
    expect(todayIn("America/Los_Angeles", new Date("2026-11-23T05:00:00Z"))).toBe("2026-11-22");
    expect(todayIn("Not/AZone", new Date("2026-11-23T05:00:00Z"))).toBe("2026-11-23");
  });
});
