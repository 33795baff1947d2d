import { describe, expect, it } from "vitest";
import { canonicalJson, payloadHash } from "./hash";

describe("payload hashing", () => {
  it("ignores key order at every level and undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: null }, e: undefined })).toBe('{"a":{"c":null,"d":[1,2]},"b":1}');
    expect(payloadHash({ a: 1, b: { c: "x", d: true } })).toBe(payloadHash({ b: { d: true, c: "x" }, a: 1 }));
  });

  it("tells apart values that differ in type, order of arrays or null vs absent", () => {
    expect(payloadHash({ a: 1 })).not.toBe(payloadHash({ a: "1" }));
    expect(payloadHash({ a: [1, 2] })).not.toBe(payloadHash({ a: [2, 1] }));
    expect(payloadHash({ a: null })).not.toBe(payloadHash({}));
    expect(payloadHash({ a: true })).toMatch(/^[0-9a-f]{64}$/);
  });
});
