import { describe, expect, it } from "vitest";
import { parseCsv } from "./csv";

describe("parseCsv", () => {
  it("reads quoted fields with commas, doubled quotes, line breaks and UTF-8", () => {
    const text = '\uFEFFemail,name,note\r\na@b.se,"Öberg, Åsa","said ""hi""\r\ntwice"\r\nc@d.se,Bo,\n\n';
    expect(parseCsv(text)).toEqual([
      ["email", "name", "note"],
      ["a@b.se", "Öberg, Åsa", 'said "hi"\r\ntwice'],
      ["c@d.se", "Bo", ""],
    ]);
  });

  it("keeps a last record without a newline, and refuses an unterminated quote", () => {
    expect(parseCsv("a,b\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(() => parseCsv('a\n"open')).toThrow(/inside a quoted field/);
  });
});
