/**
 * The keyspace the integration's profiles live in (their profile key is the Shopify customer id).
 *
 * Chosen automatically when the account has an integration keyspace for Shopify — discriminator ending in
 * ".shopify", e.g. com.apsis1.integrations.keyspaces.ab12cd34.shopify (APSIS names integration keyspaces
 * `<8 hex of the section hash>.<platform>`) — otherwise the merchant picks one of the account's keyspaces.
 * APSIS's email, mobile and web-cookie keyspaces cannot hold customer ids (their keys are addresses and
 * cookies), so they are never offered.
 */
export const KEYSPACES_THAT_CANNOT_HOLD_CUSTOMER_IDS = ["com.apsis1.keyspaces.email", "com.apsis1.keyspaces.mobile", "com.apsis1.keyspaces.web"] as const;

export function isUsableKeyspace(discriminator: string): boolean {
  return !(KEYSPACES_THAT_CANNOT_HOLD_CUSTOMER_IDS as readonly string[]).includes(discriminator);
}

export function pickIntegrationKeyspace(keyspaces: readonly { discriminator: string }[]): string | null {
  const shopify = keyspaces.filter((k) => /\.shopify$/i.test(k.discriminator)).map((k) => k.discriminator).sort();
  return shopify[0] ?? null;
}
