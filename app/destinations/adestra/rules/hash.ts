import { payloadHash } from "../../../runs/hash";

/**
 * Fingerprints of what a send last wrote, kept on ProfileLink.payloadHash, so an unchanged profile is not
 * written again (canonical JSON and sha256 from app/runs/hash.ts, shared with APSIS One).
 */
/** The hash of a contact as written to a list. */
export function contactHash(contact: Record<string, unknown>): string {
  return payloadHash(contact);
}

/** The hash of an address as put on an unsub list (case-insensitive: Adestra suppresses addresses). */
export function unsubHash(email: string): string {
  return payloadHash({ unsub: email.trim().toLowerCase() });
}
