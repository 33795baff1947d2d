/**
 * One Adestra account's data and the rules Adestra applies to it (docs/apis/adestra-api.md §3, §4.1, §7):
 * contacts live in exactly one core table and dedupe on a field, lists reference one core table, unsub lists
 * are sets of addresses, and core fields hold text of at most 255 characters.
 */
import { z } from "zod";
import { FAULT } from "../../app/destinations/adestra/client/fault-codes";
import type { XmlRpcValue } from "../../app/destinations/adestra/client/xmlrpc";
import type { Struct } from "./args";
import type { SandboxImport } from "./contact-import";
import { SandboxFault } from "./faults";

/** A core table mirroring a Shopify customer, as Adestra's Shopify help suggests preparing. */
export const SHOPIFY_CORE_FIELDS = [
  "email",
  "first_name",
  "last_name",
  "phone",
  "country",
  "city",
  "postcode",
  "tags",
  "orders_count",
  "total_spent",
  "customer_since",
  "last_order_date",
  "shopify_customer_id",
] as const;

const FieldName = z.string().regex(/^[a-z_][a-z0-9_]*$/i, "a field name: letters, digits and _");
const positiveId = z.int().positive();

export const AccountConfigSchema = z
  .object({
    accountName: z.string().min(1),
    username: z.string().min(1),
    password: z.string().min(1),
    coreTables: z
      .array(
        z.object({
          id: positiveId,
          name: z.string().min(1),
          fields: z.array(FieldName).refine((fields) => fields.includes("email"), "every core table has an email field").optional(),
        }),
      )
      .min(1),
    unsubLists: z.array(z.object({ id: positiveId, name: z.string().min(1) })),
    lists: z.array(z.object({ id: positiveId, name: z.string().min(1), tableId: positiveId, workspaceId: positiveId.optional() })).default([]),
  })
  .refine((account) => account.lists.every((list) => account.coreTables.some((table) => table.id === list.tableId)), "every list's tableId is one of the core tables");

export type AdestraSandboxAccountConfig = z.input<typeof AccountConfigSchema>;
type AccountConfig = z.output<typeof AccountConfigSchema>;

export const MAX_FIELD_LENGTH = 255;
/** Lists made without a workspace_id land here (the sandbox models one workspace unless configured). */
export const DEFAULT_WORKSPACE_ID = 1;

export interface CoreTable {
  id: number;
  name: string;
  fields: string[];
}

export interface SandboxList {
  id: number;
  name: string;
  tableId: number;
  workspaceId: number;
  description?: string;
  members: Set<number>;
}

export interface SandboxContact {
  id: number;
  tableId: number;
  /** Core fields as Adestra keeps them: text (numbers as digits, booleans as 1/0, dates as ISO 8601). */
  fields: Record<string, string>;
}

export interface UnsubList {
  id: number;
  name: string;
  /** Lower-cased: checks ignore case. */
  emails: Set<string>;
}

/** What an import does with a row whose dedupe value is already in the table (Wondaris' Overwrite / Skip / None). */
export type DedupeType = "overwrite" | "skip" | "none";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const isEmail = (text: string) => EMAIL.test(text);

export class AccountData {
  readonly tables = new Map<number, CoreTable>();
  readonly lists = new Map<number, SandboxList>();
  readonly contacts = new Map<number, SandboxContact>();
  readonly unsubLists = new Map<number, UnsubList>();
  readonly imports: SandboxImport[] = [];
  /** Contact ids by core table and lower-cased email: upserts by email stay fast with 100k contacts. */
  readonly #byEmail = new Map<string, Set<number>>();
  // Ids of each kind start in their own range, so a table id passed as a list or contact id is caught (207).
  #nextContactId = 1001;
  #nextListId: number;

  constructor(config: AccountConfig) {
    for (const table of config.coreTables) this.tables.set(table.id, { id: table.id, name: table.name, fields: [...(table.fields ?? SHOPIFY_CORE_FIELDS)] });
    for (const list of config.lists) {
      this.lists.set(list.id, { id: list.id, name: list.name, tableId: list.tableId, workspaceId: list.workspaceId ?? DEFAULT_WORKSPACE_ID, members: new Set() });
    }
    for (const unsub of config.unsubLists) this.unsubLists.set(unsub.id, { id: unsub.id, name: unsub.name, emails: new Set() });
    this.#nextListId = Math.max(100, ...this.lists.keys()) + 1;
  }

  table(id: number): CoreTable {
    return found(this.tables.get(id), `core table ${id}`);
  }
  list(id: number): SandboxList {
    return found(this.lists.get(id), `list ${id}`);
  }
  contact(id: number): SandboxContact {
    return found(this.contacts.get(id), `contact ${id}`);
  }
  unsubList(id: number): UnsubList {
    return found(this.unsubLists.get(id), `unsub list ${id}`);
  }

  /** The core field a key names: "field" or "<table_id>.field" (REST clients qualify core fields so). */
  fieldName(table: CoreTable, key: string): string {
    const field = key.startsWith(`${table.id}.`) ? key.slice(String(table.id).length + 1) : key;
    if (!table.fields.includes(field)) throw new SandboxFault(FAULT.INVALID_FIELD, `core table ${table.id} has no field "${key}"`);
    return field;
  }

  /**
   * contact_data as stored text, or the fault Adestra gives for it. A new contact needs a valid email; an
   * update (contact.update) may leave the email out, and the contact keeps its own.
   */
  contactFields(table: CoreTable, data: Struct, { update = false }: { update?: boolean } = {}): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(data)) {
      const field = this.fieldName(table, key);
      const text = asText(value);
      if (text === undefined) throw new SandboxFault(FAULT.BAD_ARGUMENT, `the value of "${key}" must be a string, number, boolean or date`);
      // Real servers report an overlong value from the database, as the catch-all fault 200.
      if (text.length > MAX_FIELD_LENGTH) throw new SandboxFault(FAULT.GENERIC, `value too long for type character varying(${MAX_FIELD_LENGTH}) in "${key}"`);
      fields[field] = text;
    }
    if ((!update || fields.email !== undefined) && !isEmail(fields.email ?? "")) throw new SandboxFault(FAULT.INVALID_EMAIL, `"${fields.email ?? ""}"`);
    return fields;
  }

  /** Overwrites the given fields of the contact; the others keep their value. */
  updateContact(contact: SandboxContact, fields: Record<string, string>): void {
    this.#indexEmail(contact, "delete");
    Object.assign(contact.fields, fields);
    this.#indexEmail(contact, "add");
  }

  /** Inserts, or (by the dedupe type) overwrites or leaves the contact with the same dedupe value; returns its id. */
  upsertContact(table: CoreTable, fields: Record<string, string>, dedupeField: string, dedupeType: DedupeType): number {
    const key = fields[dedupeField];
    const existing = dedupeType === "none" || key === undefined ? undefined : this.findContacts(table.id, { [dedupeField]: key })[0];
    if (existing) {
      if (dedupeType === "overwrite") this.updateContact(existing, fields);
      return existing.id;
    }
    const contact = { id: this.#nextContactId++, tableId: table.id, fields: { ...fields } };
    this.contacts.set(contact.id, contact);
    this.#indexEmail(contact, "add");
    return contact.id;
  }

  /** Exact matches on every criterion (email ignoring case); `_list_id` keeps a list's members. */
  findContacts(tableId: number, criteria: Record<string, string | number>): SandboxContact[] {
    const candidates =
      criteria.email === undefined
        ? this.contacts.values()
        : [...(this.#byEmail.get(emailKey(tableId, String(criteria.email))) ?? [])].map((id) => this.contact(id));
    return [...candidates].filter(
      (contact) =>
        contact.tableId === tableId &&
        Object.entries(criteria).every(([field, wanted]) =>
          field === "_list_id" ? this.lists.get(Number(wanted))?.members.has(contact.id) : sameValue(field, contact.fields[field], String(wanted)),
        ),
    );
  }

  #indexEmail(contact: SandboxContact, change: "add" | "delete"): void {
    const key = emailKey(contact.tableId, contact.fields.email);
    const ids = this.#byEmail.get(key) ?? new Set<number>();
    if (change === "add") ids.add(contact.id);
    else ids.delete(contact.id);
    if (ids.size) this.#byEmail.set(key, ids);
    else this.#byEmail.delete(key);
  }

  createList({ name, tableId, workspaceId = DEFAULT_WORKSPACE_ID, description }: { name: string; tableId: number; workspaceId?: number; description?: string }): SandboxList {
    const list: SandboxList = { id: this.#nextListId++, name, tableId, workspaceId, description, members: new Set() };
    this.lists.set(list.id, list);
    return list;
  }
}

function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new SandboxFault(FAULT.NOT_FOUND, what);
  return value;
}

const emailKey = (tableId: number, email: string) => `${tableId} ${email.toLowerCase()}`;

function sameValue(field: string, stored: string | undefined, wanted: string): boolean {
  return field === "email" ? stored?.toLowerCase() === wanted.toLowerCase() : stored === wanted;
}

function asText(value: XmlRpcValue): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "1" : "0";
  if (value instanceof Date) return value.toISOString();
  return undefined; // null, struct, array, base64: Adestra fields are scalars
}
