/**
 * The XML-RPC methods the sandbox serves, with Adestra's argument lists (docs/apis/adestra-api.md §4) and
 * faults. Other namespaces answer 202 and other methods 203, as Adestra does for names it does not know.
 */
import { FAULT } from "../../app/destinations/adestra/client/fault-codes";
import type { XmlRpcStruct, XmlRpcValue } from "../../app/destinations/adestra/client/xmlrpc";
import { type ArgsOf, isInt, type ParamSpec, parseArgs, parseOptions, type Struct } from "./args";
import type { ImportFault, ImportRunner } from "./contact-import";
import { SandboxFault } from "./faults";
import { type AccountData, type DedupeType, isEmail, MAX_FIELD_LENGTH, type SandboxContact, type SandboxList } from "./model";

export interface MethodContext {
  data: AccountData;
  imports: ImportRunner;
  importFault?: ImportFault;
}

type Method = (context: MethodContext, methodName: string, args: XmlRpcValue[]) => XmlRpcValue;

function method<const Spec extends readonly ParamSpec[]>(spec: Spec, run: (context: MethodContext, ...args: ArgsOf<Spec>) => XmlRpcValue): Method {
  return (context, methodName, args) => run(context, ...parseArgs(methodName, spec, args));
}

/** INFERRED: Adestra's default page size is not published; a small one shows callers that forget to page. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 250;
const DEDUPE_TYPES: readonly DedupeType[] = ["overwrite", "skip", "none"];

const NAMESPACES: Record<string, Record<string, Method>> = {
  coreTable: {
    all: method([], ({ data }) => [...data.tables.values()].map(({ id, name }) => ({ id, name }))),
    // table_columns as REST's GET /core_tables/{id} shows it (INFERRED for XML-RPC).
    get: method(["table_id:int"], ({ data }, tableId) => {
      const { id, name, fields } = data.table(tableId);
      return { id, name, table_columns: fields.map((field) => ({ name: field })) };
    }),
  },

  list: {
    all: method(["paging:struct?"], ({ data }, paging) => paginate([...data.lists.values()], paging).map(listStruct)),
    get: method(["list_id:int"], ({ data }, listId) => listStruct(data.list(listId))),
    search: method(["search_args:struct", "paging:struct?"], ({ data }, searchArgs, paging) => {
      const { table_id, workspace_id } = parseOptions("search_args", searchArgs, { table_id: "int", workspace_id: "int" });
      const lists = [...data.lists.values()].filter(
        (list) => (table_id === undefined || list.tableId === table_id) && (workspace_id === undefined || list.workspaceId === workspace_id),
      );
      return paginate(lists, paging).map(listStruct);
    }),
    create: method(["create_args:struct"], ({ data }, createArgs) => {
      const args = parseOptions("create_args", createArgs, { name: "string", table_id: "int", description: "string", workspace_id: "int", owner_user_id: "int" });
      const name = args.name?.trim();
      if (!name || name.length > MAX_FIELD_LENGTH) throw new SandboxFault(FAULT.BAD_ARGUMENT, `create_args.name must be 1 to ${MAX_FIELD_LENGTH} characters`);
      if (args.table_id === undefined) throw new SandboxFault(FAULT.BAD_ARGUMENT, "create_args.table_id is required");
      const table = data.table(args.table_id);
      // CHOSEN: a duplicate name is refused with the catch-all 200, worded like the database error real servers leak.
      if ([...data.lists.values()].some((list) => list.tableId === table.id && list.name === name)) {
        throw new SandboxFault(FAULT.GENERIC, `duplicate key value violates unique constraint: list "${name}" already exists on core table ${table.id}`);
      }
      return listStruct(data.createList({ name, tableId: table.id, workspaceId: args.workspace_id, description: args.description }));
    }),
  },

  contact: {
    create: method(["table_id:int", "contact_data:struct", "dedupe_field:string?"], ({ data }, tableId, contactData, dedupeField = "email") => {
      const table = data.table(tableId);
      return data.upsertContact(table, data.contactFields(table, contactData), data.fieldName(table, dedupeField), "overwrite");
    }),
    get: method(["contact_id:int", "data_table_ids:array?"], ({ data }, contactId, dataTableIds) => {
      checkDataTables(dataTableIds);
      return contactStruct(data.contact(contactId));
    }),
    search: method(["table_id:int", "search_args:struct", "data_table_ids:array?", "paging:struct?"], ({ data }, tableId, searchArgs, dataTableIds, paging) => {
      const table = data.table(tableId);
      checkDataTables(dataTableIds);
      const criteria = Object.fromEntries(
        Object.entries(searchArgs).map(([key, value]) => {
          if (key === "_list_id") return [key, isInt(value) ? data.list(value).id : badArgument("search_args._list_id must be an int")];
          if (typeof value !== "string" && typeof value !== "number") return badArgument(`search_args.${key} must be a string or a number`);
          return [data.fieldName(table, key), value];
        }),
      );
      return paginate(data.findContacts(table.id, criteria), paging).map(contactStruct);
    }),
    // Fields left out keep their value; the contact stays on its core table, whose fields the keys must name.
    update: method(["contact_id:int", "contact_data:struct"], ({ data }, contactId, contactData) => {
      const contact = data.contact(contactId);
      data.updateContact(contact, data.contactFields(data.table(contact.tableId), contactData, { update: true }));
      return 1;
    }),
    addList: method(["contact_id:int", "list_id:int"], ({ data }, contactId, listId) => {
      const contact = data.contact(contactId);
      const list = data.list(listId);
      if (contact.tableId !== list.tableId) throw new SandboxFault(FAULT.BAD_ARGUMENT, "contact and list are on different core tables");
      if (list.members.has(contact.id)) return 0;
      list.members.add(contact.id);
      return 1;
    }),
    removeList: method(["contact_id:int", "list_id:int"], ({ data }, contactId, listId) => {
      data.list(listId).members.delete(data.contact(contactId).id);
      return 1;
    }),
    lists: method(["contact_id:int"], ({ data }, contactId) => {
      const { id } = data.contact(contactId);
      return [...data.lists.values()].filter((list) => list.members.has(id)).map((list) => list.id);
    }),
    import: method(["table_id:int", "data_file_url:string", "options:struct"], ({ data, imports, importFault }, tableId, url, options) => {
      const table = data.table(tableId);
      const args = parseOptions("options", options, {
        list_id: "int",
        dedupe_type: "string",
        field_map: "struct",
        dedupe_field: "string",
        delete_after_import: "boolean",
        notify_user: "string",
      });
      if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) throw new SandboxFault(FAULT.BAD_ARGUMENT, "data_file_url must be an http(s) URL");
      // Adestra imports only through a list (help: "Importing").
      if (args.list_id === undefined) throw new SandboxFault(FAULT.BAD_ARGUMENT, "options.list_id is required");
      const list = data.list(args.list_id);
      if (list.tableId !== table.id) throw new SandboxFault(FAULT.BAD_ARGUMENT, `list ${list.id} is on core table ${list.tableId}, not ${table.id}`);
      const dedupeType = (args.dedupe_type ?? "overwrite") as DedupeType;
      if (!DEDUPE_TYPES.includes(dedupeType)) throw new SandboxFault(FAULT.BAD_OPTION, `options.dedupe_type must be one of ${DEDUPE_TYPES.join(", ")}`);
      if (!args.field_map || Object.keys(args.field_map).length === 0) throw new SandboxFault(FAULT.BAD_ARGUMENT, "options.field_map is required");
      const fieldMap = Object.fromEntries(
        Object.entries(args.field_map).map(([column, field]) =>
          typeof field === "string" ? [column, data.fieldName(table, field)] : badArgument(`options.field_map.${column} must name a core field`),
        ),
      );
      const dedupeField = data.fieldName(table, args.dedupe_field ?? "email");
      if (!Object.values(fieldMap).includes(dedupeField)) throw new SandboxFault(FAULT.BAD_OPTION, `the dedupe field "${dedupeField}" is not in options.field_map`);
      imports.start(data, { table, list, url, fieldMap, dedupeField, dedupeType }, importFault);
      return 1;
    }),
  },

  unsubList: {
    get: method(["unsub_list_id:int"], ({ data }, unsubListId) => {
      const { id, name } = data.unsubList(unsubListId);
      return { id, name };
    }),
    // (email, unsub_list_id) [SEEN] for both; their replies are not shown (INFERRED: 1, and removing an
    // address that is not there is no fault).
    addAddress: unsubAddress((emails, email) => emails.add(email)),
    removeAddress: unsubAddress((emails, email) => emails.delete(email)),
    check: method(["email:string", "unsub_list_id:int"], ({ data }, email, unsubListId) => (data.unsubList(unsubListId).emails.has(email.toLowerCase()) ? 1 : 0)),
  },
};

export function callMethod(context: MethodContext, methodName: string, params: XmlRpcValue[]): XmlRpcValue {
  const [namespace, name, ...rest] = methodName.split(".");
  const methods = Object.hasOwn(NAMESPACES, namespace) ? NAMESPACES[namespace] : undefined;
  if (!methods) throw new SandboxFault(FAULT.NO_SUCH_NAMESPACE, namespace);
  const run = name !== undefined && rest.length === 0 && Object.hasOwn(methods, name) ? methods[name] : undefined;
  if (!run) throw new SandboxFault(FAULT.NO_SUCH_METHOD, methodName);
  return run(context, methodName, params);
}

/** paging {page ≥ 1, page_size 1..250}; anything else is fault 206. */
function paginate<T>(items: T[], paging: Struct | undefined): T[] {
  const { page = 1, page_size: size = DEFAULT_PAGE_SIZE } = parseOptions("paging", paging, { page: "int", page_size: "int" });
  if (page < 1 || size < 1 || size > MAX_PAGE_SIZE) throw new SandboxFault(FAULT.BAD_OPTION, `paging needs page ≥ 1 and page_size 1 to ${MAX_PAGE_SIZE}`);
  return items.slice((page - 1) * size, page * size);
}

/** Data tables are not simulated: an empty list is fine, any id is an unknown data table. */
function checkDataTables(ids: XmlRpcValue[] | undefined): void {
  const [first] = ids ?? [];
  if (first === undefined) return;
  if (!ids!.every(isInt)) badArgument("data_table_ids must be ints");
  throw new SandboxFault(FAULT.NOT_FOUND, `data table ${first} (the sandbox has no data tables)`);
}

/** unsubList.addAddress / removeAddress: an unknown unsub list is 207, an invalid address 214; addresses ignore case. */
function unsubAddress(change: (emails: Set<string>, email: string) => unknown): Method {
  return method(["email:string", "unsub_list_id:int"], ({ data }, email, unsubListId) => {
    const unsubList = data.unsubList(unsubListId);
    if (!isEmail(email)) throw new SandboxFault(FAULT.INVALID_EMAIL, `"${email}"`);
    change(unsubList.emails, email.toLowerCase());
    return 1;
  });
}

function badArgument(detail: string): never {
  throw new SandboxFault(FAULT.BAD_ARGUMENT, detail);
}

function listStruct(list: SandboxList): XmlRpcStruct {
  return { id: list.id, name: list.name, table_id: list.tableId, workspace_id: list.workspaceId, description: list.description };
}

function contactStruct(contact: SandboxContact): XmlRpcStruct {
  return { id: contact.id, ...contact.fields };
}
