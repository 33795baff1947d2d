import { describe, expect, it } from "vitest";
import { AUTO_SEND_WINDOW, autoSendCronPattern, autoSendMinuteOfDay, autoSendSchedulerId, autoSendSecondOfDay, formatTimeOfDay, nextAutoSendAt } from "./schedule";

describe("auto send schedule", () => {
  it("is deterministic per shop, and inside the 03:00–05:59:59 local window", () => {
    expect(autoSendSecondOfDay("a.myshopify.com")).toBe(autoSendSecondOfDay("A.myshopify.com "));
    for (let i = 0; i < 2000; i++) {
      const second = autoSendSecondOfDay(`shop-${i}.myshopify.com`);
      expect(second).toBeGreaterThanOrEqual(AUTO_SEND_WINDOW.startSecond);
      expect(second).toBeLessThan(AUTO_SEND_WINDOW.endSecond);
    }
  });

  it("spreads 10,000 shops: no minute of the window gets more than twice its share", () => {
    const perMinute = new Map<number, number>();
    for (let i = 0; i < 10_000; i++) {
      const minute = autoSendMinuteOfDay(`store-${i}.myshopify.com`);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    const minutes = (AUTO_SEND_WINDOW.endSecond - AUTO_SEND_WINDOW.startSecond) / 60;
    expect(perMinute.size).toBe(minutes);
    expect(Math.max(...perMinute.values())).toBeLessThan((2 * 10_000) / minutes);
  });

  it("cron pattern has seconds first; the id has no colon", () => {
    expect(autoSendCronPattern(3 * 3600 + 27 * 60 + 5)).toBe("5 27 3 * * *");
    expect(formatTimeOfDay(3 * 3600 + 27 * 60 + 5)).toBe("03:27");
    expect(autoSendSchedulerId("clx123")).toBe("adestra-auto-send-clx123");
  });

  it("the next run is today's local time if still ahead, else tomorrow's (DST-aware)", () => {
    const secondOfDay = 4 * 3600; // 04:00 local
    // 2026-03-29 is the day Stockholm moves to CEST: 04:00 local is 02:00 UTC.
    expect(nextAutoSendAt({ secondOfDay, timeZone: "Europe/Stockholm", now: new Date("2026-03-29T01:00:00Z") }).toISOString()).toBe("2026-03-29T02:00:00.000Z");
    expect(nextAutoSendAt({ secondOfDay, timeZone: "Europe/Stockholm", now: new Date("2026-03-29T02:00:00Z") }).toISOString()).toBe("2026-03-30T02:00:00.000Z");
    expect(nextAutoSendAt({ secondOfDay, timeZone: "Europe/Stockholm", now: new Date("2026-03-28T12:00:00Z") }).toISOString()).toBe("2026-03-29T02:00:00.000Z");
  });
});
