/**
 * Deterministic seeded customers. `seedCustomer(seed, index, now)` is pure: a store of 1M customers costs
 * nothing until read, and a test computes the expected data with the same call.
 *
 * Ids ascend with the index (`id:>N` paging and sortKey ID agree with creation order), and the id encodes
 * the index, so a lookup by id needs no scan. Emails and phone numbers carry index-derived digits, so they
 * are unique within a store, as Shopify requires.
 */
import {
  type ConsentCollectedFrom,
  type CustomerState,
  type EmailMarketingState,
  type MarketingOptInLevel,
  type SandboxAddress,
  type SandboxCustomer,
  type SandboxEmail,
  type SandboxPhone,
  type SmsMarketingState,
  toShopifyDateTime,
} from "./customer";
import { mixSeed, Random, type WeightTable, weights } from "./random";
import {
  COUNTRIES,
  COUNTRY_WEIGHTS,
  type CountryCode,
  countryPools,
  EMAIL_DOMAINS,
  isNanp,
  NOTES,
  TAG_PROBABILITIES,
} from "./seed-pools";

export const DEFAULT_NOW = "2026-11-01T00:00:00Z";

const ID_STRIDE = 16;
const ORDERS_PER_CUSTOMER_STRIDE = 41; // > the 40-order maximum, so order ids and names never collide
const FIVE_YEARS_MS = 5 * 365.25 * 24 * 3600 * 1000;

/** Different seeds get different id ranges, so an app that forgets the shop in a key notices. */
export function customerIdBase(seed: number): number {
  return 6_000_000_000_000 + (((seed % 1000) + 1000) % 1000) * 1_000_000_000;
}

export function seededCustomerId(seed: number, index: number): number {
  return customerIdBase(seed) + index * ID_STRIDE + (mixSeed(seed, index) % ID_STRIDE);
}

/** The index of a seeded id, or null when the id is not one `seededCustomerId` produces. */
export function seededIndexOf(seed: number, id: number): number | null {
  const offset = id - customerIdBase(seed);
  if (!Number.isSafeInteger(offset) || offset < 0) return null;
  const index = Math.floor(offset / ID_STRIDE);
  return seededCustomerId(seed, index) === id ? index : null;
}

type Span = { fromMs: number; toMs: number };
const within = (random: Random, span: Span) => toShopifyDateTime(span.fromMs + (span.toMs - span.fromMs) * random.next());

const CUSTOMER_STATES = weights<CustomerState>({ DISABLED: 62, ENABLED: 33, INVITED: 4, DECLINED: 1 });
const EMAIL_STATES = weights<EmailMarketingState>({ SUBSCRIBED: 45, NOT_SUBSCRIBED: 25, UNSUBSCRIBED: 15, PENDING: 8, INVALID: 2 });
const EMAIL_OPT_IN_LEVELS: Record<EmailMarketingState, WeightTable<MarketingOptInLevel>> = {
  SUBSCRIBED: weights({ SINGLE_OPT_IN: 60, CONFIRMED_OPT_IN: 35, UNKNOWN: 5 }),
  PENDING: weights({ CONFIRMED_OPT_IN: 1 }),
  NOT_SUBSCRIBED: weights({ SINGLE_OPT_IN: 85, UNKNOWN: 15 }),
  UNSUBSCRIBED: weights({ SINGLE_OPT_IN: 70, CONFIRMED_OPT_IN: 30 }),
  INVALID: weights({ UNKNOWN: 1 }),
};
const SMS_STATES = weights<SmsMarketingState>({ NOT_SUBSCRIBED: 45, SUBSCRIBED: 30, UNSUBSCRIBED: 14, PENDING: 8, REDACTED: 3 });
const SMS_OPT_IN_LEVELS = weights<MarketingOptInLevel>({ SINGLE_OPT_IN: 85, CONFIRMED_OPT_IN: 10, UNKNOWN: 5 });
const COLLECTED_FROM = weights<ConsentCollectedFrom>({ SHOPIFY: 7, OTHER: 3 });

export function seedCustomer(seed: number, index: number, now: string = DEFAULT_NOW): SandboxCustomer {
  const random = new Random(mixSeed(seed ^ 0x2545f491, index));
  const nowMs = Date.parse(now);

  const hasAddress = random.chance(0.96);
  const country = random.weighted(COUNTRY_WEIGHTS);
  const pools = countryPools(country);
  const firstName = random.chance(0.98) ? random.pick(pools.firstNames) : null;
  const lastName = random.chance(0.99) ? random.pick(pools.lastNames) : null;

  const createdMs = nowMs - random.next() * FIVE_YEARS_MS;
  const orders = seedOrders(random, createdMs, nowMs);
  const lastActivityMs = orders.lastOrderMs ?? createdMs;
  // Skewed towards the last activity: most customers are not touched again for a long time.
  const updatedMs = lastActivityMs + (nowMs - lastActivityMs) * random.next() ** 3;
  const span = { fromMs: createdMs, toMs: updatedMs };

  const email = random.chance(0.95) ? seedEmail(random, index, firstName, lastName, span) : null;
  const phone = random.chance(0.45) ? seedPhone(random, seed, index, country, span) : null;
  const state = random.weighted(CUSTOMER_STATES);

  return {
    id: seededCustomerId(seed, index),
    firstName,
    lastName,
    email,
    phone,
    tags: TAG_PROBABILITIES.filter(([, probability]) => random.chance(probability)).map(([tag]) => tag),
    address: hasAddress ? seedAddress(random, country, firstName, lastName, phone) : null,
    locale: seedLocale(random, country),
    state,
    verifiedEmail: email !== null && (state === "ENABLED" || random.chance(0.85)),
    note: random.chance(0.05) ? random.pick(NOTES) : null,
    numberOfOrders: orders.count,
    amountSpentCents: orders.amountCents,
    firstOrderAt: orders.firstOrderMs === null ? null : toShopifyDateTime(orders.firstOrderMs),
    lastOrder:
      orders.lastOrderMs === null
        ? null
        : {
            id: orderIdBase(seed) + index * ORDERS_PER_CUSTOMER_STRIDE + orders.count,
            name: `#${1001 + index * ORDERS_PER_CUSTOMER_STRIDE + orders.count}`,
            createdAt: toShopifyDateTime(orders.lastOrderMs),
          },
    createdAt: toShopifyDateTime(createdMs),
    updatedAt: toShopifyDateTime(updatedMs),
  };
}

export function orderIdBase(seed: number): number {
  return 5_000_000_000_000 + (((seed % 1000) + 1000) % 1000) * 1_000_000_000;
}

function seedOrders(random: Random, createdMs: number, nowMs: number) {
  if (random.chance(0.35)) return { count: 0, amountCents: 0, firstOrderMs: null, lastOrderMs: null };
  // Roughly exponential: most buyers have a handful of orders, a few have dozens.
  const count = Math.min(40, 1 + Math.floor(-Math.log(1 - random.next()) * 3.5));
  let amountCents = 0;
  for (let i = 0; i < count; i++) amountCents += random.int(900, 30_000);
  const firstOrderMs = createdMs + (nowMs - createdMs) * random.next() * 0.5;
  const lastOrderMs = count === 1 ? firstOrderMs : firstOrderMs + (nowMs - firstOrderMs) * random.next();
  return { count, amountCents, firstOrderMs, lastOrderMs };
}

function seedEmail(random: Random, index: number, firstName: string | null, lastName: string | null, span: Span): SandboxEmail {
  const first = asciiLower(firstName ?? "") || "customer";
  const last = asciiLower(lastName ?? "");
  const local = random.pick([
    `${first}.${last}`,
    `${first}${last}`,
    `${first[0]}${last}`,
    last ? `${last}.${first}` : first,
  ]);
  // The index is the only digit run in the address, so addresses are unique within the store.
  const address = `${local.replace(/\.$/, "")}${index}@${random.weighted(EMAIL_DOMAINS)}`;
  const marketingState = random.weighted(EMAIL_STATES);
  return {
    address,
    marketingState,
    marketingOptInLevel: random.weighted(EMAIL_OPT_IN_LEVELS[marketingState]),
    // A customer who never subscribed usually has no consent change on record.
    marketingUpdatedAt: marketingState === "NOT_SUBSCRIBED" && random.chance(0.6) ? null : within(random, span),
  };
}

function seedPhone(random: Random, seed: number, index: number, country: CountryCode, span: Span): SandboxPhone {
  const prefix = COUNTRIES[country].mobilePrefix(random);
  // 7 digits that are a bijection of the index (7919 is coprime to 10 and 2), so numbers are unique.
  const mixed = index * 7919 + (seed >>> 0);
  const local = isNanp(country) ? 2_000_000 + (mixed % 8_000_000) : mixed % 10_000_000;
  const marketingState = random.weighted(SMS_STATES);
  const touched = marketingState !== "NOT_SUBSCRIBED" || random.chance(0.3);
  return {
    number: `${prefix}${String(local).padStart(7, "0")}`,
    marketingState,
    marketingOptInLevel: touched ? random.weighted(SMS_OPT_IN_LEVELS) : null,
    marketingUpdatedAt: touched ? within(random, span) : null,
    marketingCollectedFrom: touched ? random.weighted(COLLECTED_FROM) : null,
  };
}

const HOUSE_NUMBER_FIRST = new Set<CountryCode>(["GB", "US", "AU", "CA", "FR"]);

function seedAddress(
  random: Random,
  country: CountryCode,
  firstName: string | null,
  lastName: string | null,
  phone: SandboxPhone | null,
): SandboxAddress {
  const pools = countryPools(country);
  const street = random.pick(pools.streets);
  const number = random.int(1, 220);
  const province = pools.provinces?.length ? random.pick(pools.provinces) : null;
  return {
    firstName,
    lastName,
    company: random.chance(0.06) ? random.pick(pools.companies) : null,
    address1: HOUSE_NUMBER_FIRST.has(country) ? `${number} ${street}` : `${street} ${number}`,
    address2: null,
    city: random.pick(pools.cities),
    province: province?.[0] ?? null,
    provinceCode: province?.[1] ?? null,
    country: COUNTRIES[country].name,
    countryCode: country,
    zip: random.pick(pools.zips),
    phone: phone && random.chance(0.3) ? phone.number : null,
  };
}

function seedLocale(random: Random, country: CountryCode): string {
  if (country === "CA") return random.chance(0.2) ? "fr" : "en";
  return random.chance(0.15) ? "en" : COUNTRIES[country].locale;
}

const SPECIAL_LETTERS: Record<string, string> = { ø: "o", æ: "ae", ß: "ss", đ: "d", ł: "l", œ: "oe" };

const asciiNames = new Map<string, string>();

/**
 * "Åsa-Märta Ødegård" → "asamartaodegard": what a mailbox name built from a person's name looks like.
 * Names come from finite pools, so the (slow) Unicode normalisation runs once per name.
 */
function asciiLower(name: string): string {
  let ascii = asciiNames.get(name);
  if (ascii === undefined) {
    ascii = name
      .toLowerCase()
      .replace(/[øæßđłœ]/g, (letter) => SPECIAL_LETTERS[letter])
      .normalize("NFD")
      .replace(/[^a-z]/g, "");
    asciiNames.set(name, ascii);
  }
  return ascii;
}
