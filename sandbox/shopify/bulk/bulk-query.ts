/**
 * Checks a `bulkOperationRunQuery` query the way Shopify documents it (shopify.dev/api/usage/bulk-operations/
 * queries): valid against the schema, at least one connection, at most 5 connections, at most 2 levels of
 * connection nesting, no variables. The sandbox runs bulk queries whose root field is `customers` only.
 * It also knows how to turn one executed result into JSONL lines: every connection node is its own line,
 * nested connection nodes come after their parent with `__parentId`, as in Shopify's files.
 */
import {
  type DocumentNode,
  type FieldNode,
  getArgumentValues,
  getNamedType,
  GraphQLError,
  type GraphQLObjectType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
} from "graphql";
import { validateLikeShopify } from "../graphql/errors";
import { adminSchema } from "../graphql/schema";
import { fragmentsOf } from "../graphql/run";

const MAX_CONNECTIONS = 5;
const MAX_CONNECTION_DEPTH = 2;

export type BulkQueryPlan = {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The response key of the root `customers` field. */
  rootKey: string;
  rootArgs: { query?: string | null; sortKey?: string; reverse?: boolean };
  /** How to reach the nodes of the root connection in a result, and where nested connections are. */
  nodes: ConnectionShape;
};

/** One connection in the selection: where its nodes are and which of their fields are connections. */
type ConnectionShape = { path: "nodes" | "edges"; listKey: string; nodeKey?: string; children: Map<string, ConnectionShape> };

export type PlanResult = { ok: true; plan: BulkQueryPlan } | { ok: false; message: string };

export function planBulkQuery(query: string): PlanResult {
  const invalid = (message: string): PlanResult => ({ ok: false, message: `Invalid bulk query: ${message}` });
  const schema = adminSchema();
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return invalid((error as GraphQLError).message);
  }
  const errors = validateLikeShopify(schema, document);
  if (errors.length) return invalid(errors[0].message);
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0].operation !== "query") return invalid("a bulk query must be exactly one query operation");
  const operation = operations[0];
  if (operation.variableDefinitions?.length) return invalid("bulk queries cannot declare variables");

  const fragments = fragmentsOf(document);
  const fieldsOf = (set: SelectionSetNode): FieldNode[] =>
    set.selections.flatMap((s) =>
      s.kind === Kind.FIELD ? [s] : fieldsOf(s.kind === Kind.INLINE_FRAGMENT ? s.selectionSet : fragments[s.name.value].selectionSet),
    );
  let connections = 0;
  let deepest = 0;
  let parentWithoutId = false;
  /** Returns the shape of the connection at `field`, counting it and the ones inside its nodes. */
  const shapeOf = (field: FieldNode, type: GraphQLObjectType, depth: number): ConnectionShape => {
    connections++;
    deepest = Math.max(deepest, depth);
    const within = fieldsOf(field.selectionSet!);
    const nodesField = within.find((f) => f.name.value === "nodes");
    const edgesField = within.find((f) => f.name.value === "edges");
    const nodeField = edgesField && fieldsOf(edgesField.selectionSet!).find((f) => f.name.value === "node");
    const nodeSelection = nodesField ?? nodeField;
    const shape: ConnectionShape = nodesField
      ? { path: "nodes", listKey: keyOf(nodesField), children: new Map() }
      : { path: "edges", listKey: edgesField ? keyOf(edgesField) : "edges", nodeKey: nodeField && keyOf(nodeField), children: new Map() };
    if (nodeSelection?.selectionSet) {
      const nodeType = getNamedType(type.getFields().nodes.type) as GraphQLObjectType;
      for (const child of fieldsOf(nodeSelection.selectionSet)) {
        const childType = isObjectType(nodeType) ? getNamedType(nodeType.getFields()[child.name.value]?.type) : undefined;
        if (isConnectionType(childType) && child.selectionSet) shape.children.set(keyOf(child), shapeOf(child, childType, depth + 1));
      }
      const selectsId = fieldsOf(nodeSelection.selectionSet).some((f) => f.name.value === "id" && !f.alias);
      if (shape.children.size > 0 && !selectsId) parentWithoutId = true;
    }
    return shape;
  };

  const roots = fieldsOf(operation.selectionSet).filter((f) => !f.name.value.startsWith("__"));
  const root = roots.find((f) => f.name.value === "customers");
  const queryRoot = schema.getQueryType()!;
  for (const field of roots) {
    const type = getNamedType(queryRoot.getFields()[field.name.value].type);
    if (isConnectionType(type) && field.selectionSet) shapeOf(field, type, 1);
  }
  if (connections === 0) return invalid("Bulk queries must contain at least one connection.");
  if (connections > MAX_CONNECTIONS) return invalid(`Bulk queries cannot contain more than ${MAX_CONNECTIONS} connections.`);
  if (deepest > MAX_CONNECTION_DEPTH) return invalid(`Bulk queries cannot contain connections with a nesting depth greater than ${MAX_CONNECTION_DEPTH}.`);
  // `__parentId` refers to the parent's `id`, so a node with nested connections must select it.
  if (parentWithoutId) return invalid("a node with nested connections must select its `id`.");
  if (!root || roots.length !== 1) return invalid("the Shopify sandbox runs bulk queries with a single root field, `customers`.");

  connections = 0;
  const nodes = shapeOf(root, getNamedType(queryRoot.getFields().customers.type) as GraphQLObjectType, 1);
  const rootArgs = getArgumentValues(queryRoot.getFields().customers, root, {}) as BulkQueryPlan["rootArgs"];
  if (rootArgs.sortKey && rootArgs.sortKey !== "ID") return invalid("the Shopify sandbox runs bulk queries in ID order only (no sortKey).");
  return { ok: true, plan: { document, operation, rootKey: keyOf(root), rootArgs, nodes } };
}

const keyOf = (field: FieldNode) => field.alias?.value ?? field.name.value;

function isConnectionType(type: unknown): type is GraphQLObjectType {
  return isObjectType(type) && type.name.endsWith("Connection");
}

type Json = Record<string, unknown>;

/**
 * The JSONL objects for one executed connection: each node (its nested connections removed), followed by the
 * nodes of those nested connections, each with `__parentId` (the parent's `id`).
 */
export function bulkLines(connectionData: Json, shape: ConnectionShape, onLine: (line: Json, isRoot: boolean) => void, parentId?: string): void {
  const list = (connectionData[shape.listKey] ?? []) as Json[];
  for (const item of list) {
    const node = shape.path === "nodes" ? item : (item[shape.nodeKey ?? "node"] as Json);
    const line: Json = { ...node };
    for (const key of shape.children.keys()) delete line[key];
    if (parentId !== undefined) line.__parentId = parentId;
    onLine(line, parentId === undefined);
    for (const [key, child] of shape.children) {
      if (node[key]) bulkLines(node[key] as Json, child, onLine, String(node.id));
    }
  }
}
