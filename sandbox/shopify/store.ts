/**
 * One seeded store: the pure seed plus a small mutable overlay (updated, created and deleted customers).
 * Reads always see the overlay. Seeded customers are generated when read, never held, so a 1M-customer store
 * costs nothing until something iterates it.
 */
import { type CustomerPatch, type SandboxCustomer, toShopifyDateTime } from "./customer";
import { DEFAULT_NOW, customerIdBase, orderIdBase, seedCustomer, seededCustomerId, seededIndexOf } from "./seed";

export type SandboxStoreConfig = {
  domain: string;
  name: string;
  ianaTimezone: string;
  currencyCode?: string;
  customers: number;
  seed: number;
  /** The pinned "now" the seed's dates lead up to (default 2026-11-01T00:00:00Z). */
  now?: string;
};

export type SandboxOrder = {
  id: number;
  name: string;
  customerId: number;
  totalPriceCents: number;
  createdAt: string;
};

/** Ids ascend in this order: seeded customers by index, then created ones. */
export type IterateOptions = { afterId?: number; beforeId?: number; reverse?: boolean };

export class SandboxStore {
  readonly domain: string;
  readonly name: string;
  readonly ianaTimezone: string;
  readonly currencyCode: string;
  readonly seed: number;
  readonly now: string;
  /** Numeric shop id for REST payloads and `gid://shopify/Shop/{id}`, derived from the seed. */
  readonly shopId: number;
  /** Bumped on every change, so derived caches (counts) know when to recompute. */
  version = 0;

  private readonly seededCount: number;
  /** Seeded customers that were changed (the new value) or deleted (null). */
  private readonly overlay = new Map<number, SandboxCustomer | null>();
  /** Created after start, ascending id; deleted ones stay as null so positions stay stable. */
  private readonly created: { id: number; customer: SandboxCustomer | null }[] = [];
  /** Last known state of deleted customers, for compliance payloads (customers/redact) sent after deletion. */
  private readonly tombstones = new Map<number, SandboxCustomer>();
  private deleted = 0;
  private ordersCreated = 0;
  /** See `clock()`. */
  private readonly clockOffsetMs: number;

  constructor(config: SandboxStoreConfig) {
    this.domain = config.domain;
    this.name = config.name;
    this.ianaTimezone = config.ianaTimezone;
    this.currencyCode = config.currencyCode ?? "USD";
    this.seed = config.seed;
    this.now = config.now ?? DEFAULT_NOW;
    this.seededCount = config.customers;
    this.shopId = 60_000_000_000 + (((config.seed % 1_000_000) + 1_000_000) % 1_000_000);
    this.clockOffsetMs = Math.max(0, Date.parse(this.now) - Date.now());
  }

  /**
   * The store's current time: the wall clock, or, when the pinned "now" is still in the future, the pinned
   * now plus the time elapsed since start. Changes made through the store are thus always later than every
   * seeded date, and match the app's own clock whenever the pinned date has passed.
   */
  clock(): number {
    return Date.now() + this.clockOffsetMs;
  }

  count(): number {
    return this.seededCount + this.created.length - this.deleted;
  }

  *customers(options: IterateOptions = {}): Generator<SandboxCustomer> {
    const { afterId = -Infinity, beforeId = Infinity } = options;
    const seeded = this.seededRange(afterId, beforeId);
    const created = this.created.filter((entry) => entry.id > afterId && entry.id < beforeId);
    if (options.reverse) {
      for (let i = created.length - 1; i >= 0; i--) if (created[i].customer) yield created[i].customer!;
      for (let index = seeded.end - 1; index >= seeded.start; index--) yield* this.seededAt(index);
    } else {
      for (let index = seeded.start; index < seeded.end; index++) yield* this.seededAt(index);
      for (const entry of created) if (entry.customer) yield entry.customer;
    }
  }

  getCustomer(id: number | string, options: { includeDeleted?: boolean } = {}): SandboxCustomer | null {
    const numeric = typeof id === "number" ? id : Number(/(\d+)$/.exec(id)?.[1]);
    const current = this.lookup(numeric);
    return current ?? (options.includeDeleted ? (this.tombstones.get(numeric) ?? null) : null);
  }

  updateCustomer(id: number | string, patch: CustomerPatch): SandboxCustomer {
    const current = this.require(id);
    const updatedAt = toShopifyDateTime(this.clock());
    const next: SandboxCustomer = { ...current, ...patch, id: current.id, createdAt: current.createdAt };
    next.updatedAt = patch.updatedAt ?? updatedAt;
    // A consent change without its own timestamp gets "now", as Shopify records one on every change.
    if (patch.email && current.email && patch.email.marketingState !== current.email.marketingState && patch.email.marketingUpdatedAt === current.email.marketingUpdatedAt) {
      next.email = { ...patch.email, marketingUpdatedAt: updatedAt };
    }
    if (patch.phone && current.phone && patch.phone.marketingState !== current.phone.marketingState && patch.phone.marketingUpdatedAt === current.phone.marketingUpdatedAt) {
      next.phone = { ...patch.phone, marketingUpdatedAt: updatedAt };
    }
    return this.put(next);
  }

  /** A new customer with realistic seeded fields (no orders), overridden by `patch`. */
  createCustomer(patch: CustomerPatch = {}): SandboxCustomer {
    const position = this.seededCount + this.created.length;
    const id = customerIdBase(this.seed) + position * 16;
    const createdAt = toShopifyDateTime(this.clock());
    const template = seedCustomer(this.seed, position, this.now);
    const customer: SandboxCustomer = {
      ...template,
      numberOfOrders: 0,
      amountSpentCents: 0,
      firstOrderAt: null,
      lastOrder: null,
      ...patch,
      id,
      createdAt,
      updatedAt: patch.updatedAt ?? createdAt,
    };
    this.created.push({ id, customer: null });
    return this.put(customer);
  }

  deleteCustomer(id: number | string): void {
    const current = this.require(id);
    this.tombstones.set(current.id, current);
    const entry = this.created.find((e) => e.id === current.id);
    if (entry) entry.customer = null;
    else this.overlay.set(current.id, null);
    this.deleted++;
    this.version++;
  }

  /**
   * Shopify's customer merge (Admin API customerMerge; the admin's "Merge customers"): which customer is kept
   * follows the rules the 2026-07 schema documents [SEEN], less the override fields: the only one with an
   * email; with two emails an ENABLED account, else an email marketing state of SUBSCRIBED or PENDING
   * [INFERRED: the schema names "account state and email marketing consent" without the order of the rest];
   * otherwise `twoId`. The kept customer keeps its own fields, email and consents (its email is the one kept);
   * what it lacks (phone with its SMS consent, names, address) comes from the other, tags are united, orders and
   * spend add up [INFERRED: the merge preview lists fields, not these rules]. The other customer is deleted.
   * Blocked as Shopify blocks it: a customer merged with itself or one that does not exist (INVALID_CUSTOMER_ID).
   */
  mergeCustomers(oneId: number | string, twoId: number | string): { kept: SandboxCustomer; deleted: SandboxCustomer } {
    const one = this.require(oneId);
    const two = this.require(twoId);
    if (one.id === two.id) throw new Error("INVALID_CUSTOMER_ID: a customer cannot be merged with itself");
    const prefers = (c: SandboxCustomer) => (c.state === "ENABLED" ? 2 : c.email && ["SUBSCRIBED", "PENDING"].includes(c.email.marketingState) ? 1 : 0);
    let kept = two;
    if (Boolean(one.email) !== Boolean(two.email)) kept = one.email ? one : two;
    else if (one.email && two.email && prefers(one) > prefers(two)) kept = one;
    const other = kept === one ? two : one;
    const merged = this.updateCustomer(kept.id, {
      firstName: kept.firstName ?? other.firstName,
      lastName: kept.lastName ?? other.lastName,
      phone: kept.phone ?? other.phone,
      address: kept.address ?? other.address,
      tags: [...new Set([...kept.tags, ...other.tags])].sort(),
      numberOfOrders: kept.numberOfOrders + other.numberOfOrders,
      amountSpentCents: kept.amountSpentCents + other.amountSpentCents,
    });
    this.deleteCustomer(other.id);
    return { kept: merged, deleted: other };
  }

  /** Records an order on the customer (count, amount spent, last order, updatedAt), as Shopify would. */
  createOrder(customerId: number | string, options: { totalPriceCents?: number } = {}): SandboxOrder {
    const customer = this.require(customerId);
    const createdAt = toShopifyDateTime(this.clock());
    this.ordersCreated++;
    const order: SandboxOrder = {
      id: orderIdBase(this.seed) + 900_000_000 + this.ordersCreated,
      name: `#${900_000 + this.ordersCreated}`,
      customerId: customer.id,
      totalPriceCents: options.totalPriceCents ?? 4_990,
      createdAt,
    };
    this.updateCustomer(customer.id, {
      numberOfOrders: customer.numberOfOrders + 1,
      amountSpentCents: customer.amountSpentCents + order.totalPriceCents,
      firstOrderAt: customer.firstOrderAt ?? createdAt,
      lastOrder: { id: order.id, name: order.name, createdAt },
      updatedAt: createdAt,
    });
    return order;
  }

  private seededRange(afterId: number, beforeId: number): { start: number; end: number } {
    // Ids ascend with the index and sit in [base + 16i, base + 16i + 15], so the bounds are two divisions.
    const base = customerIdBase(this.seed);
    const clamp = (index: number) => Math.min(this.seededCount, Math.max(0, index));
    let start = clamp(Math.floor((afterId - base) / 16));
    if (start < this.seededCount && seededCustomerId(this.seed, start) <= afterId) start++;
    let end = clamp(Math.floor((beforeId - base) / 16) + 1);
    if (end > 0 && seededCustomerId(this.seed, end - 1) >= beforeId) end--;
    return { start, end: Math.max(start, end) };
  }

  private *seededAt(index: number): Generator<SandboxCustomer> {
    const id = seededCustomerId(this.seed, index);
    const changed = this.overlay.get(id);
    if (changed === undefined) yield seedCustomer(this.seed, index, this.now);
    else if (changed !== null) yield changed;
  }

  private lookup(id: number): SandboxCustomer | null {
    if (!Number.isSafeInteger(id)) return null;
    const index = seededIndexOf(this.seed, id);
    if (index !== null && index < this.seededCount) {
      const changed = this.overlay.get(id);
      return changed === undefined ? seedCustomer(this.seed, index, this.now) : changed;
    }
    return this.created.find((entry) => entry.id === id)?.customer ?? null;
  }

  private require(id: number | string): SandboxCustomer {
    const customer = this.getCustomer(id);
    if (!customer) throw new Error(`${this.domain} has no customer ${id}`);
    return customer;
  }

  private put(customer: SandboxCustomer): SandboxCustomer {
    const frozen = deepFreeze(structuredClone(customer));
    const entry = this.created.find((e) => e.id === customer.id);
    if (entry) entry.customer = frozen;
    else this.overlay.set(customer.id, frozen);
    this.version++;
    return frozen;
  }
}

/** Overlay records are shared with every reader, so nobody may change one in place. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
