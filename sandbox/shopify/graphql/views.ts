/**
 * GraphQL source objects: the sandbox's records as Admin API 2026-07 objects, keyed by schema field name.
 * Only what the sandbox knows is set; every other field falls back to a neutral value in resolvers.ts, so a
 * query for an unmodelled field still runs.
 */
import { DateTime } from "luxon";
import type { BulkOperationRecord } from "../bulk/bulk-operations";
import {
  addressId,
  customerGid,
  displayName,
  formatMoney,
  orderGid,
  type SandboxAddress,
  type SandboxCustomer,
  type SandboxOrderSummary,
} from "../customer";
import type { SandboxStore } from "../store";

const money = (cents: number, store: SandboxStore) => ({ amount: formatMoney(cents, "graphql"), currencyCode: store.currencyCode });
const EMAIL_FORMAT = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function customerView(customer: SandboxCustomer, store: SandboxStore) {
  const { email, phone } = customer;
  const address = customer.address && addressView(customer.id, customer.address);
  const unsubscribeUrl = `https://${store.domain}/account/unsubscribe?customer=${customer.id}`;
  return {
    __typename: "Customer",
    id: customerGid(customer.id),
    legacyResourceId: String(customer.id),
    firstName: customer.firstName,
    lastName: customer.lastName,
    displayName: displayName(customer),
    email: email?.address ?? null,
    phone: phone?.number ?? null,
    defaultEmailAddress: email && {
      emailAddress: email.address,
      marketingState: email.marketingState,
      marketingOptInLevel: email.marketingOptInLevel,
      marketingUpdatedAt: email.marketingUpdatedAt,
      marketingUnsubscribeUrl: unsubscribeUrl,
      openTrackingLevel: "UNKNOWN",
      openTrackingUrl: `https://${store.domain}/account/tracking?customer=${customer.id}`,
      sourceLocation: null,
      validFormat: EMAIL_FORMAT.test(email.address),
    },
    defaultPhoneNumber: phone && {
      phoneNumber: phone.number,
      marketingState: phone.marketingState,
      marketingOptInLevel: phone.marketingOptInLevel,
      marketingUpdatedAt: phone.marketingUpdatedAt,
      marketingCollectedFrom: phone.marketingCollectedFrom,
      sourceLocation: null,
    },
    // Deprecated since 2025-10 but still served: the legacy consent objects, from the same data.
    emailMarketingConsent: email && {
      marketingState: email.marketingState,
      marketingOptInLevel: email.marketingOptInLevel,
      consentUpdatedAt: email.marketingUpdatedAt,
      sourceLocation: null,
    },
    smsMarketingConsent: phone && {
      marketingState: phone.marketingState,
      marketingOptInLevel: phone.marketingOptInLevel,
      consentUpdatedAt: phone.marketingUpdatedAt,
      consentCollectedFrom: phone.marketingCollectedFrom,
      sourceLocation: null,
    },
    validEmailAddress: email !== null && EMAIL_FORMAT.test(email.address),
    unsubscribeUrl,
    tags: customer.tags,
    defaultAddress: address,
    addresses: address ? [address] : [],
    locale: customer.locale,
    numberOfOrders: String(customer.numberOfOrders),
    amountSpent: money(customer.amountSpentCents, store),
    lastOrder: customer.lastOrder && orderView(customer.lastOrder, store),
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    state: customer.state,
    verifiedEmail: customer.verifiedEmail,
    note: customer.note,
    taxExempt: false,
    taxExemptions: [],
    canDelete: customer.numberOfOrders === 0,
  };
}

/** A customer as a segment member: the customer's fields, under the member's own id (its number is the customer's). */
export function segmentMemberView(customer: SandboxCustomer, store: SandboxStore) {
  return {
    ...customerView(customer, store),
    __typename: "CustomerSegmentMember",
    id: `gid://shopify/CustomerSegmentMember/${customer.id}`,
    lastOrderId: customer.lastOrder && orderGid(customer.lastOrder.id),
  };
}

function addressView(customerId: number, address: SandboxAddress) {
  const name = [address.firstName, address.lastName].filter(Boolean).join(" ") || null;
  const area = [address.city, address.province && `${address.provinceCode ?? address.province} ${address.zip}`].filter(Boolean).join(", ");
  return {
    __typename: "MailingAddress",
    id: `gid://shopify/MailingAddress/${addressId(customerId)}?model_name=CustomerAddress`,
    firstName: address.firstName,
    lastName: address.lastName,
    name,
    company: address.company,
    address1: address.address1,
    address2: address.address2,
    city: address.city,
    province: address.province,
    provinceCode: address.provinceCode,
    country: address.country,
    countryCode: address.countryCode,
    countryCodeV2: address.countryCode,
    zip: address.zip,
    phone: address.phone,
    formattedArea: `${area}, ${address.country}`,
    formatted: ({ withName, withCompany }: { withName: boolean; withCompany: boolean }) =>
      [withName ? name : null, withCompany ? address.company : null, address.address1, address.address2, `${address.zip} ${address.city}`, address.country].filter(
        (line): line is string => Boolean(line),
      ),
    coordinatesValidated: false,
  };
}

function orderView(order: SandboxOrderSummary, store: SandboxStore) {
  return {
    __typename: "Order",
    id: orderGid(order.id),
    legacyResourceId: String(order.id),
    name: order.name,
    createdAt: order.createdAt,
    processedAt: order.createdAt,
    updatedAt: order.createdAt,
    currencyCode: store.currencyCode,
  };
}

export function shopView(store: SandboxStore) {
  const local = DateTime.fromMillis(store.clock(), { zone: store.ianaTimezone });
  return {
    __typename: "Shop",
    id: `gid://shopify/Shop/${store.shopId}`,
    name: store.name,
    myshopifyDomain: store.domain,
    url: `https://${store.domain}`,
    email: `owner@${store.domain}`,
    contactEmail: `owner@${store.domain}`,
    ianaTimezone: store.ianaTimezone,
    timezoneAbbreviation: local.offsetNameShort ?? "UTC",
    timezoneOffset: local.toFormat("ZZZ"),
    timezoneOffsetMinutes: local.offset,
    currencyCode: store.currencyCode,
    primaryDomain: { __typename: "Domain", id: `gid://shopify/Domain/${store.shopId}`, host: store.domain, url: `https://${store.domain}`, sslEnabled: true },
  };
}

export function bulkOperationView(operation: BulkOperationRecord) {
  return {
    __typename: "BulkOperation",
    id: operation.id,
    type: operation.type,
    status: operation.status,
    errorCode: operation.errorCode,
    query: operation.query,
    createdAt: operation.createdAt,
    completedAt: operation.completedAt,
    objectCount: String(operation.objectCount),
    rootObjectCount: String(operation.rootObjectCount),
    fileSize: operation.fileSize === null ? null : String(operation.fileSize),
    url: operation.url,
    partialDataUrl: null,
  };
}
