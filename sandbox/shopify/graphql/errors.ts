/**
 * GraphQL errors shaped like Shopify's: `{message, locations, path, extensions: {code, …}}`. Shopify runs
 * graphql-ruby, whose validation errors carry codes such as `undefinedField`; graphql-js has the same rules
 * but no codes, so each failing rule is mapped to graphql-ruby's code. Messages stay graphql-js's wording.
 */
import { type DocumentNode, GraphQLError, type GraphQLSchema, specifiedRules, validate, type ValidationRule } from "graphql";

export function shopifyError(message: string, code: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export function accessDenied(field: string, scope: string): GraphQLError {
  return shopifyError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, "ACCESS_DENIED", {
    documentation: "https://shopify.dev/api/usage/access-scopes",
    requiredAccess: `\`${scope}\` access scope.`,
  });
}

const RUBY_CODES: Record<string, string> = {
  FieldsOnCorrectTypeRule: "undefinedField",
  KnownArgumentNamesRule: "argumentNotAccepted",
  ProvidedRequiredArgumentsRule: "missingRequiredArguments",
  KnownTypeNamesRule: "undefinedType",
  ScalarLeafsRule: "selectionMismatch",
  NoUnusedVariablesRule: "variableNotUsed",
  NoUndefinedVariablesRule: "variableNotDefined",
  VariablesInAllowedPositionRule: "variableMismatch",
  ValuesOfCorrectTypeRule: "argumentLiteralsIncompatible",
  KnownDirectivesRule: "undefinedDirective",
  KnownFragmentNamesRule: "useAndDefineFragment",
  NoUnusedFragmentsRule: "useAndDefineFragment",
  OverlappingFieldsCanBeMergedRule: "fieldConflict",
  UniqueArgumentNamesRule: "argumentNotUnique",
  UniqueOperationNamesRule: "operationNotUnique",
  LoneAnonymousOperationRule: "anonymousOperationNotAlone",
};

/** Validates with graphql-js's standard rules; on failure, re-runs rule by rule to attach Shopify's codes. */
export function validateLikeShopify(schema: GraphQLSchema, document: DocumentNode): GraphQLError[] {
  const errors = validate(schema, document);
  if (errors.length === 0) return [];
  const codes = new Map<string, string>();
  for (const rule of specifiedRules as readonly ValidationRule[]) {
    for (const error of validate(schema, document, [rule])) {
      codes.set(error.message, RUBY_CODES[rule.name] ?? "validationFailed");
    }
  }
  return errors.map(
    (error) =>
      new GraphQLError(error.message, {
        nodes: error.nodes,
        extensions: { code: codes.get(error.message) ?? "validationFailed" },
      }),
  );
}
