import { describe, expect, it } from "vitest";
import { advanceWatermark, type CustomerRecord, judgeChange, lostReceipts } from "./reconcile";

const at = (iso: string) => new Date(iso);
const CHANGED = at("2026-12-07T10:00:00Z");
const none: CustomerRecord = { writtenThrough: null, lastSync: null, receipts: [], syncQueued: false };

describe("judgeChange", () => {
  it("a change nothing covered — no link, no delivery, no job — is missed", () => {
    expect(judgeChange(CHANGED, none)).toBe("missed");
  });

  it("written: APSIS has this state of the customer or a later one; an older one is not enough", () => {
    expect(judgeChange(CHANGED, { ...none, writtenThrough: CHANGED })).toBe("written");
    expect(judgeChange(CHANGED, { ...none, writtenThrough: at("2026-12-07T10:00:07Z") })).toBe("written");
    expect(judgeChange(CHANGED, { ...none, writtenThrough: at("2026-12-07T09:59:59Z") })).toBe("missed");
  });

  it("delivered: a webhook triggered at or after the change whose work finished, whatever its outcome", () => {
    for (const status of ["processed", "ignored", "failed"]) {
      expect(judgeChange(CHANGED, { ...none, receipts: [{ at: at("2026-12-07T10:00:00.300Z"), status }] })).toBe("delivered");
    }
    // A delivery of an earlier change says nothing about this one.
    expect(judgeChange(CHANGED, { ...none, receipts: [{ at: at("2026-12-07T09:59:00Z"), status: "processed" }] })).toBe("missed");
  });

  it("missed: a delivery ignored before the shop's latest invitation (it was revoked then) synced nothing", () => {
    const ignored = { at: at("2026-12-07T10:00:00.300Z"), status: "ignored" };
    expect(judgeChange(CHANGED, { ...none, receipts: [ignored], invitedAt: at("2026-12-07T10:30:00Z") })).toBe("missed");
    expect(judgeChange(CHANGED, { ...none, receipts: [{ ...ignored, status: "processed" }], invitedAt: at("2026-12-07T10:30:00Z") })).toBe("delivered");
    expect(judgeChange(CHANGED, { ...none, receipts: [ignored], invitedAt: at("2026-12-07T09:00:00Z") })).toBe("delivered");
  });

  it("delivered: a sync that ended a second or more after the change (an unchanged profile moves no link)", () => {
    expect(judgeChange(CHANGED, { ...none, lastSync: { at: at("2026-12-07T10:00:01Z"), outcome: "unchanged" } })).toBe("delivered");
    // Within the change's second (Shopify's times have whole seconds) it may have read the customer before it.
    expect(judgeChange(CHANGED, { ...none, lastSync: { at: at("2026-12-07T10:00:00.900Z"), outcome: "unchanged" } })).toBe("missed");
    // A failed sync wrote nothing.
    expect(judgeChange(CHANGED, { ...none, lastSync: { at: at("2026-12-07T10:05:00Z"), outcome: "failed" } })).toBe("missed");
  });

  it("in flight: the customer's sync is queued, or a pending delivery's job still exists", () => {
    expect(judgeChange(CHANGED, { ...none, syncQueued: true })).toBe("in_flight");
    expect(judgeChange(CHANGED, { ...none, receipts: [{ at: CHANGED, status: "queued", alive: true }] })).toBe("in_flight");
    // Redis lost the job: the receipt still says queued, but nothing will ever run it.
    expect(judgeChange(CHANGED, { ...none, receipts: [{ at: CHANGED, status: "queued", alive: false }] })).toBe("missed");
    expect(judgeChange(CHANGED, { ...none, receipts: [{ at: CHANGED, status: "syncing", alive: false }] })).toBe("missed");
  });
});

describe("lostReceipts", () => {
  it("only pending deliveries whose job is gone", () => {
    const receipts = [
      { id: "a", at: CHANGED, status: "queued", alive: false },
      { id: "b", at: CHANGED, status: "syncing", alive: true },
      { id: "c", at: CHANGED, status: "processed" },
      { id: "d", at: CHANGED, status: "received", alive: false },
    ];
    expect(lostReceipts(receipts).map((r) => r.id)).toEqual(["a", "d"]);
  });
});

describe("advanceWatermark", () => {
  it("moves to the page's latest change, never back", () => {
    const current = at("2026-12-07T10:00:00Z");
    expect(advanceWatermark(current, [at("2026-12-07T10:00:03Z"), at("2026-12-07T10:00:09Z")])).toEqual(at("2026-12-07T10:00:09Z"));
    expect(advanceWatermark(current, [at("2026-12-07T09:58:30Z")])).toEqual(current);
    expect(advanceWatermark(current, [])).toEqual(current);
  });
});
