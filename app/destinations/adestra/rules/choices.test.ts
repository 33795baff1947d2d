import { describe, expect, it } from "vitest";
import { sameSendChoices, SendChoicesSchema, sendChoicesFieldErrors } from "./choices";

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

  it("sameSendChoices treats a missing date and an undefined one alike", () => {
    expect(sameSendChoices({ profileGroup: "all", listId: 1 }, { profileGroup: "all", listId: 1, activityFrom: undefined })).toBe(true);
    expect(sameSendChoices({ profileGroup: "all", listId: 1 }, { profileGroup: "all", listId: 1, activityFrom: "2026-01-01" })).toBe(false);
  });
});
