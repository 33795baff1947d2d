import { payloadHash } from "../../../runs/hash";
import type { ConsentState } from "./consent";
import type { FieldValue } from "./shopify-fields";

/**
 * Identity and fingerprint of an APSIS profile written by the app.
 *
 * Profile key: the Shopify customer's NUMERIC id ("7064055069303"), not the GID: it is what the APSIS Shopify
 * integration calls "the customer ID as a unique identifier", it needs no URL-encoding in APSIS paths, and it
 * survives an email change (email and phone are attributes and consent addresses, never the key). It lives in
 * the connection's keyspace (ApsisConnection.keyspaceDiscriminator).
 */
export function profileKeyOf(customerGid: string): string {
  const id = customerGid.slice(customerGid.lastIndexOf("/") + 1);
  if (!/^\d+$/.test(id)) throw new Error(`not a Shopify customer GID: ${customerGid}`);
  return id;
}

/** ProfileLink.target of an APSIS profile's data in one Section. */
export const sectionTarget = (section: string) => `section:${section}`;
export const sectionOfTarget = (target: string) => (target.startsWith("section:") ? target.slice("section:".length) : null);

/**
 * What a Full Sync compares with the last write (ProfileLink.payloadHash): the keyspace (another keyspace is
 * another profile), the Section, the mapped attributes as sent and the consent as it should stand. Any
 * difference — a changed value, a new mapping, a consent change in Shopify — means the profile is written.
 */
export function profileHash({ keyspace, section, attributes, consent }: {
  keyspace: string;
  section: string;
  attributes: Record<string, FieldValue>;
  consent: ConsentState;
}): string {
  return payloadHash({ v: 1, keyspace, section, attributes, consent });
}
