import { z } from "zod";

/**
 * Every bound on what a merchant, an operator or a destination can send us, in one place (issue 8, finding 4:
 * a 5 MB sync-condition value was saved and the APSIS One page grew to 10 MB). Each limit is far above any
 * genuine value and far below what would hurt: the largest genuine form (50 sync rules) is a few kB.
 * Browser-safe, so forms can use the same numbers.
 */
export const BOUNDS = {
  /** A whole form post or JSON body: bigger is refused (413) before it is parsed. */
  formBodyBytes: 256 * 1024,
  /** Fields in one form post (the largest genuine form has fewer than 10). */
  formFields: 100,

  /** Names a merchant types (an Adestra list name; see adestra-lists.server.ts). */
  name: 100,
  /** Account names and usernames of a destination login. */
  login: 100,
  /** Passwords and API secrets. */
  secret: 500,
  /** API client ids. */
  clientId: 200,
  /** Ids a destination gives (APSIS discriminators of Sections, attributes, topics, events, keyspaces). */
  discriminator: 200,
  /** Free-text notes (the ops console's invitation note). */
  note: 500,
  /** A shop's myshopify.com domain (Shopify store names are at most 60 characters). */
  shopDomain: 255,
  /** A Shopify customer GID. */
  customerGid: 100,

  /** Sync conditions: rules, clauses per rule, values of an "in" list, and one value (Shopify tags are ≤ 255). */
  conditionRules: 50,
  conditionClauses: 10,
  conditionValues: 100,
  conditionValue: 255,
  /** A condition's field or operator name (the known ones are under 30 characters). */
  conditionKey: 50,
  /** Attribute mappings of one Section, and consent topics per channel. */
  attributeMappings: 200,
  consentTopics: 100,
  /** Sections with a purchase event chosen (one per Section the conditions use). */
  purchaseEventSections: 50,

  /** A whole number id a destination gives (Adestra lists, tables): a 32-bit id, as Adestra uses. */
  numericId: 2_147_483_647,

  /** A name a destination returns (a list, Section, topic…), as we store and show it: longer is clipped. */
  displayName: 200,
} as const;

/** The message a field shows when its value is too long. */
export const tooLong = (what: string, max: number) => `${what} is at most ${max} characters`;

/**
 * A required text field, trimmed: `missing` when empty, a "too long" message naming `what` past `max`.
 * The length is checked on the trimmed value, so surrounding spaces are not counted.
 */
export function boundedText({ what, max, missing }: { what: string; max: number; missing: string }) {
  return z.string({ error: missing }).trim().min(1, missing).max(max, tooLong(what, max));
}

/**
 * A value a destination returned, as we store or show it: clipped to `max` characters with an ellipsis. A
 * destination is trusted to be honest, not to be small: an account with a 5 MB list name must not make every
 * page that lists it 5 MB.
 */
export function clipText(value: string, max: number = BOUNDS.displayName): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
