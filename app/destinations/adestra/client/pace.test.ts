import { describe, expect, it } from "vitest";
import { CALM_MS, type Pace, paceLimits, rateAfterCalm, rateAfterRefusal } from "./pace";

const limits = paceLimits(20);
const at = (rate: number, epoch = 3, changedAt = 0): Pace => ({ rate, epoch, changedAt });

describe("the pace of an Adestra account", () => {
  it("halves on a 304 to a request sent at the current setting, and ignores refusals of earlier settings", () => {
    expect(rateAfterRefusal(at(20), { epoch: 3 }, limits)).toBe(10);
    expect(rateAfterRefusal(at(10, 4), { epoch: 3 }, limits)).toBeNull();
  });

  it("stays between the floor (0.5/s) and the configured ceiling", () => {
    expect(rateAfterRefusal(at(0.6), { epoch: 3 }, limits)).toBe(0.5);
    expect(rateAfterRefusal(at(0.5), { epoch: 3 }, limits)).toBe(0.5);
    // A ceiling lowered since the pace was stored.
    expect(rateAfterRefusal(at(100), { epoch: 3 }, limits)).toBe(10);
    expect(rateAfterCalm(at(19.5), CALM_MS, limits)).toBe(20);
    expect(rateAfterCalm(at(20), CALM_MS * 10, limits)).toBeNull();
    expect(paceLimits(0.2)).toEqual({ ceiling: 0.2, floor: 0.2 });
  });

  it("goes up by a tenth of the ceiling once it has held for a calm stretch, not before", () => {
    expect(rateAfterCalm(at(5, 3, 1_000), 1_000 + CALM_MS - 1, limits)).toBeNull();
    expect(rateAfterCalm(at(5, 3, 1_000), 1_000 + CALM_MS, limits)).toBe(7);
  });

  it("settles under an account limit it is never told, and climbs back to the ceiling when the limit goes", () => {
    // One calm stretch at a time; an account refusing above `limit` answers 304 to whatever is sent faster.
    let pace = at(20, 0, 0);
    const stretch = (n: number, limit: number) => {
      const now = n * CALM_MS;
      const next = pace.rate > limit ? rateAfterRefusal(pace, { epoch: pace.epoch }, limits) : rateAfterCalm(pace, now, limits);
      if (next !== null) pace = { rate: next, epoch: pace.epoch + 1, changedAt: now };
      return pace.rate;
    };
    const rates = Array.from({ length: 40 }, (_, n) => stretch(n + 1, 5));
    const settled = rates.slice(5);
    expect(Math.min(...settled)).toBeGreaterThanOrEqual(2.5);
    expect(Math.max(...settled)).toBeLessThanOrEqual(7);
    expect(settled.filter((rate) => rate <= 5).length).toBeGreaterThan(settled.length / 2);

    const unlimited = Array.from({ length: 10 }, (_, n) => stretch(41 + n, Infinity));
    expect(unlimited.at(-1)).toBe(20);
  });
});
