import { createHash } from "node:crypto";

/**
 * Fingerprints of what a send last wrote, kept on ProfileLink.payloadHash, so an unchanged profile is not
 * written again. Canonical JSON: keys sorted at every level, so the same contact always hashes the same
 * whatever order its fields were built in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The hash of a contact as written to a list. */
export function contactHash(contact: Record<string, unknown>): string {
  return sha256Hex(canonicalJson(contact));
}

/** The hash of an address as put on an unsub list (case-insensitive: Adestra suppresses addresses). */
export function unsubHash(email: string): string {
  return sha256Hex(canonicalJson({ unsub: email.trim().toLowerCase() }));
}
