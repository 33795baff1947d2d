/**
 * Query cost, after shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits. The sandbox's rules:
 *  - scalars and enums 0; an object 1 plus its selection; introspection fields 0;
 *  - a connection (a `…Connection` type) 2, plus `first`/`last` × the cost of one node (1 plus the node's
 *    selection); `pageInfo` and the edge wrappers are included in the 2 (Shopify's reference prices
 *    `products(first: 1) { edges { node { title } } }` at 3); with both `edges { node }` and `nodes`
 *    selected, the dearer of the two counts, not both;
 *  - a plain list of objects costs like one object (its length is unknown before running);
 *  - an interface or union: the most expensive of the possible selections;
 *  - a mutation: 10 per root field, whatever it selects.
 * The actual cost walks the result instead: connections count the nodes returned, nulls cost nothing.
 */
import {
  type FieldNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type GraphQLCompositeType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

type Walk = {
  schema: GraphQLSchema;
  fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  variables: Readonly<Record<string, unknown>>;
};

/** Stands for "no result yet": the requested cost. */
const REQUESTED = Symbol("requested");
type Data = unknown;

const MUTATION_FIELD_COST = 10;

export function requestedQueryCost(walk: Walk, operation: OperationDefinitionNode): number {
  return operationCost(walk, operation, REQUESTED);
}

export function actualQueryCost(walk: Walk, operation: OperationDefinitionNode, data: Data): number {
  return operationCost(walk, operation, data ?? null);
}

function operationCost(walk: Walk, operation: OperationDefinitionNode, data: Data): number {
  if (operation.operation === "mutation") {
    const root = walk.schema.getMutationType()!;
    return collectFields(walk, root, root, operation.selectionSet).filter((f) => !f.name.value.startsWith("__")).length * MUTATION_FIELD_COST;
  }
  return selectionCost(walk, walk.schema.getQueryType()!, operation.selectionSet, data);
}

function selectionCost(walk: Walk, type: GraphQLCompositeType, selectionSet: SelectionSetNode, data: Data): number {
  if (data === null) return 0;
  const candidates = isAbstractType(type) ? referencedTypes(walk, type, selectionSet) : [type];
  return Math.max(
    0,
    ...candidates.map((objectType) =>
      collectFields(walk, objectType, type, selectionSet).reduce((sum, field) => sum + fieldCost(walk, objectType, field, data), 0),
    ),
  );
}

function fieldCost(walk: Walk, parent: GraphQLObjectType, field: FieldNode, parentData: Data): number {
  const name = field.name.value;
  const definition = parent.getFields()[name];
  if (name.startsWith("__") || !definition || !field.selectionSet) return 0;
  const namedType = getNamedType(definition.type);
  if (isLeafType(namedType)) return 0;
  const value = parentData === REQUESTED ? REQUESTED : (parentData as Record<string, unknown>)[field.alias?.value ?? name];
  if (value === null || value === undefined) return 0;

  if (isObjectType(namedType) && namedType.name.endsWith("Connection")) {
    const args = getArgumentValues(definition, field, walk.variables as Record<string, unknown>);
    return 2 + connectionNodesCost(walk, namedType, field.selectionSet, value, Number(args.first ?? args.last ?? 0));
  }
  const nullable = isNonNullType(definition.type) ? definition.type.ofType : definition.type;
  if (isListType(nullable) && value !== REQUESTED) {
    return (value as Data[]).reduce<number>((sum, item) => sum + (item === null ? 0 : 1 + selectionCost(walk, namedType, field.selectionSet!, item)), 0);
  }
  return 1 + selectionCost(walk, namedType, field.selectionSet, value);
}

/** The nodes of a connection, reached through `nodes` and through `edges { node }`; the dearer path counts. */
function connectionNodesCost(walk: Walk, connection: GraphQLObjectType, selectionSet: SelectionSetNode, data: Data, size: number): number {
  const paths: number[] = [];
  for (const field of collectFields(walk, connection, connection, selectionSet)) {
    const key = field.alias?.value ?? field.name.value;
    const listData = data === REQUESTED ? REQUESTED : ((data as Record<string, unknown>)[key] as Data[] | null);
    if (field.name.value === "nodes" && field.selectionSet) {
      const nodeType = getNamedType(connection.getFields().nodes.type) as GraphQLCompositeType;
      paths.push(nodesCost(listData, size, (node) => 1 + selectionCost(walk, nodeType, field.selectionSet!, node)));
    }
    if (field.name.value === "edges" && field.selectionSet) {
      const edgeType = getNamedType(connection.getFields().edges.type) as GraphQLObjectType;
      for (const edgeField of collectFields(walk, edgeType, edgeType, field.selectionSet)) {
        if (edgeField.name.value !== "node" || !edgeField.selectionSet) continue;
        const nodeType = getNamedType(edgeType.getFields().node.type) as GraphQLCompositeType;
        const nodeKey = edgeField.alias?.value ?? "node";
        paths.push(
          nodesCost(listData, size, (edge) =>
            1 + selectionCost(walk, nodeType, edgeField.selectionSet!, edge === REQUESTED ? REQUESTED : (edge as Record<string, Data>)[nodeKey]),
          ),
        );
      }
    }
  }
  return Math.max(0, ...paths);
}

function nodesCost(list: Data[] | null | typeof REQUESTED, size: number, each: (item: Data) => number): number {
  if (list === REQUESTED) return size * each(REQUESTED);
  return (list ?? []).reduce<number>((sum, item) => sum + (item === null ? 0 : each(item)), 0);
}

/** For an interface or union: the object types its fragments name (or its first implementation). */
function referencedTypes(walk: Walk, abstract: GraphQLCompositeType, selectionSet: SelectionSetNode): GraphQLObjectType[] {
  const possible = isAbstractType(abstract) ? walk.schema.getPossibleTypes(abstract) : [];
  const named = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (selection.typeCondition) named.add(selection.typeCondition.name.value);
        visit(selection.selectionSet);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = walk.fragments[selection.name.value];
        if (fragment) {
          named.add(fragment.typeCondition.name.value);
          visit(fragment.selectionSet);
        }
      }
    }
  };
  visit(selectionSet);
  const chosen = possible.filter((type) => named.has(type.name));
  return chosen.length ? chosen : possible.slice(0, 1);
}

/** The fields that apply to `objectType`, through fragments, honouring @skip and @include. */
function collectFields(walk: Walk, objectType: GraphQLObjectType, parent: GraphQLCompositeType, selectionSet: SelectionSetNode): FieldNode[] {
  const fields: FieldNode[] = [];
  const applies = (condition: string | undefined) => {
    if (!condition || condition === objectType.name || condition === parent.name) return true;
    const conditionType = walk.schema.getType(condition);
    return isAbstractType(conditionType) && walk.schema.isSubType(conditionType, objectType);
  };
  const included = (node: FieldNode | SelectionSetNode["selections"][number]) =>
    !(getDirectiveValues(GraphQLSkipDirective, node, walk.variables as Record<string, unknown>)?.if === true) &&
    getDirectiveValues(GraphQLIncludeDirective, node, walk.variables as Record<string, unknown>)?.if !== false;
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (applies(selection.typeCondition?.name.value)) visit(selection.selectionSet);
      } else {
        const fragment = walk.fragments[selection.name.value];
        if (fragment && applies(fragment.typeCondition.name.value)) visit(fragment.selectionSet);
      }
    }
  };
  visit(selectionSet);
  return fields;
}
