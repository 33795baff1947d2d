import { payloadHash } from "../../../runs/hash";

/**
 * Fingerprints of what a send last wrote, kept on ProfileLink.payloadHash, so an unchanged profile is not
 * written again (canonical JSON and sha256 from app/runs/hash.ts, shared with APSIS One).
 */
/** The hash of a contact as written to a list. */
export function contactHash(contact: Record<string, unknown>): string {
  return payloadHash(contact);
}

/** An address as Adestra compares it (unsub lists and the email dedupe ignore case). */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export const sameAddress = (a: string | null, b: string | null) => a !== null && b !== null && normalizeEmail(a) === normalizeEmail(b);

/**
 * The hash of the addresses put on an unsub list for one customer: their address, and their former ones
 * (case-insensitive, in any order). One address hashes as it always has, so links written before former
 * addresses were suppressed still match.
 */
export function unsubHash(emails: string | readonly string[]): string {
  const addresses = [...new Set((typeof emails === "string" ? [emails] : emails).map(normalizeEmail))].sort();
  return payloadHash({ unsub: addresses.length === 1 ? addresses[0] : addresses });
}
