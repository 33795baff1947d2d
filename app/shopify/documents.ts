/**
 * Every GraphQL document the app sends to the Admin API (2026-07). documents.test.ts validates every export
 * of this module (strings, and builders' output) against the real schema with NoDeprecatedCustomRule.
 *
 * SMS consent: in 2026-07 every field that carries it is deprecated. `Customer.smsMarketingConsent` points
 * to `defaultPhoneNumber.marketingState`, which in turn points to `defaultPhoneNumber.smsMarketingConsent.state`
 * — a field that first exists in 2026-10. We read `defaultPhoneNumber.marketingState` and `marketingUpdatedAt`
 * (the SMS consent time the consent guard needs; deprecated the same way, on the object the successor lives on)
 * until the app moves to 2026-10, where they become `smsMarketingConsent { state updatedAt }` (and the state
 * enum says NEVER_SUBSCRIBED instead of NOT_SUBSCRIBED).
 */

/** The fields of one customer; shared by the paged, single and bulk queries so they parse alike. */
const CUSTOMER_SELECTION = /* GraphQL */ `
  id
  firstName
  lastName
  displayName
  defaultEmailAddress { emailAddress marketingState marketingOptInLevel marketingUpdatedAt }
  defaultPhoneNumber { phoneNumber marketingState marketingUpdatedAt }
  tags
  defaultAddress { city province provinceCode country countryCodeV2 zip }
  locale
  numberOfOrders
  amountSpent { amount currencyCode }
  lastOrder { id createdAt }
  createdAt
  updatedAt
`;

const CUSTOMER_FRAGMENT = /* GraphQL */ `
  fragment SyncCustomer on Customer {${CUSTOMER_SELECTION}}
`;

export const SHOP_QUERY = /* GraphQL */ `
  query SyncShop {
    shop { name ianaTimezone currencyCode myshopifyDomain }
  }
`;

export const CUSTOMERS_PAGE_QUERY = /* GraphQL */ `
  query SyncCustomersPage($first: Int!, $after: String, $query: String, $sortKey: CustomerSortKeys) {
    customers(first: $first, after: $after, query: $query, sortKey: $sortKey) {
      pageInfo { hasNextPage endCursor }
      nodes { ...SyncCustomer }
    }
  }
  ${CUSTOMER_FRAGMENT}
`;

export const CUSTOMER_QUERY = /* GraphQL */ `
  query SyncCustomer($id: ID!) {
    customer(id: $id) { ...SyncCustomer }
  }
  ${CUSTOMER_FRAGMENT}
`;

export const CUSTOMERS_COUNT_QUERY = /* GraphQL */ `
  query SyncCustomersCount($query: String) {
    customersCount(query: $query, limit: null) { count precision }
  }
`;

/**
 * The query a bulk operation runs: no `first` (bulk reads everything) and no nested connection, so every
 * JSONL line is one customer and no `__parentId` lines exist. The filter is embedded as a GraphQL string
 * literal (JSON string syntax is valid GraphQL string syntax).
 */
export function buildBulkCustomersQuery({ query }: { query?: string } = {}) {
  const args = query ? `(query: ${JSON.stringify(query)})` : "";
  return /* GraphQL */ `
    {
      customers${args} {
        edges { node {${CUSTOMER_SELECTION}} }
      }
    }
  `;
}

export const BULK_OPERATION_RUN_QUERY = /* GraphQL */ `
  mutation SyncBulkOperationRunQuery($query: String!) {
    bulkOperationRunQuery(query: $query) {
      bulkOperation { id status }
      userErrors { field message code }
    }
  }
`;

export const BULK_OPERATION_QUERY = /* GraphQL */ `
  query SyncBulkOperation($id: ID!) {
    bulkOperation(id: $id) { id status errorCode objectCount url partialDataUrl }
  }
`;

/**
 * Customers by consent state, through Shopify's segment query language (`email_subscription_status =
 * 'SUBSCRIBED'` is the schema's own example): `customersCount` documents no consent filter (only created_at,
 * id and updated_at) and ignores a filter it does not support, counting every customer (consent-segments.ts).
 */
export const SEGMENT_MEMBERS_COUNT_QUERY = /* GraphQL */ `
  query AgreementSegmentCount($query: String!) {
    customerSegmentMembers(query: $query, first: 1) { totalCount }
  }
`;

export const SEGMENT_MEMBERS_PAGE_QUERY = /* GraphQL */ `
  query AgreementSegmentMembers($query: String!, $first: Int!, $after: String) {
    customerSegmentMembers(query: $query, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id defaultEmailAddress { marketingState marketingUpdatedAt } } }
    }
  }
`;

/**
 * Reconciliation (app/shopify/changed-customers.ts): ids and update times only, oldest change first. A node
 * costs about one point, so a page of 250 (the connection maximum) stays far below the 1,000-point cap.
 */
export const CHANGED_CUSTOMERS_QUERY = /* GraphQL */ `
  query ChangedCustomers($first: Int!, $after: String, $query: String!) {
    customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo { hasNextPage endCursor }
      nodes { id updatedAt }
    }
  }
`;
