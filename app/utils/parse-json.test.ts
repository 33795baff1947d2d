import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseJsonAs } from "./parse-json";

describe("parseJsonAs", () => {
  const Schema = z.object({ listId: z.number().int() });
  it("answers the value of JSON that matches", () => {
    expect(parseJsonAs(Schema, '{"listId":7}')).toEqual({ listId: 7 });
  });
  it("answers null for JSON that does not match, and for what is not JSON", () => {
    expect(parseJsonAs(Schema, '{"listId":"7"}')).toBeNull();
    expect(parseJsonAs(Schema, "{listId:7")).toBeNull();
  });
});
