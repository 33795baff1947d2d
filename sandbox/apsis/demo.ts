/**
 * The demo account the CLI and scripts serve: an APSIS One account with the Shopify integration connected to
 * two sections. Identifiers follow the patterns APSIS uses (docs/apis/apsis-one-api.md §3): the integration
 * keyspace is `com.apsis1.integrations.keyspaces.<first 8 hex of md5(section)>.shopify` (as Magento's), custom
 * definitions are `usercreated.<kind>.<slug>-<10 chars>`.
 */
import { createHash } from "node:crypto";
import type { ApsisSandboxAccountConfig, AttributeType } from "./config";

const GLOBAL_SECTION = "usercreated.sections.global-k3v9x2m7qa";

export const DEMO_APSIS = {
  clientId: "3f6c2b9e-5a1d-4e8f-9b7c-0d2a6e4f8b31",
  clientSecret: "Qm7vT2xK9pL4sN8wR3zB6yH1cF5jD0gA2eU7iO4tV9nX6bM3kP8qW1rY5sZ0aC4d",
  shopifyKeyspace: `com.apsis1.integrations.keyspaces.${createHash("md5").update(GLOBAL_SECTION).digest("hex").slice(0, 8)}.shopify`,
  emailKeyspace: "com.apsis1.keyspaces.email",
  globalSection: GLOBAL_SECTION,
  swedenSection: "usercreated.sections.sweden-p8w2n5c1zd",
  /** INFERRED: the Shopify integration's order event, by analogy with com.apsis1.integrations.magento.events.order. */
  purchaseEvent: "com.apsis1.integrations.shopify.events.order",
} as const;

const DEFAULT_ATTRIBUTES: [slug: string, name: string, type: AttributeType][] = [
  ["email", "Email", "text"],
  ["firstname", "First name", "text"],
  ["lastname", "Last name", "text"],
  ["mobile", "Mobile", "text"],
];

const CUSTOM_ATTRIBUTES: [slug: string, name: string, type: AttributeType][] = [
  ["country", "Country", "text"],
  ["city", "City", "text"],
  ["postal_code", "Postal code", "text"],
  ["language", "Language", "text"],
  ["tags", "Tags", "text"],
  ["orders_count", "Orders count", "number"],
  ["amount_spent", "Amount spent", "decimal"],
  ["customer_since", "Customer since", "date"],
  ["last_order_date", "Last order date", "date"],
  ["accepts_marketing", "Accepts marketing", "boolean"],
  ["shopify_updated_at", "Shopify updated at", "timestamp"],
];

/** A stable stand-in for APSIS's random 10-character suffix. */
const suffix = (seed: string) => BigInt(`0x${createHash("md5").update(seed).digest("hex").slice(0, 15)}`).toString(36).padStart(10, "0").slice(0, 10);

function demoSection(discriminator: string, name: string, firstVersionId: number) {
  let versionId = firstVersionId;
  const custom = (kind: string, slug: string) => `usercreated.${kind}.${slug}-${suffix(`${discriminator}/${slug}`)}`;
  return {
    discriminator,
    name,
    attributes: [
      ...DEFAULT_ATTRIBUTES.map(([slug, label, type]) => ({ discriminator: `com.apsis1.attributes.${slug}`, name: label, type, versionId: String(versionId++) })),
      ...CUSTOM_ATTRIBUTES.map(([slug, label, type]) => ({ discriminator: custom("attributes", slug), name: label, type, versionId: String(versionId++) })),
    ],
    topics: [
      { discriminator: custom("topics", "newsletter"), name: "Newsletter", folderDiscriminator: custom("targets", "marketing") },
      { discriminator: custom("topics", "offers"), name: "Offers", folderDiscriminator: custom("targets", "marketing") },
      { discriminator: custom("topics", "sms_offers"), name: "SMS offers", folderDiscriminator: custom("targets", "marketing"), channel: "com.apsis1.channels.sms" as const },
    ],
    events: [{ discriminator: DEMO_APSIS.purchaseEvent, name: "Purchase", versionId: String(versionId++) }],
  };
}

export function demoApsisAccount(): ApsisSandboxAccountConfig {
  return {
    clientId: DEMO_APSIS.clientId,
    clientSecret: DEMO_APSIS.clientSecret,
    keyspaces: [
      { discriminator: DEMO_APSIS.shopifyKeyspace, name: "Shopify customer id" },
      { discriminator: DEMO_APSIS.emailKeyspace, name: "Email" },
    ],
    sections: [demoSection(DEMO_APSIS.globalSection, "Global", 9_820_001), demoSection(DEMO_APSIS.swedenSection, "Sweden", 9_830_001)],
  };
}
