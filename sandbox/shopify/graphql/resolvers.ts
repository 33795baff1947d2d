/**
 * Field resolvers over the sandbox's data. Root fields the app uses are implemented; every other field of
 * the real schema resolves to what its source object holds, else to null when nullable, else to a neutral
 * value of its type (so an unmodelled field never crashes a query). Mutations the sandbox does not simulate
 * fail with an error naming them instead: a write that silently does nothing would hide bugs.
 */
import {
  type GraphQLAbstractType,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLTypeResolver,
  isEnumType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { randomUUID } from "node:crypto";
import { customerGid, displayName, type SandboxCustomer, toShopifyDateTime } from "../customer";
import type { ShopRuntime } from "../shop-runtime";
import type { BulkOperationRecord } from "../bulk/bulk-operations";
import { consentMutations } from "./consent-mutations";
import { connection, type Cursor, decodeCursor, type Page, type PageArgs, pageSize, slicePage, takePage } from "./connection";
import { type CustomerSearch, compileCustomerSearch } from "./customer-search";
import { accessDenied, shopifyError } from "./errors";
import { compileSegmentQuery, SegmentQueryError } from "./segment-query";
import { compileSearch, numberField, parseSearchQuery, SearchQueryError, textField, timeField, type TimeContext } from "./search-query";
import { bulkOperationView, customerView, segmentMemberView, shopView } from "./views";

export type GraphqlContext = {
  runtime: ShopRuntime;
  scopes: ReadonlySet<string>;
  /** Set by the bulk runner: `customers` then answers with this batch and ignores paging. */
  bulkBatch?: readonly SandboxCustomer[];
  /** Told of every consent a mutation changed (routes/graphql.ts sends the webhooks once the reply is out). */
  consentChanged?: (customerId: number, channel: "email" | "sms") => void;
};

type Resolver<Args = Record<string, unknown>> = (args: Args, context: GraphqlContext, info: GraphQLResolveInfo) => unknown;
type CustomersArgs = PageArgs & { query?: string | null; sortKey?: CustomerSortKey };
type CustomerSortKey = "ID" | "RELEVANCE" | "CREATED_AT" | "UPDATED_AT" | "NAME" | "LOCATION";
type SegmentMembersArgs = PageArgs & { query?: string | null; segmentId?: string | null; queryId?: string | null; sortKey?: string | null; timezone?: string | null };

/** The schema's description of customerSegmentMembers: "The maximum page size is 1000." */
const SEGMENT_MEMBERS_MAX_PAGE_SIZE = 1000;

export const queryRoot: Record<string, Resolver<never>> = {
  shop: (_args: unknown, { runtime }: GraphqlContext) => shopView(runtime.store),

  customers: (args: CustomersArgs, context: GraphqlContext) => {
    requireScope(context, "customers", "read_customers");
    const { store } = context.runtime;
    const view = (customer: SandboxCustomer) => customerView(customer, store);
    const sortKey = args.sortKey ?? "ID";
    const cursorOf = (customer: SandboxCustomer): Cursor => ({ last_id: customer.id, last_value: sortValue(customer, sortKey) });
    if (context.bulkBatch) return connection({ items: [...context.bulkBatch], hasNextPage: false, hasPreviousPage: false }, cursorOf, view);
    const size = pageSize("customers", args);
    const search = customerSearch(args.query, context);
    return connection(customersPage(context.runtime, search, args, sortKey, size), cursorOf, view);
  },

  customer: ({ id }: { id: string }, context: GraphqlContext) => {
    requireScope(context, "customer", "read_customers");
    const customer = context.runtime.store.getCustomer(parseGid(id, "Customer"));
    return customer && customerView(customer, context.runtime.store);
  },

  customersCount: ({ query, limit }: { query?: string | null; limit: number | null }, context: GraphqlContext) => {
    requireScope(context, "customersCount", "read_customers");
    const { store } = context.runtime;
    const cap = limit ?? Infinity;
    let count = 0;
    if (!query) count = store.count();
    else {
      const search = customerSearch(query, context);
      for (const customer of store.customers({ afterId: search.idAfter, beforeId: search.idBefore })) {
        if (search.matches(customer) && ++count > cap) break;
      }
    }
    return count > cap ? { count: cap, precision: "AT_LEAST" } : { count, precision: "EXACT" };
  },

  /**
   * Customers matching a segment query (segment-query.ts), in id order, with the total. Members carry the
   * customer's fields; their id is `gid://shopify/CustomerSegmentMember/{customer id}`. Saved segments
   * (`segmentId`), member queries (`queryId`), sorting and backward paging are not simulated (refused).
   */
  customerSegmentMembers: (args: SegmentMembersArgs, context: GraphqlContext) => {
    requireScope(context, "customerSegmentMembers", "read_customers");
    const unsimulated = (["segmentId", "queryId", "sortKey", "last", "before", "timezone"] as const).find((name) => args[name] != null) ?? (args.reverse ? "reverse" : null);
    if (unsimulated) throw shopifyError(`The Shopify sandbox does not simulate the argument '${unsimulated}' of customerSegmentMembers.`, "NOT_SIMULATED");
    if (!args.query) throw shopifyError("customerSegmentMembers needs a query (saved segments are not simulated).", "NOT_SIMULATED");
    let matches: (customer: SandboxCustomer) => boolean;
    try {
      matches = compileSegmentQuery(args.query);
    } catch (error) {
      if (error instanceof SegmentQueryError) throw shopifyError(error.message, "INVALID_SEGMENT_QUERY");
      throw error;
    }
    const { store } = context.runtime;
    const size = pageSize("customerSegmentMembers", args, SEGMENT_MEMBERS_MAX_PAGE_SIZE);
    const afterId = args.after ? decodeCursor(args.after).last_id : undefined;
    const page = takePage(filter(store.customers({ afterId }), matches), size, Boolean(args.after));
    return {
      ...connection(page, (c) => ({ last_id: c.id, last_value: c.id }), (c) => segmentMemberView(c, store)),
      totalCount: () => {
        let count = 0;
        for (const customer of store.customers()) if (matches(customer)) count++;
        return count;
      },
    };
  },

  node: ({ id }: { id: string }, context: GraphqlContext) => nodeById(id, context),
  nodes: ({ ids }: { ids: string[] }, context: GraphqlContext) => ids.map((id) => nodeById(id, context)),

  bulkOperation: ({ id }: { id: string }, { runtime }: GraphqlContext) => {
    const operation = runtime.bulk.get(parseGid(id, "BulkOperation"));
    return operation && bulkOperationView(operation);
  },

  bulkOperations: (args: PageArgs & { query?: string | null; sortKey: "CREATED_AT" | "COMPLETED_AT" }, { runtime }: GraphqlContext) => {
    const size = pageSize("bulkOperations", args);
    const matches = withSearchErrors(() => compileSearch(parseSearchQuery(args.query ?? ""), bulkOperationFields(timeOf(runtime))));
    const key = (op: BulkOperationRecord) => (args.sortKey === "COMPLETED_AT" ? (op.completedAt ?? "") : op.createdAt);
    const sorted = runtime.bulk.list().filter(matches).sort((a, b) => key(a).localeCompare(key(b)) || a.numericId - b.numericId);
    if (args.reverse) sorted.reverse();
    const direction = args.reverse ? -1 : 1;
    const page = slicePage(sorted, args, size, (op, cursor) => direction * (key(op).localeCompare(String(cursor.last_value)) || op.numericId - cursor.last_id));
    return connection(page, (op) => ({ last_id: op.numericId, last_value: key(op) }), bulkOperationView);
  },

  currentBulkOperation: ({ type }: { type: "QUERY" | "MUTATION" }, { runtime }: GraphqlContext) => {
    const latest = runtime.bulk.list().filter((op) => op.type === type).at(-1);
    return latest ? bulkOperationView(latest) : null;
  },
};

export const mutationRoot: Record<string, Resolver<never>> = {
  ...consentMutations,
  bulkOperationRunQuery: ({ query }: { query: string; groupObjects: boolean }, context: GraphqlContext) => {
    const result = context.runtime.bulk.start(query, context.scopes);
    return { bulkOperation: result.operation && bulkOperationView(result.operation), userErrors: result.userErrors };
  },
  /**
   * customerMerge (scope write_customer_merge [SEEN: the merge docs' read_customer_merge / write_customer_merge
   * pair]): merges at once (SandboxStore.mergeCustomers) and answers the kept customer; Shopify's job then
   * delivers customers/merge. A blocked merge answers userErrors as the schema's CustomerMergeErrorCode names them.
   */
  customerMerge: ({ customerOneId, customerTwoId }: { customerOneId: string; customerTwoId: string }, context: GraphqlContext) => {
    if (!context.scopes.has("write_customer_merge")) throw accessDenied("customerMerge", "write_customer_merge");
    const { store } = context.runtime;
    const one = /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(customerOneId)?.[1];
    const two = /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(customerTwoId)?.[1];
    const invalid = (field: string, message: string) => ({ job: null, resultingCustomerId: null, userErrors: [{ code: "INVALID_CUSTOMER_ID", field: [field], message }] });
    if (!one || !store.getCustomer(one)) return invalid("customerOneId", "Customer one is invalid.");
    if (!two || !store.getCustomer(two)) return invalid("customerTwoId", "Customer two is invalid.");
    if (one === two) return invalid("customerTwoId", "A customer cannot be merged with itself.");
    const { kept, deleted } = store.mergeCustomers(one, two);
    context.runtime.onCustomersMerged({ keptId: kept.id, deletedId: deleted.id });
    return { job: { id: `gid://shopify/Job/${randomUUID()}`, done: false }, resultingCustomerId: customerGid(kept.id), userErrors: [] };
  },
  bulkOperationCancel: ({ id }: { id: string }, { runtime }: GraphqlContext) => {
    const result = runtime.bulk.cancel(parseGid(id, "BulkOperation"));
    return { bulkOperation: result.operation && bulkOperationView(result.operation), userErrors: result.userErrors };
  },
};

/** Sort keys: ID and RELEVANCE (with no free text, Shopify's relevance order is the id order) stream. */
function customersPage(runtime: ShopRuntime, search: CustomerSearch, args: CustomersArgs, sortKey: CustomerSortKey, size: number): Page<SandboxCustomer> {
  const { store } = runtime;
  const reverse = Boolean(args.reverse);
  if ((sortKey === "ID" || sortKey === "RELEVANCE") && args.first != null && !args.before) {
    // Streams from the cursor: cheap even at the end of a 1M-customer store.
    const cursorId = args.after ? decodeCursor(args.after).last_id : undefined;
    const bounds = reverse
      ? { afterId: search.idAfter, beforeId: Math.min(cursorId ?? Infinity, search.idBefore ?? Infinity), reverse }
      : { afterId: Math.max(cursorId ?? -Infinity, search.idAfter ?? -Infinity), beforeId: search.idBefore };
    return takePage(filter(store.customers(bounds), search.matches), size, Boolean(args.after));
  }
  // Any other order: sort the matching keys (not the customers, which may be a million), then fetch the page.
  const keys: { id: number; value: string | number }[] = [];
  for (const customer of store.customers({ afterId: search.idAfter, beforeId: search.idBefore })) {
    if (search.matches(customer)) keys.push({ id: customer.id, value: sortValue(customer, sortKey) });
  }
  const direction = reverse ? -1 : 1;
  const compare = (a: { id: number; value: string | number }, b: { id: number; value: string | number }) =>
    direction * (a.value < b.value ? -1 : a.value > b.value ? 1 : a.id - b.id);
  keys.sort(compare);
  const page = slicePage(keys, args, size, (key, cursor) => compare(key, { id: cursor.last_id, value: cursor.last_value }));
  return { ...page, items: page.items.map((key) => store.getCustomer(key.id)!) };
}

function sortValue(customer: SandboxCustomer, sortKey: CustomerSortKey): string | number {
  switch (sortKey) {
    case "UPDATED_AT":
      return customer.updatedAt;
    case "CREATED_AT":
      return customer.createdAt;
    case "NAME":
      return displayName(customer).toLowerCase();
    case "LOCATION":
      return customer.address ? `${customer.address.country} ${customer.address.city}`.toLowerCase() : "";
    default:
      return customer.id;
  }
}

function* filter<T>(items: Iterable<T>, keep: (item: T) => boolean): Generator<T> {
  for (const item of items) if (keep(item)) yield item;
}

const timeOf = (runtime: ShopRuntime): TimeContext => ({ zone: runtime.store.ianaTimezone, nowMs: runtime.store.clock() });

function customerSearch(query: string | null | undefined, { runtime }: GraphqlContext): CustomerSearch {
  return withSearchErrors(() => compileCustomerSearch(query, timeOf(runtime)));
}

function withSearchErrors<T>(compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof SearchQueryError) throw shopifyError(error.message, error.code);
    throw error;
  }
}

function bulkOperationFields(time: TimeContext) {
  return {
    status: textField<BulkOperationRecord>((op) => op.status),
    operation_type: textField<BulkOperationRecord>((op) => op.type),
    created_at: timeField<BulkOperationRecord>((op) => op.createdAt, time),
    id: numberField<BulkOperationRecord>((op) => op.numericId, (text) => Number(/(\d+)$/.exec(text)?.[1])),
  };
}

/** `write_customers` includes `read_customers`, as in Shopify's scope model. */
function requireScope(context: GraphqlContext, field: string, scope: `read_${string}`): void {
  if (!context.scopes.has(scope) && !context.scopes.has(scope.replace("read_", "write_"))) throw accessDenied(field, scope);
}

function parseGid(id: string, type: string): number {
  const match = new RegExp(`^gid://shopify/${type}/(\\d+)$`).exec(id);
  if (!match) throw shopifyError(`Invalid id: ${id}`, "RESOURCE_NOT_FOUND");
  return Number(match[1]);
}

function nodeById(id: string, context: GraphqlContext) {
  const type = /^gid:\/\/shopify\/(\w+)\/\d+$/.exec(id)?.[1];
  if (type === "Customer") return queryRoot.customer({ id } as never, context, undefined as never);
  if (type === "BulkOperation") return queryRoot.bulkOperation({ id } as never, context, undefined as never);
  return null;
}

export const fieldResolver: GraphQLFieldResolver<unknown, GraphqlContext> = (source, args, context, info) => {
  const own = source !== null && typeof source === "object" && Object.hasOwn(source, info.fieldName) ? (source as Record<string, unknown>)[info.fieldName] : undefined;
  if (typeof own === "function") return (own as Resolver)(args, context, info);
  if (own !== undefined && !(own === null && isNonNullType(info.returnType))) return own;
  if (info.parentType === info.schema.getMutationType()) {
    throw shopifyError(`The Shopify sandbox does not simulate the mutation '${info.fieldName}'.`, "NOT_SIMULATED");
  }
  return neutralValue(info.returnType, info, context);
};

export const typeResolver: GraphQLTypeResolver<unknown, GraphqlContext> = (value, _context, info, abstractType: GraphQLAbstractType) =>
  (value as { __typename?: string } | null)?.__typename ?? info.schema.getPossibleTypes(abstractType)[0]?.name;

function neutralValue(type: GraphQLOutputType, info: GraphQLResolveInfo, { runtime }: GraphqlContext): unknown {
  if (!isNonNullType(type)) return null;
  const inner = type.ofType;
  if (isListType(inner)) return [];
  if (isEnumType(inner)) return inner.getValues()[0].value;
  if (!isScalarType(inner)) return {};
  switch (inner.name) {
    case "ID":
      return `gid://shopify/${info.parentType.name}/0`;
    case "Int":
    case "Float":
      return 0;
    case "Boolean":
      return false;
    case "DateTime":
      return toShopifyDateTime(runtime.store.clock());
    case "Date":
      return toShopifyDateTime(runtime.store.clock()).slice(0, 10);
    case "URL":
      return `https://${runtime.store.domain}/`;
    case "Decimal":
    case "Money":
      return "0.0";
    case "UnsignedInt64":
    case "BigInt":
      return "0";
    case "JSON":
      return {};
    default:
      return "";
  }
}
