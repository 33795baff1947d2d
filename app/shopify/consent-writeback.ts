/**
 * Writing an opt-out that came back from a destination to Shopify (docs/decisions/033-consent-write-back.md):
 * `customerEmailMarketingConsentUpdate` / `customerSmsMarketingConsentUpdate` (Admin API 2026-07, needs
 * `write_customers`). Only ever UNSUBSCRIBED: nothing here can opt anyone in. The consent time is the
 * destination's; Shopify's input has no free-text source (only a location id), so the source is the app's
 * record (ConsentWriteback) and the opt-in level is left as Shopify has it.
 */
import { z } from "zod";
import { EmailMarketingStateSchema, SmsMarketingStateSchema } from "./customer";
import { ShopifyGraphqlError } from "./errors";
import type { ShopifyGraphql } from "./graphql-client";
import { parseOrThrow } from "./parse";

export type MarketingChannel = "email" | "sms";

const CONSENT_QUERY = `#graphql
  query CustomerConsent($id: ID!) {
    customer(id: $id) {
      id
      defaultEmailAddress { marketingState marketingUpdatedAt }
      defaultPhoneNumber { marketingState marketingUpdatedAt }
    }
  }`;

const DateTime = z.iso.datetime({ offset: true });
const ConsentSchema = z.object({
  customer: z
    .object({
      id: z.string(),
      defaultEmailAddress: z.object({ marketingState: EmailMarketingStateSchema, marketingUpdatedAt: DateTime.nullable() }).nullable(),
      defaultPhoneNumber: z.object({ marketingState: SmsMarketingStateSchema, marketingUpdatedAt: DateTime.nullable() }).nullable(),
    })
    .nullable(),
});

/** A channel's consent in Shopify now: its state and when it last changed (null: no address on that channel). */
export type ShopifyChannelConsent = { state: string; updatedAt: string | null } | null;

/** The customer's email and SMS consent now, or null when Shopify no longer has the customer. */
export async function readCustomerConsent({ graphql, id }: { graphql: ShopifyGraphql; id: string }): Promise<Record<MarketingChannel, ShopifyChannelConsent> | null> {
  const { customer } = parseOrThrow({ schema: ConsentSchema, value: await graphql(CONSENT_QUERY, { variables: { id } }), path: "data" });
  if (!customer) return null;
  const of = (c: { marketingState: string; marketingUpdatedAt: string | null } | null) => c && { state: c.marketingState, updatedAt: c.marketingUpdatedAt };
  return { email: of(customer.defaultEmailAddress), sms: of(customer.defaultPhoneNumber) };
}

/** The mutation of each channel: its field, its input type and the input's consent field. */
const MUTATIONS: Record<MarketingChannel, { field: string; inputType: string; input: string }> = {
  email: { field: "customerEmailMarketingConsentUpdate", inputType: "CustomerEmailMarketingConsentUpdateInput", input: "emailMarketingConsent" },
  sms: { field: "customerSmsMarketingConsentUpdate", inputType: "CustomerSmsMarketingConsentUpdateInput", input: "smsMarketingConsent" },
};

const mutationOf = ({ field, inputType }: { field: string; inputType: string }) => `#graphql
  mutation WriteBackOptOut($input: ${inputType}!) {
    ${field}(input: $input) { customer { id } userErrors { field message code } }
  }`;

const UserErrorsSchema = z.array(z.object({ field: z.array(z.string()).nullable(), message: z.string(), code: z.string().nullable() }));

/**
 * Sets the customer's marketing consent on the channel to UNSUBSCRIBED, dated `consentAt`. Answers "written",
 * or Shopify's refusal (its userErrors, in words) for a refusal no retry can change; other failures throw.
 */
export async function writeUnsubscribed({ graphql, customerId, channel, consentAt }: {
  graphql: ShopifyGraphql;
  customerId: string;
  channel: MarketingChannel;
  consentAt: Date;
}): Promise<{ written: true } | { written: false; refusal: string }> {
  const mutation = MUTATIONS[channel];
  const { field, input } = mutation;
  const variables = { input: { customerId, [input]: { marketingState: "UNSUBSCRIBED", consentUpdatedAt: consentAt.toISOString() } } };
  const schema = z.object({ [field]: z.object({ customer: z.object({ id: z.string() }).nullable(), userErrors: UserErrorsSchema }) });
  const payload = parseOrThrow({ schema, value: await graphql(mutationOf(mutation), { variables }), path: "data" })[field];
  const errors = payload.userErrors;
  if (errors.some((e) => e.code === "INTERNAL_ERROR")) throw new ShopifyGraphqlError(errors.map((e) => e.message), errors.map((e) => e.code ?? undefined));
  if (errors.length) return { written: false, refusal: errors.map((e) => e.message).join("; ") };
  if (!payload.customer) return { written: false, refusal: "Shopify answered without the customer" };
  return { written: true };
}
