import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { actualQueryCost, requestedQueryCost } from "./cost";
import { fragmentsOf } from "./run";
import { adminSchema } from "./schema";

function costs(query: string, variables: Record<string, unknown> = {}, data?: unknown) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === "OperationDefinition")!;
  const walk = { schema: adminSchema(), fragments: fragmentsOf(document), variables };
  return {
    requested: requestedQueryCost(walk, operation as never),
    actual: data === undefined ? undefined : actualQueryCost(walk, operation as never, data),
  };
}

describe("query cost", () => {
  it("prices objects at 1 and scalars at 0", () => {
    expect(costs("{ shop { name ianaTimezone } }").requested).toBe(1);
    expect(costs("{ shop { name primaryDomain { host } } }").requested).toBe(2);
  });

  it("prices Shopify's documented example like Shopify (3)", () => {
    expect(costs("{ products(first: 1) { edges { node { title } } } }").requested).toBe(3);
  });

  it("multiplies connections by their page size, nested ones too, through fragments and variables", () => {
    expect(costs("{ customers(first: 10) { nodes { id orders(first: 5) { nodes { id } } } } }").requested).toBe(2 + 10 * (1 + 2 + 5));
    const query = `query($n: Int!) { customers(first: $n) { ...Page } }
      fragment Page on CustomerConnection { edges { cursor node { id defaultAddress { city } } } pageInfo { hasNextPage } }`;
    expect(costs(query, { n: 3 }).requested).toBe(2 + 3 * 2);
  });

  it("charges 10 per mutation field", () => {
    expect(costs('mutation { bulkOperationRunQuery(query: "{ customers { nodes { id } } }") { bulkOperation { id } userErrors { message } } }').requested).toBe(10);
  });

  it("prices the actual cost on what came back", () => {
    const data = { customers: { nodes: [{ id: "1", defaultAddress: { city: "A" } }, { id: "2", defaultAddress: null }] } };
    expect(costs("{ customers(first: 50) { nodes { id defaultAddress { city } } } }", {}, data)).toEqual({ requested: 2 + 50 * 2, actual: 2 + 2 + 1 });
  });
});
