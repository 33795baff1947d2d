import { describe, expect, it } from "vitest";
import { isLoopbackHost, pageOf, parseInspectionQuery, servesInspection } from "./inspection";

describe("the sandboxes' inspection page", () => {
  it("is served on loopback hosts only, at its two paths", () => {
    for (const host of ["127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "192.168.1.5", "128.0.0.1", "localhost.example.com", "1270.0.0.1"]) expect(isLoopbackHost(host), host).toBe(false);
    expect(servesInspection("127.0.0.1", "/_sandbox/inspect")).toBe(true);
    expect(servesInspection("127.0.0.1", "/_sandbox/inspect.json")).toBe(true);
    expect(servesInspection("127.0.0.1", "/_sandbox/inspect/x")).toBe(false);
    expect(servesInspection("0.0.0.0", "/_sandbox/inspect")).toBe(false);
  });

  it("reads q, offset and limit strictly", () => {
    expect(parseInspectionQuery(new URLSearchParams(""))).toEqual({ query: { q: "", offset: 0, limit: 50 } });
    expect(parseInspectionQuery(new URLSearchParams("q=+anna+&offset=10&limit=200"))).toEqual({ query: { q: "anna", offset: 10, limit: 200 } });
    expect(parseInspectionQuery(new URLSearchParams("limit=0&offset=x&page=2"))).toEqual({
      errors: ['Unknown parameter "page" (use q, offset, limit).', 'offset must be a whole number from 0 to 999999999 (got "x").', 'limit must be a whole number from 1 to 200 (got "0").'],
    });
    expect(parseInspectionQuery(new URLSearchParams({ q: "x".repeat(201) }))).toEqual({ errors: ["q is longer than 200 characters."] });
  });

  it("pages the items whose texts contain q, ignoring case, and counts all and matching", () => {
    const items = ["Anna", "Bo", "anneli", "Cy", "ANNIKA"];
    expect(pageOf({ q: "ann", offset: 1, limit: 1 }, items, (item) => [item])).toEqual({ total: 5, matching: 3, offset: 1, items: ["anneli"] });
    expect(pageOf({ q: "", offset: 4, limit: 50 }, items, (item) => [item])).toEqual({ total: 5, matching: 5, offset: 4, items: ["ANNIKA"] });
  });
});
