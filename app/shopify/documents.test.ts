import { readFileSync } from "node:fs";
import {
  buildClientSchema,
  getNamedType,
  NoDeprecatedCustomRule,
  parse,
  specifiedRules,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type GraphQLSchema,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureAdminSchema } from "../../scripts/fetch-shopify-schema";
import * as documents from "./documents";

/**
 * SMS consent has no non-deprecated field in 2026-07 (documents.ts explains the choice); its state and its
 * consent time are the only deprecations allowed. The last test fails once the API version offers the successor, to force the switch.
 */
const ALLOWED_DEPRECATIONS = [/^The field CustomerPhoneNumber\.(marketingState|marketingUpdatedAt) is deprecated\./];

let schema: GraphQLSchema;
beforeAll(() => {
  schema = buildClientSchema(JSON.parse(readFileSync(ensureAdminSchema(), "utf8")).data);
});

/** Every document module export: strings are documents, functions build one (tried with and without a filter). */
function allDocuments(): [string, string][] {
  return Object.entries(documents).flatMap(([name, value]): [string, string][] =>
    typeof value === "function"
      ? [
          [`${name}()`, value()],
          [`${name}({query})`, value({ query: `updated_at:>='2026-01-01T00:00:00Z' AND email:"o'brien@example.com"` })],
        ]
      : [[name, value]],
  );
}

describe("GraphQL documents against the real Admin 2026-07 schema", () => {
  it("finds every document (the bulk builder included)", () => {
    expect(allDocuments().map(([name]) => name)).toEqual(
      expect.arrayContaining(["SHOP_QUERY", "CUSTOMERS_PAGE_QUERY", "CUSTOMER_QUERY", "CUSTOMERS_COUNT_QUERY", "buildBulkCustomersQuery()", "BULK_OPERATION_RUN_QUERY", "BULK_OPERATION_QUERY"]),
    );
  });

  it.each(allDocuments())("%s is valid and uses no deprecated field", (_name, source) => {
    const errors = validate(schema, parse(source), [...specifiedRules, NoDeprecatedCustomRule]).map((e) => e.message);
    expect(errors.filter((message) => !ALLOWED_DEPRECATIONS.some((allowed) => allowed.test(message)))).toEqual([]);
  });

  it("the bulk query has the bulk shape: one connection, no first/after, no nested connection", () => {
    const connections: string[] = [];
    const typeInfo = new TypeInfo(schema);
    visit(
      parse(documents.buildBulkCustomersQuery({ query: "tag:vip" })),
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const type = typeInfo.getType();
          if (type && getNamedType(type).name.endsWith("Connection")) connections.push(node.name.value);
          expect(node.arguments?.map((a) => a.name.value) ?? []).not.toContain("first");
        },
      }),
    );
    expect(connections).toEqual(["customers"]);
  });

  it("SMS consent still has no non-deprecated field in this version (switch to smsMarketingConsent when it does)", () => {
    const phone = schema.getType("CustomerPhoneNumber") as unknown as { getFields(): Record<string, { deprecationReason?: string | null }> };
    const fields = phone.getFields();
    expect(fields.smsMarketingConsent).toBeUndefined();
    expect(fields.marketingState.deprecationReason).toMatch(/smsMarketingConsent\.state/);
  });
});
