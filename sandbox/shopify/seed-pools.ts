/**
 * Reference data for seeded customers: the 12 countries with their weights, phone formats and locales, and
 * per-country pools of names, streets, cities and postcodes drawn once from @faker-js/faker's locale data.
 * Pools are built lazily with a fixed seed, so they are the same in every process (for one faker version),
 * and picking from them with our own PRNG keeps `seedCustomer` at a few microseconds.
 */
import {
  Faker,
  base,
  da,
  de,
  en,
  en_AU,
  en_CA,
  en_GB,
  en_US,
  es,
  fi,
  fr,
  nb_NO,
  nl,
  sv,
  type LocaleDefinition,
} from "@faker-js/faker";
import { mixSeed, Random, weights } from "./random";

export type CountryCode = "SE" | "GB" | "US" | "DE" | "NO" | "DK" | "FI" | "FR" | "NL" | "AU" | "CA" | "ES";

type CountrySpec = {
  name: string;
  weight: number;
  fakerLocale: LocaleDefinition;
  /** Customer.locale for most customers of the country (some pick "en" instead). */
  locale: string;
  /** Country calling code plus mobile prefix; seven index-derived digits follow (see seed.ts). */
  mobilePrefix: (random: Random) => string;
  /** Shopify has provinces for these countries only; `null` means no province. */
  provinces: "faker" | readonly (readonly [name: string, code: string])[] | null;
};

const NANP_AREA_CODES = {
  US: ["212", "305", "312", "415", "512", "617", "646", "702", "206", "303"],
  CA: ["416", "514", "604", "403", "613", "780", "902", "306"],
} as const;

export const COUNTRIES: Record<CountryCode, CountrySpec> = {
  SE: { name: "Sweden", weight: 22, fakerLocale: sv, locale: "sv", mobilePrefix: (r) => `+467${r.pick(["0", "2", "3", "6"])}`, provinces: null },
  GB: { name: "United Kingdom", weight: 15, fakerLocale: en_GB, locale: "en", mobilePrefix: (r) => `+447${r.int(10, 99)}`, provinces: null },
  US: { name: "United States", weight: 15, fakerLocale: en_US, locale: "en", mobilePrefix: (r) => `+1${r.pick(NANP_AREA_CODES.US)}`, provinces: "faker" },
  DE: { name: "Germany", weight: 10, fakerLocale: de, locale: "de", mobilePrefix: (r) => `+4917${r.int(0, 9)}`, provinces: null },
  NO: { name: "Norway", weight: 8, fakerLocale: nb_NO, locale: "nb", mobilePrefix: (r) => `+47${r.pick(["4", "9"])}`, provinces: null },
  DK: { name: "Denmark", weight: 7, fakerLocale: da, locale: "da", mobilePrefix: (r) => `+45${r.pick(["2", "3", "4", "5"])}`, provinces: null },
  FI: { name: "Finland", weight: 6, fakerLocale: fi, locale: "fi", mobilePrefix: (r) => `+3584${r.pick(["0", "1", "4", "5"])}`, provinces: null },
  FR: { name: "France", weight: 5, fakerLocale: fr, locale: "fr", mobilePrefix: (r) => `+33${r.pick(["6", "7"])}${r.int(0, 9)}`, provinces: null },
  NL: { name: "Netherlands", weight: 4, fakerLocale: nl, locale: "nl", mobilePrefix: (r) => `+316${r.int(1, 9)}`, provinces: null },
  AU: { name: "Australia", weight: 3, fakerLocale: en_AU, locale: "en", mobilePrefix: (r) => `+614${r.int(0, 9)}`, provinces: "faker" },
  CA: { name: "Canada", weight: 3, fakerLocale: en_CA, locale: "en", mobilePrefix: (r) => `+1${r.pick(NANP_AREA_CODES.CA)}`, provinces: "faker" },
  ES: {
    name: "Spain",
    weight: 2,
    fakerLocale: es,
    locale: "es",
    mobilePrefix: (r) => `+346${r.int(0, 9)}`,
    // Shopify's codes for Spain are the ISO 3166-2 province codes, which faker's "state" list is not.
    provinces: [["Madrid", "M"], ["Barcelona", "B"], ["Valencia", "V"], ["Sevilla", "SE"], ["Málaga", "MA"], ["Bizkaia", "BI"]],
  },
};

export const COUNTRY_WEIGHTS = weights(
  Object.fromEntries(Object.entries(COUNTRIES).map(([code, spec]) => [code, spec.weight])) as Record<CountryCode, number>,
);

export const isNanp = (code: CountryCode) => code === "US" || code === "CA";

export type CountryPools = {
  firstNames: readonly string[];
  lastNames: readonly string[];
  streets: readonly string[];
  cities: readonly string[];
  zips: readonly string[];
  companies: readonly string[];
  provinces: readonly (readonly [string, string])[] | null;
};

const pools = new Map<CountryCode, CountryPools>();

export function countryPools(code: CountryCode): CountryPools {
  let built = pools.get(code);
  if (!built) {
    built = buildPools(code);
    pools.set(code, built);
  }
  return built;
}

function buildPools(code: CountryCode): CountryPools {
  const spec = COUNTRIES[code];
  let random = new Random(mixSeed(0x5eed, code.charCodeAt(0) * 256 + code.charCodeAt(1)));
  const faker = new Faker({
    locale: [spec.fakerLocale, en, base],
    randomizer: { next: () => random.next(), seed: (seed) => void (random = new Random(Array.isArray(seed) ? seed[0] : seed)) },
  });
  const person = faker.rawDefinitions.person;
  const location = faker.rawDefinitions.location;
  const draw = (count: number, make: () => string) => [...new Set(Array.from({ length: count }, make))];
  return {
    firstNames: flatten(person?.first_name),
    lastNames: flatten(person?.last_name),
    streets: draw(150, () => faker.location.street()),
    cities: draw(100, () => faker.location.city()),
    zips: draw(200, () => faker.location.zipCode()),
    companies: draw(40, () => faker.company.name()),
    provinces:
      spec.provinces === "faker"
        ? (location?.state ?? []).map((name, i) => [name, location?.state_abbr?.[i] ?? name] as const)
        : spec.provinces,
  };
}

/** Faker keeps names as `{generic, female, male}` (any subset); we want one deduplicated list. */
function flatten(names: { [variant: string]: string[] | undefined } | null | undefined): string[] {
  return [...new Set(Object.values(names ?? {}).flatMap((list) => list ?? []))];
}

/** In alphabetical order, so the tags a customer draws come out sorted, as Shopify returns them. */
export const TAG_PROBABILITIES: readonly (readonly [tag: string, probability: number])[] = [
  ["b2b", 0.02],
  ["imported", 0.1],
  ["influencer", 0.01],
  ["loyalty-gold", 0.04],
  ["loyalty-silver", 0.08],
  ["newsletter", 0.25],
  ["pos", 0.05],
  ["sale-hunter", 0.07],
  ["vip", 0.06],
  ["wholesale", 0.03],
];

export const NOTES = [
  "Prefers contact by email.",
  "Asked about the loyalty programme at the pop-up store.",
  "Wholesale enquiry, follow up in Q1.",
  "Returned an order in good condition.",
  "VIP event guest.",
];

export const EMAIL_DOMAINS = weights({ "example.com": 5, "example.net": 3, "example.org": 2 });
