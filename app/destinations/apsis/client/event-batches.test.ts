import { describe, expect, it } from "vitest";
import { APSIS_MAX_BODY_BYTES, type ApsisEventInput, batchEvents, eventsBody } from "./event-batches";

const bodyBytes = (events: readonly ApsisEventInput[]) => new TextEncoder().encode(JSON.stringify(eventsBody(events))).length;

/** An event whose data holds `chars` copies of `char` (ASCII: 1 byte each; "漢": 3). */
const event = (n: number, chars: number, char = "x"): ApsisEventInput & { n: number } => ({
  n,
  versionId: "9830016",
  eventTime: new Date(Date.UTC(2026, 2, 1, 12, 0, n)),
  data: { order_id: String(n), title: char.repeat(chars) },
});

describe("batchEvents", () => {
  it("fills each request up to the limit, in order, every body within it", () => {
    const events = Array.from({ length: 7 }, (_, i) => event(i, 30_000));
    const { batches, tooLarge } = batchEvents(events);
    expect(tooLarge).toEqual([]);
    expect(batches.map((b) => b.map((e) => e.n))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    for (const batch of batches) expect(bodyBytes(batch)).toBeLessThanOrEqual(APSIS_MAX_BODY_BYTES);
    // Each request is full: the next event would not have fitted.
    for (let i = 0; i < batches.length - 1; i++) expect(bodyBytes([...batches[i], batches[i + 1][0]])).toBeGreaterThan(APSIS_MAX_BODY_BYTES);
  });

  it("counts bytes, not characters, to the byte: a body of exactly the limit fits, one byte more does not", () => {
    const base = bodyBytes([event(1, 0)]);
    const exact = event(1, APSIS_MAX_BODY_BYTES - base);
    expect(bodyBytes([exact])).toBe(APSIS_MAX_BODY_BYTES);
    expect(batchEvents([exact]).batches).toEqual([[exact]]);
    const over = event(1, APSIS_MAX_BODY_BYTES - base + 1);
    expect(batchEvents([over])).toEqual({ batches: [], tooLarge: [{ event: over, bytes: APSIS_MAX_BODY_BYTES + 1 }] });
    // 3-byte characters: 34,000 of them are ~102 kB though ~34 k characters.
    const wide = event(2, 34_000, "漢");
    expect(batchEvents([wide]).tooLarge).toEqual([{ event: wide, bytes: bodyBytes([wide]) }]);
  });

  it("an event too large alone is set aside; the ones around it still go", () => {
    const events = [event(0, 10), event(1, 200_000), event(2, 10)];
    const { batches, tooLarge } = batchEvents(events);
    expect(batches.map((b) => b.map((e) => e.n))).toEqual([[0, 2]]);
    expect(tooLarge.map((t) => t.event.n)).toEqual([1]);
  });

  it("takes a smaller limit", () => {
    const events = Array.from({ length: 4 }, (_, i) => event(i, 100));
    const one = bodyBytes([events[0]]);
    expect(batchEvents(events, 2 * one).batches.map((b) => b.length)).toEqual([2, 2]);
    expect(batchEvents([], 2 * one)).toEqual({ batches: [], tooLarge: [] });
  });
});
