import { z } from "zod";
import { parseOrThrow } from "./parse";

/**
 * The customer node exactly as CUSTOMER_SELECTION asks for it (documents.ts). Every key must be present
 * (GraphQL always answers every selected field); nullable fields may be null. Nothing is coerced: a value
 * of the wrong type is a ShopifyMalformedDataError naming the field.
 */
const DateTime = z.iso.datetime({ offset: true });
// UnsignedInt64 is a JSON string in Shopify's answers; accept a plain integer too (graphql-js serialisers).
const UnsignedInt = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number).pipe(z.number().int().max(Number.MAX_SAFE_INTEGER));

export const EmailMarketingStateSchema = z.enum(["INVALID", "NOT_SUBSCRIBED", "PENDING", "SUBSCRIBED", "UNSUBSCRIBED"]);
export const SmsMarketingStateSchema = z.enum(["NOT_SUBSCRIBED", "PENDING", "REDACTED", "SUBSCRIBED", "UNSUBSCRIBED"]);
export const MarketingOptInLevelSchema = z.enum(["CONFIRMED_OPT_IN", "SINGLE_OPT_IN", "UNKNOWN"]);

export const CustomerNodeSchema = z.object({
  id: z.string().startsWith("gid://shopify/Customer/"),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  displayName: z.string(),
  defaultEmailAddress: z
    .object({
      emailAddress: z.string(),
      marketingState: EmailMarketingStateSchema,
      marketingOptInLevel: MarketingOptInLevelSchema.nullable(),
      marketingUpdatedAt: DateTime.nullable(),
    })
    .nullable(),
  defaultPhoneNumber: z.object({ phoneNumber: z.string(), marketingState: SmsMarketingStateSchema, marketingUpdatedAt: DateTime.nullable() }).nullable(),
  tags: z.array(z.string()),
  defaultAddress: z
    .object({
      city: z.string().nullable(),
      province: z.string().nullable(),
      provinceCode: z.string().nullable(),
      country: z.string().nullable(),
      countryCodeV2: z.string().regex(/^[A-Z]{2}$/).nullable(),
      zip: z.string().nullable(),
    })
    .nullable(),
  locale: z.string(),
  numberOfOrders: UnsignedInt,
  amountSpent: z.object({ amount: z.string().regex(/^-?\d+(\.\d+)?$/), currencyCode: z.string().regex(/^[A-Z]{3}$/) }),
  lastOrder: z.object({ id: z.string(), createdAt: DateTime }).nullable(),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export type EmailMarketingState = z.infer<typeof EmailMarketingStateSchema>;
export type SmsMarketingState = z.infer<typeof SmsMarketingStateSchema>;
export type MarketingOptInLevel = z.infer<typeof MarketingOptInLevelSchema>;

/** A Shopify customer as the sync sees it: flat, null where Shopify has nothing, timestamps as ISO 8601 strings. */
export type ShopifyCustomer = {
  /** The GID, e.g. gid://shopify/Customer/123: the profile's unique key at every destination. */
  id: string;
  /** The default email address, or null when the customer has none. */
  email: string | null;
  /** Null exactly when email is null. "Email subscribers only" means SUBSCRIBED and nothing else. */
  emailMarketingState: EmailMarketingState | null;
  emailMarketingOptInLevel: MarketingOptInLevel | null;
  emailMarketingUpdatedAt: string | null;
  /** E.164 as Shopify stores it, or null. */
  phone: string | null;
  /** Null exactly when phone is null. */
  smsMarketingState: SmsMarketingState | null;
  /** Shopify's SMS consent time (consentUpdatedAt), or null. */
  smsMarketingUpdatedAt: string | null;
  firstName: string | null;
  lastName: string | null;
  displayName: string;
  tags: string[];
  /** ISO 3166-1 alpha-2 of the default address. */
  countryCode: string | null;
  country: string | null;
  province: string | null;
  provinceCode: string | null;
  city: string | null;
  zip: string | null;
  /** The customer's locale, e.g. "en" or "sv-SE". */
  locale: string;
  numberOfOrders: number;
  /** Lifetime spend as Shopify's decimal string (never a float), in the shop's currency. */
  amountSpent: { amount: string; currencyCode: string };
  lastOrderAt: string | null;
  createdAt: string;
  updatedAt: string;
};

/** Validates one customer node; `path` (e.g. "customers.nodes[3]") prefixes the field named in the error. */
export function parseCustomer({ node, path }: { node: unknown; path: string }): ShopifyCustomer {
  const c = parseOrThrow({ schema: CustomerNodeSchema, value: node, path });
  const email = c.defaultEmailAddress;
  const address = c.defaultAddress;
  return {
    id: c.id,
    email: email?.emailAddress ?? null,
    emailMarketingState: email?.marketingState ?? null,
    emailMarketingOptInLevel: email?.marketingOptInLevel ?? null,
    emailMarketingUpdatedAt: email?.marketingUpdatedAt ?? null,
    phone: c.defaultPhoneNumber?.phoneNumber ?? null,
    smsMarketingState: c.defaultPhoneNumber?.marketingState ?? null,
    smsMarketingUpdatedAt: c.defaultPhoneNumber?.marketingUpdatedAt ?? null,
    firstName: c.firstName,
    lastName: c.lastName,
    displayName: c.displayName,
    tags: c.tags,
    countryCode: address?.countryCodeV2 ?? null,
    country: address?.country ?? null,
    province: address?.province ?? null,
    provinceCode: address?.provinceCode ?? null,
    city: address?.city ?? null,
    zip: address?.zip ?? null,
    locale: c.locale,
    numberOfOrders: c.numberOfOrders,
    amountSpent: c.amountSpent,
    lastOrderAt: c.lastOrder?.createdAt ?? null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}
