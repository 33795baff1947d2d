/**
 * Test data, in one place, from one seeded faker. The seed is the test file's path: a file gets the same data
 * on every run and machine, and each test starts again from that seed, so a test's data does not depend on
 * which other tests ran before it (`-t` gives what the whole file gives). A test states the values it asserts
 * as overrides; everything else is faker's.
 *
 * Consent is never random: a customer is SUBSCRIBED to email (single opt-in) and NOT_SUBSCRIBED to SMS
 * unless the test says otherwise, so no test passes or fails on a state it did not choose.
 */
import { faker } from "@faker-js/faker/locale/en";
import { beforeEach, expect } from "vitest";
import type { CustomerNodeSchema, ShopifyCustomer } from "../../app/shopify/customer";
import type { z } from "zod";

export { faker };

const fileSeed = seedOf(relativeTestPath(expect.getState().testPath));
// Dates are drawn before this instant, not before the clock's now, so they do not move from day to day.
faker.setDefaultRefDate("2026-06-01T00:00:00Z");
faker.seed(fileSeed);
beforeEach(() => {
  faker.seed(fileSeed);
});

function relativeTestPath(path: string | undefined): string {
  if (!path) throw new Error("tests/support/factories.ts is for test files: no test path to seed from");
  return path.startsWith(process.cwd()) ? path.slice(process.cwd().length + 1) : path;
}

/** FNV-1a of the path: a stable 32-bit seed. */
function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ char.codePointAt(0)!, 0x01000193) >>> 0;
  return hash;
}

/** ISO 8601 as Shopify writes it: UTC, whole seconds. */
const shopifyTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/** A customer as the app reads it from Shopify (app/shopify/customer.ts); `overrides` win. */
export function shopifyCustomer(overrides: Partial<ShopifyCustomer> = {}): ShopifyCustomer {
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  const createdAt = faker.date.past({ years: 3 });
  const updatedAt = faker.date.between({ from: createdAt, to: faker.defaultRefDate() });
  const numberOfOrders = faker.number.int({ min: 0, max: 20 });
  const { state, state_abbr } = faker.rawDefinitions.location as { state: string[]; state_abbr: string[] };
  const stateIndex = faker.number.int({ max: state.length - 1 });
  return {
    id: `gid://shopify/Customer/${faker.number.int({ min: 1, max: 9_999_999_999 })}`,
    email: faker.internet.email({ firstName, lastName, provider: "example.com" }).toLowerCase(),
    emailMarketingState: "SUBSCRIBED",
    emailMarketingOptInLevel: "SINGLE_OPT_IN",
    emailMarketingUpdatedAt: shopifyTime(faker.date.between({ from: createdAt, to: updatedAt })),
    phone: `+1${faker.string.numeric({ length: 10, allowLeadingZeros: false })}`,
    smsMarketingState: "NOT_SUBSCRIBED",
    smsMarketingUpdatedAt: null,
    firstName,
    lastName,
    displayName: `${firstName} ${lastName}`,
    tags: faker.helpers.arrayElements(["vip", "newsletter", "wholesale", "returning"], { min: 0, max: 2 }),
    countryCode: "US",
    country: "United States",
    province: state[stateIndex],
    provinceCode: state_abbr[stateIndex],
    city: faker.location.city(),
    zip: faker.location.zipCode("#####"),
    locale: "en",
    numberOfOrders,
    amountSpent: { amount: numberOfOrders ? faker.commerce.price({ min: 10, max: 2000 }) : "0.0", currencyCode: "USD" },
    lastOrderAt: numberOfOrders ? shopifyTime(faker.date.between({ from: createdAt, to: updatedAt })) : null,
    createdAt: shopifyTime(createdAt),
    updatedAt: shopifyTime(updatedAt),
    ...overrides,
  };
}

export type CustomerNode = z.input<typeof CustomerNodeSchema>;

/**
 * A customer node exactly as the Admin API answers CUSTOMER_SELECTION (app/shopify/documents.ts): a
 * shopifyCustomer (with `overrides`) in Shopify's shape, then `nodeOverrides` on the node's own keys (a
 * malformed value included, for the parser's tests).
 */
export function customerNode<NodeOverrides extends { [K in keyof CustomerNode]?: unknown } = object>(
  overrides: Partial<ShopifyCustomer> = {},
  nodeOverrides: NodeOverrides = {} as NodeOverrides,
): Omit<CustomerNode, keyof NodeOverrides> & NodeOverrides {
  const c = shopifyCustomer(overrides);
  const hasAddress = [c.countryCode, c.country, c.province, c.provinceCode, c.city, c.zip].some((value) => value !== null);
  const node: CustomerNode = {
    id: c.id,
    firstName: c.firstName,
    lastName: c.lastName,
    displayName: c.displayName,
    defaultEmailAddress:
      c.email === null
        ? null
        : { emailAddress: c.email, marketingState: c.emailMarketingState ?? "NOT_SUBSCRIBED", marketingOptInLevel: c.emailMarketingOptInLevel, marketingUpdatedAt: c.emailMarketingUpdatedAt },
    defaultPhoneNumber: c.phone === null ? null : { phoneNumber: c.phone, marketingState: c.smsMarketingState ?? "NOT_SUBSCRIBED", marketingUpdatedAt: c.smsMarketingUpdatedAt },
    tags: c.tags,
    defaultAddress: hasAddress ? { city: c.city, province: c.province, provinceCode: c.provinceCode, country: c.country, countryCodeV2: c.countryCode, zip: c.zip } : null,
    locale: c.locale,
    numberOfOrders: String(c.numberOfOrders),
    amountSpent: c.amountSpent,
    lastOrder: c.lastOrderAt === null ? null : { id: `gid://shopify/Order/${faker.number.int({ min: 1, max: 9_999_999_999 })}`, createdAt: c.lastOrderAt },
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
  return { ...node, ...nodeOverrides } as Omit<CustomerNode, keyof NodeOverrides> & NodeOverrides;
}
