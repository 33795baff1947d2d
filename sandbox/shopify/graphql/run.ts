/**
 * One Admin GraphQL request, as Shopify answers it: parse, validate against the real schema, price it,
 * charge the shop's bucket, execute, refund the unused points. Every answer is HTTP 200 except a body
 * without a query (400), as on Shopify.
 */
import {
  type DocumentNode,
  executeSync,
  type ExecutionResult,
  type FragmentDefinitionNode,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
} from "graphql";
import type { ShopRuntime } from "../shop-runtime";
import { actualQueryCost, requestedQueryCost } from "./cost";
import { validateLikeShopify } from "./errors";
import { fieldResolver, type GraphqlContext, mutationRoot, queryRoot, typeResolver } from "./resolvers";
import { adminSchema } from "./schema";

const SINGLE_QUERY_MAX_COST = 1000;

export type GraphqlReply = { status: number; body: unknown };

export function runGraphql(
  runtime: ShopRuntime,
  params: Record<string, unknown> | null,
  scopes: ReadonlySet<string>,
  consentChanged?: GraphqlContext["consentChanged"],
): GraphqlReply {
  if (!params || typeof params.query !== "string" || !params.query.trim()) {
    return { status: 400, body: { errors: { query: "Required parameter missing or invalid" } } };
  }
  const schema = adminSchema();
  let document: DocumentNode;
  try {
    document = parse(params.query);
  } catch (error) {
    return ok({ errors: [(error as GraphQLError).toJSON()] });
  }
  const validationErrors = validateLikeShopify(schema, document);
  if (validationErrors.length) return ok({ errors: validationErrors.map((e) => e.toJSON()) });

  const operationName = typeof params.operationName === "string" ? params.operationName : undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName ? `No operation named "${operationName}"` : "An operation name is required when sending multiple operations.";
    return ok({ errors: [{ message }] });
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], (params.variables ?? {}) as Record<string, unknown>);
  if (coerced.errors) return ok({ errors: coerced.errors.map((e) => e.toJSON()) });

  const walk = { schema, fragments: fragmentsOf(document), variables: coerced.coerced };
  const requested = requestedQueryCost(walk, operation);
  const cost = (actual: number | null) => ({
    cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: runtime.bucket.status() },
  });
  if (requested > SINGLE_QUERY_MAX_COST) {
    return ok({ errors: [maxCostError(requested)], extensions: cost(null) });
  }
  if (!runtime.bucket.tryTake(requested)) {
    runtime.stats.throttled++;
    return ok({
      errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
      extensions: cost(null),
    });
  }
  const result = executeOperation(document, operation, coerced.coerced, { runtime, scopes, consentChanged });
  const actual = Math.min(requested, actualQueryCost(walk, operation, result.data));
  runtime.bucket.refund(requested - actual);
  return ok({ ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}), data: result.data ?? null, extensions: cost(actual) });
}

/** Also used by the bulk runner, so bulk output is exactly what the same query returns page by page. */
export function executeOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  context: GraphqlContext,
): ExecutionResult {
  return executeSync({
    schema: adminSchema(),
    document,
    operationName: operation.name?.value,
    rootValue: operation.operation === "mutation" ? mutationRoot : queryRoot,
    contextValue: context,
    variableValues: variables,
    fieldResolver,
    typeResolver,
  });
}

export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  return Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
}

function maxCostError(cost: number) {
  return {
    message:
      `Query cost is ${cost}, which exceeds the single query max cost limit (${SINGLE_QUERY_MAX_COST}).\n\n` +
      "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n" +
      "cost of a query is calculated.\n\n" +
      "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n" +
      "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n",
    extensions: { code: "MAX_COST_EXCEEDED", cost, maxCost: SINGLE_QUERY_MAX_COST },
  };
}

const ok = (body: unknown): GraphqlReply => ({ status: 200, body });
