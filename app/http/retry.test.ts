import { describe, expect, it } from "vitest";
import { backoffDelayMs, parseRetryAfterMs, withRetries } from "./retry";

describe("backoffDelayMs", () => {
  it("doubles from 1 s up to 30 s, jittered within the upper half", () => {
    expect([0, 1, 2, 5, 10].map((retry) => backoffDelayMs(retry, { random: () => 1 }))).toEqual([1_000, 2_000, 4_000, 30_000, 30_000]);
    expect([0, 1, 2, 5].map((retry) => backoffDelayMs(retry, { random: () => 0 }))).toEqual([500, 1_000, 2_000, 15_000]);
  });
});

describe("parseRetryAfterMs", () => {
  it("reads delay-seconds and HTTP dates, and ignores what it cannot read", () => {
    expect(parseRetryAfterMs("7")).toBe(7_000);
    expect(parseRetryAfterMs("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("2015-10-21T07:28:00Z"))).toBe(10_000);
    expect(parseRetryAfterMs("soon")).toBeUndefined();
    expect(parseRetryAfterMs(null)).toBeUndefined();
  });
});

describe("withRetries", () => {
  it("retries while delayFor allows and maxRetries lasts, then throws the last failure", async () => {
    const waits: number[] = [];
    let attempts = 0;
    const failing = withRetries(
      async () => {
        throw new Error(`attempt ${++attempts}`);
      },
      { maxRetries: 2, sleep: async (ms) => void waits.push(ms), delayFor: (_error, retry) => retry * 10 },
    );
    await expect(failing).rejects.toThrow("attempt 3");
    expect(waits).toEqual([0, 10]);
    await expect(withRetries(async () => "ok", { maxRetries: 0, sleep: async () => {}, delayFor: () => 0 })).resolves.toBe("ok");
  });
});
