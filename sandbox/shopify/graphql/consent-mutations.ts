/**
 * `customerEmailMarketingConsentUpdate` and `customerSmsMarketingConsentUpdate`, as the Admin API 2026-07 schema
 * describes them (.cache/shopify/admin_2026-07.json; docs/decisions/033-consent-write-back.md):
 *
 * - [SEEN, schema] input `{customerId: ID!, emailMarketingConsent | smsMarketingConsent: {marketingState!,
 *   marketingOptInLevel, consentUpdatedAt, sourceLocationId}}`; payload `{customer, userErrors{field message code}}`,
 *   codes INCLUSION / INTERNAL_ERROR / INVALID / MISSING_ARGUMENT.
 * - [SEEN, schema] "Only three values are accepted as input: SUBSCRIBED, UNSUBSCRIBED, and PENDING. NOT_SUBSCRIBED,
 *   REDACTED, and INVALID cannot be set via this mutation"; "The customer must have an email address" (a phone
 *   number for SMS); a missing consentUpdatedAt means "the date and time when the consent information was sent".
 * - [INFERRED] the userErrors' exact messages and fields, that a customer of another shop is "not found", that a
 *   consentUpdatedAt in the future is refused (INVALID), and that Shopify writes (and sends the consent webhooks)
 *   even when the state is unchanged: the app must not depend on a no-op, so the sandbox never gives one.
 * - Needs `write_customers` (ACCESS_DENIED otherwise), as every customer write.
 *
 * A write changes the customer (its consent, its time, `updatedAt`) and, once the reply is sent, the sandbox
 * delivers customers/update and the channel's consent topic, as for an edit in the admin (routes/customers.ts).
 */
import type { MarketingOptInLevel } from "../customer";
import { accessDenied } from "./errors";
import type { GraphqlContext } from "./resolvers";
import { customerView } from "./views";

type ConsentInput = {
  marketingState: string;
  marketingOptInLevel?: MarketingOptInLevel | null;
  consentUpdatedAt?: string | null;
  sourceLocationId?: string | null;
};
type UserError = { field: string[]; message: string; code: "INVALID" | "INCLUSION" | "MISSING_ARGUMENT" };

const SETTABLE = ["SUBSCRIBED", "UNSUBSCRIBED", "PENDING"] as const;
type Settable = (typeof SETTABLE)[number];

function update(channel: "email" | "sms", customerId: string, consent: ConsentInput, context: GraphqlContext) {
  const name = channel === "email" ? "customerEmailMarketingConsentUpdate" : "customerSmsMarketingConsentUpdate";
  if (!context.scopes.has("write_customers")) throw accessDenied(name, "write_customers");
  const field = channel === "email" ? "emailMarketingConsent" : "smsMarketingConsent";
  const refuse = (error: UserError) => ({ customer: null, userErrors: [error] });
  const { store } = context.runtime;
  const id = /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(customerId)?.[1];
  const customer = id ? store.getCustomer(Number(id)) : null;
  if (!customer) return refuse({ field: ["input", "customerId"], message: "Customer not found", code: "INVALID" });
  if (!(SETTABLE as readonly string[]).includes(consent.marketingState)) {
    return refuse({ field: ["input", field, "marketingState"], message: `Marketing state ${consent.marketingState} cannot be set: use SUBSCRIBED, UNSUBSCRIBED or PENDING`, code: "INCLUSION" });
  }
  const now = store.clock();
  let at = now;
  if (consent.consentUpdatedAt != null) {
    at = Date.parse(consent.consentUpdatedAt);
    if (Number.isNaN(at)) return refuse({ field: ["input", field, "consentUpdatedAt"], message: "Consent updated at is invalid", code: "INVALID" });
    if (at > now) return refuse({ field: ["input", field, "consentUpdatedAt"], message: "Consent updated at cannot be in the future", code: "INVALID" });
  }
  const state = consent.marketingState as Settable;
  const when = new Date(Math.floor(at / 1000) * 1000).toISOString().replace(".000Z", "Z");
  const optInLevel = consent.marketingOptInLevel ?? null;
  if (channel === "email") {
    if (!customer.email) return refuse({ field: ["input", field], message: "Customer must have an email address", code: "INVALID" });
    store.updateCustomer(customer.id, { email: { ...customer.email, marketingState: state, marketingOptInLevel: optInLevel ?? customer.email.marketingOptInLevel, marketingUpdatedAt: when } });
  } else {
    if (!customer.phone) return refuse({ field: ["input", field], message: "Customer must have a phone number", code: "INVALID" });
    store.updateCustomer(customer.id, {
      phone: { ...customer.phone, marketingState: state, marketingOptInLevel: optInLevel ?? customer.phone.marketingOptInLevel, marketingUpdatedAt: when, marketingCollectedFrom: "OTHER" },
    });
  }
  context.consentChanged?.(customer.id, channel);
  return { customer: customerView(store.getCustomer(customer.id)!, store), userErrors: [] };
}

export const consentMutations = {
  customerEmailMarketingConsentUpdate: ({ input }: { input: { customerId: string; emailMarketingConsent: ConsentInput } }, context: GraphqlContext) =>
    update("email", input.customerId, input.emailMarketingConsent, context),
  customerSmsMarketingConsentUpdate: ({ input }: { input: { customerId: string; smsMarketingConsent: ConsentInput } }, context: GraphqlContext) =>
    update("sms", input.customerId, input.smsMarketingConsent, context),
};
