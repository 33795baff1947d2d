/**
 * One sandbox account at run time: its login, its data, its rate limit and outage switches, its counters,
 * and the inspection API tests read outcomes from.
 */
import type { ImportFault, SandboxImport } from "./contact-import";
import { AccountConfigSchema, AccountData, type AdestraSandboxAccountConfig } from "./model";
import { TokenBucket } from "./rate-limit";

export interface AdestraSandboxStats {
  /** Every HTTP request made with this account's login, refused or not. */
  requests: number;
  /** Faults answered, by code. */
  faults: Record<number, number>;
  /** Requests refused with fault 304 by the rate limit (before their call is read: nothing of it is done). */
  rateLimited: number;
  /** Calls carried out (answered without a fault), by method: what a client wrote, and how often. */
  served: Record<string, number>;
  imports: SandboxImport[];
}

export interface AdestraSandboxAccount {
  coreTables(): { id: number; name: string; fields: string[] }[];
  lists(): { id: number; name: string; tableId: number }[];
  /** The emails of the list's members, sorted. */
  listMembers(listId: number): string[];
  /** The table's contacts by id; `fields` are the stored core fields (email included), as text. */
  contacts(tableId: number): { id: number; fields: Record<string, string> }[];
  /** Lower-cased, sorted. */
  unsubAddresses(unsubListId: number): string[];
  stats(): AdestraSandboxStats;
  /** While on, every call answers HTTP 503 ("Adestra is down"). */
  setOutage(on: boolean): void;
  /** The next `calls` calls are served, then the outage starts. */
  failAfter(calls: number): void;
  /** How contact.import treats the files it is asked for from now on (a late fetch, a second fetch); {} for none. */
  setImportFault(fault: ImportFault): void;
  /** Back to the configured data (no contacts, configured lists only), counters at zero, no outage, no import fault. */
  reset(): void;
}

export class SandboxAccount implements AdestraSandboxAccount {
  readonly name: string;
  /** "<account>.<username>", the Basic-auth user (spaces in the account name as "_"). */
  readonly login: string;
  data!: AccountData;
  readonly #config: ReturnType<typeof AccountConfigSchema.parse>;
  readonly #requestsPerSecond?: number;
  #bucket?: TokenBucket;
  #stats!: Omit<AdestraSandboxStats, "imports">;
  #outage = false;
  #callsBeforeOutage?: number;
  importFault: ImportFault = {};

  constructor(config: AdestraSandboxAccountConfig, requestsPerSecond?: number) {
    this.#config = AccountConfigSchema.parse(config);
    this.name = this.#config.accountName;
    this.login = `${this.name.replace(/ /g, "_")}.${this.#config.username}`;
    this.#requestsPerSecond = requestsPerSecond;
    this.reset();
  }

  checkPassword(password: string): boolean {
    return password === this.#config.password;
  }

  /** Counts a request; false while the account is in an outage. */
  admit(): boolean {
    this.#stats.requests++;
    if (this.#callsBeforeOutage !== undefined) {
      if (this.#callsBeforeOutage === 0) this.setOutage(true);
      else this.#callsBeforeOutage--;
    }
    return !this.#outage;
  }

  /** False when the request is over the rate limit (and counts it). */
  withinRateLimit(): boolean {
    if (!this.#bucket || this.#bucket.tryTake()) return true;
    this.#stats.rateLimited++;
    return false;
  }

  countFault(code: number): void {
    this.#stats.faults[code] = (this.#stats.faults[code] ?? 0) + 1;
  }

  countServed(method: string): void {
    this.#stats.served[method] = (this.#stats.served[method] ?? 0) + 1;
  }

  coreTables() {
    return [...this.data.tables.values()].map(({ id, name, fields }) => ({ id, name, fields: [...fields] }));
  }

  lists() {
    return [...this.data.lists.values()].map(({ id, name, tableId }) => ({ id, name, tableId }));
  }

  listMembers(listId: number): string[] {
    return [...this.data.list(listId).members].map((id) => this.data.contact(id).fields.email).sort();
  }

  contacts(tableId: number) {
    return [...this.data.contacts.values()].filter((contact) => contact.tableId === tableId).map(({ id, fields }) => ({ id, fields: { ...fields } }));
  }

  unsubAddresses(unsubListId: number): string[] {
    return [...this.data.unsubList(unsubListId).emails].sort();
  }

  stats(): AdestraSandboxStats {
    return {
      ...this.#stats,
      faults: { ...this.#stats.faults },
      served: { ...this.#stats.served },
      imports: this.data.imports.map((record) => ({ ...record, rejections: [...record.rejections] })),
    };
  }

  setOutage(on: boolean): void {
    this.#outage = on;
    this.#callsBeforeOutage = undefined;
  }

  failAfter(calls: number): void {
    this.#outage = false;
    this.#callsBeforeOutage = calls;
  }

  setImportFault(fault: ImportFault): void {
    this.importFault = { ...fault };
  }

  reset(): void {
    this.importFault = {};
    // Imports still running keep writing to the data they started on, not to the fresh copy.
    this.data = new AccountData(this.#config);
    this.#stats = { requests: 0, faults: {}, rateLimited: 0, served: {} };
    this.#bucket = this.#requestsPerSecond ? new TokenBucket(this.#requestsPerSecond) : undefined;
    this.setOutage(false);
  }
}
