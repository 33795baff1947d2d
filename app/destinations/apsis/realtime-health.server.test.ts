import { describe, expect, it } from "vitest";
import { median } from "./realtime-health.server";

// getRealtimeHealth itself reads the database: tests/integration/ui/realtime-health.test.ts.
describe("the median delay", () => {
  it("is the middle delay whatever the order, the mean of the middle two for an even count, and null for none", () => {
    expect(median([9_000, 1_000, 4_000])).toBe(4_000);
    expect(median([5_000, 1_000, 2_000, 60_000])).toBe(3_500);
    expect(median([1_001, 1_002])).toBe(1_002);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNull();
  });

  it("is not pulled up by a few very slow deliveries, as a mean would be", () => {
    expect(median([2_000, 2_000, 3_000, 3_000, 4 * 3_600_000])).toBe(3_000);
  });
});
