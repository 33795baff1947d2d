import { createHash } from "node:crypto";

/**
 * Fingerprints of what a sync last wrote (ProfileLink.payloadHash), shared by every destination.
 * Canonical JSON: object keys sorted at every level and undefined members dropped, so the same payload
 * always hashes the same whatever order it was built in. Array order is kept (it can be meaningful).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return "null";
  return JSON.stringify(value ?? null);
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The hash of any JSON-like value, independent of key order. */
export function payloadHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
