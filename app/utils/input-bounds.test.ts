import { describe, expect, it } from "vitest";
import { BOUNDS, boundedText, clipText } from "./input-bounds";

describe("boundedText", () => {
  const schema = boundedText({ what: "the name", max: 5, missing: "enter a name" });

  it("trims, refuses empty with the missing message and over-long with the bound", () => {
    expect(schema.parse("  abc  ")).toBe("abc");
    expect(schema.safeParse("   ").error?.issues[0].message).toBe("enter a name");
    expect(schema.safeParse(undefined).error?.issues[0].message).toBe("enter a name");
    expect(schema.safeParse("abcdef").error?.issues[0].message).toBe("the name is at most 5 characters");
    expect(schema.parse(" abcde ")).toBe("abcde");
  });
});

describe("clipText", () => {
  it("keeps short values and clips long ones to the bound, with an ellipsis", () => {
    expect(clipText("Newsletter")).toBe("Newsletter");
    const clipped = clipText("x".repeat(5_000_000));
    expect(clipped).toHaveLength(BOUNDS.displayName);
    expect(clipped.endsWith("…")).toBe(true);
    expect(clipText("abcdef", 4)).toBe("abc…");
  });
});
