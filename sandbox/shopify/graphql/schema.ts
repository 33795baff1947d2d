/**
 * The real Admin API 2026-07 schema (Shopify's introspection, via scripts/fetch-shopify-schema.ts), built
 * once per process: about half a second, shared by every sandbox a test run starts.
 */
import { readFileSync } from "node:fs";
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from "graphql";
import { ensureAdminSchema } from "../../../scripts/fetch-shopify-schema";

export const ADMIN_API_VERSION = "2026-07";

let schema: GraphQLSchema | undefined;

export function adminSchema(): GraphQLSchema {
  if (!schema) {
    const introspection = JSON.parse(readFileSync(ensureAdminSchema(), "utf8")) as { data: IntrospectionQuery };
    schema = buildClientSchema(introspection.data);
  }
  return schema;
}
