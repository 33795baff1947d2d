/**
 * Adestra's XML-RPC API (docs/apis/adestra-api.md), the calls the profile sync needs. Inputs are camelCase;
 * results keep Adestra's field names. Reads, upserts with a dedupe field and set additions are retried with
 * backoff; list.create and contact.import are not (a lost answer would duplicate the list or the import).
 */
import { z } from "zod";
import type { Fetch } from "../../../http/request";
import { sleep as realSleep, type Sleep } from "../../../http/retry";
import {
  type AdestraContact,
  type AdestraCoreTable,
  type AdestraCoreTableDetail,
  type AdestraList,
  type AdestraUnsubList,
  ContactSchema,
  CoreTableDetailSchema,
  CoreTableSchema,
  FlagSchema,
  IdSchema,
  ListSchema,
  QueuedSchema,
  UnsubListSchema,
} from "./schemas";
import type { RequestPace } from "./pace";
import { type AdestraCall, createAdestraTransport } from "./transport";

export type { AdestraContact, AdestraCoreTable, AdestraCoreTableDetail, AdestraList, AdestraUnsubList } from "./schemas";

export const ADESTRA_XMLRPC_URL = "https://app.adestra.com/api/xmlrpc";
/** list.search's largest page (REST clients use 250; the sandbox refuses more). */
export const LIST_PAGE_SIZE = 250;
/** contact.search's largest page (INFERRED as for lists: 250; the sandbox refuses more). */
export const CONTACT_PAGE_SIZE = 250;

export interface AdestraClientOptions {
  baseUrl?: string;
  /** As shown on Adestra's login screen; spaces become "_" in the login. */
  accountName: string;
  username: string;
  password: string;
  fetch?: Fetch;
  timeoutMs?: number;
  /** Retries of an idempotent call after a retryable failure (101, HTTP 429/5xx, no answer; 304 without a pace). */
  maxRetries?: number;
  sleep?: Sleep;
  /** The account's pace, taken before every request; a 304 slows it and the request is sent again (transport.ts). */
  pace?: RequestPace;
  /** With a pace: 304s in a row one request is sent again after, before its AdestraRateLimitError is thrown. */
  maxRefusals?: number;
}

/** A core field value; null and undefined are left out (Adestra has no nil, and leaving a field out keeps its value). */
export type ContactFieldValue = string | number | boolean | Date | null | undefined;

const ANY = z.unknown();

export class AdestraClient {
  readonly #call: AdestraCall;

  constructor({
    baseUrl = ADESTRA_XMLRPC_URL,
    accountName,
    username,
    password,
    fetch = globalThis.fetch,
    timeoutMs = 30_000,
    maxRetries = 3,
    sleep = realSleep,
    pace,
    maxRefusals = 30,
  }: AdestraClientOptions) {
    this.#call = createAdestraTransport({ baseUrl, accountName, username, password, fetch, timeoutMs, maxRetries, sleep, pace, maxRefusals });
  }

  /** A cheap call that proves the login: a wrong one is AdestraAuthError (HTTP 401). */
  verifyCredentials(): Promise<AdestraCoreTable[]> {
    return this.coreTables.all();
  }

  readonly coreTables = {
    all: (): Promise<AdestraCoreTable[]> => this.#call("coreTable.all", [], { schema: z.array(CoreTableSchema), idempotent: true }),
    get: (id: number): Promise<AdestraCoreTableDetail> => this.#call("coreTable.get", [id], { schema: CoreTableDetailSchema, idempotent: true }),
  };

  readonly lists = {
    /** One page of the lists on a core table (page is 1-based). */
    search: async ({ tableId, page = 1, pageSize = LIST_PAGE_SIZE }: { tableId: number; page?: number; pageSize?: number }): Promise<AdestraList[]> => {
      const lists = await this.#call("list.search", [{ table_id: tableId }, { page, page_size: pageSize }], {
        schema: z.array(ListSchema.extend({ table_id: IdSchema.optional() })),
        idempotent: true,
      });
      // Search results are on the table searched for, whether or not the server repeats table_id.
      return lists.map((list) => ({ ...list, table_id: list.table_id ?? tableId }));
    },
    /** Every list on a core table, page by page. */
    allOnTable: ({ tableId }: { tableId: number }): AsyncIterable<AdestraList> => this.#listPages(tableId),
    get: (id: number): Promise<AdestraList> => this.#call("list.get", [id], { schema: ListSchema, idempotent: true }),
    /** Never retried: a lost answer followed by a retry would create the list twice. */
    create: async ({ name, tableId, description }: { name: string; tableId: number; description?: string }): Promise<Pick<AdestraList, "id" | "name" | "table_id">> => {
      // The docs show no reply; it is probably the list struct (as campaign.create), maybe only its id.
      const created = await this.#call("list.create", [{ name, table_id: tableId, description }], {
        schema: z.union([IdSchema, ListSchema]),
        idempotent: false,
      });
      return typeof created === "number" ? { id: created, name, table_id: tableId } : { id: created.id, name: created.name, table_id: created.table_id };
    },
  };

  readonly contacts = {
    /** Creates the contact, or overwrites the one with the same dedupe field value; resolves to its id. */
    upsert: ({ tableId, data, dedupeField = "email" }: { tableId: number; data: Record<string, ContactFieldValue>; dedupeField?: string }): Promise<number> =>
      this.#call("contact.create", [tableId, data, dedupeField], { schema: IdSchema, idempotent: true }),
    addList: async ({ contactId, listId }: { contactId: number; listId: number }): Promise<"added" | "already"> => {
      const added = await this.#call("contact.addList", [contactId, listId], { schema: FlagSchema, idempotent: true });
      return added ? "added" : "already";
    },
    /** contact.removeList [SEEN]: answers 1; removing a contact that is not on the list changes nothing, so retrying is safe. */
    removeList: async ({ contactId, listId }: { contactId: number; listId: number }): Promise<void> => {
      await this.#call("contact.removeList", [contactId, listId], { schema: FlagSchema, idempotent: true });
    },
    /** contact.get [SEEN]: the contact's id, email and core fields; AdestraNotFoundError (207) once it is gone. */
    get: (contactId: number): Promise<AdestraContact> => this.#call("contact.get", [contactId], { schema: ContactSchema, idempotent: true }),
    /**
     * contact.update [SEEN]: overwrites the given core fields of the contact (fields left out keep their
     * value); writing the same values again changes nothing, so retrying is safe. The reply is only "a success
     * value" in the research (Bool in one client), so any non-fault answer counts as done.
     */
    update: async ({ contactId, data }: { contactId: number; data: Record<string, ContactFieldValue> }): Promise<void> => {
      await this.#call("contact.update", [contactId, data], { schema: ANY, idempotent: true });
    },
    search: ({ tableId, email }: { tableId: number; email: string }): Promise<AdestraContact[]> =>
      this.#call("contact.search", [tableId, { email }], { schema: z.array(ContactSchema), idempotent: true }),
    /**
     * One page (1-based) of a list's members with their core fields: contact.search with only `_list_id` [SEEN:
     * Adestra\\Get::contactsByList], an empty data_table_ids and the paging struct (keys `page`, `page_size`
     * INFERRED, mirroring REST's paging:*). Fewer than `pageSize` contacts: the last page.
     */
    listMembers: ({ tableId, listId, page, pageSize = CONTACT_PAGE_SIZE }: { tableId: number; listId: number; page: number; pageSize?: number }): Promise<AdestraContact[]> =>
      this.#call("contact.search", [tableId, { _list_id: listId }, [], { page, page_size: pageSize }], { schema: z.array(ContactSchema), idempotent: true }),
    /**
     * Queues an import of the CSV at `fileUrl` into the list (Adestra fetches it later); `fieldMap` is
     * { csvColumn: coreField }. Never retried: a second request would import the file twice.
     */
    import: ({
      tableId,
      fileUrl,
      listId,
      fieldMap,
      dedupeType = "overwrite",
    }: {
      tableId: number;
      fileUrl: string;
      listId: number;
      fieldMap: Record<string, string>;
      dedupeType?: "overwrite" | "skip" | "none";
    }): Promise<true> =>
      this.#call(
        "contact.import",
        [tableId, fileUrl, { list_id: listId, dedupe_type: dedupeType, field_map: fieldMap, dedupe_field: "email", delete_after_import: false }],
        { schema: QueuedSchema, idempotent: false },
      ),
  };

  readonly unsubLists = {
    get: (id: number): Promise<AdestraUnsubList> => this.#call("unsubList.get", [id], { schema: UnsubListSchema, idempotent: true }),
    addAddress: async ({ email, unsubListId }: { email: string; unsubListId: number }): Promise<void> => {
      await this.#call("unsubList.addAddress", [email, unsubListId], { schema: ANY, idempotent: true });
    },
    /**
     * unsubList.removeAddress(email, unsub_list_id) [SEEN: Adestra's Magento module, for "unsubscribe-all" lists];
     * its reply is not shown anywhere, so any non-fault answer counts as done. Removing an address that is not
     * there changes nothing, so retrying is safe.
     */
    removeAddress: async ({ email, unsubListId }: { email: string; unsubListId: number }): Promise<void> => {
      await this.#call("unsubList.removeAddress", [email, unsubListId], { schema: ANY, idempotent: true });
    },
    check: ({ email, unsubListId }: { email: string; unsubListId: number }): Promise<boolean> =>
      this.#call("unsubList.check", [email, unsubListId], { schema: FlagSchema, idempotent: true }),
  };

  async *#listPages(tableId: number): AsyncGenerator<AdestraList> {
    for (let page = 1; ; page++) {
      const lists = await this.lists.search({ tableId, page, pageSize: LIST_PAGE_SIZE });
      yield* lists;
      if (lists.length < LIST_PAGE_SIZE) return;
    }
  }
}
