import { describe, expect, it } from "vitest";
import type { SandboxCustomer } from "../../../../sandbox/shopify/customer";
import { compileCustomerSearch } from "../../../../sandbox/shopify/graphql/customer-search";
import { seedCustomer } from "../../../../sandbox/shopify/seed";
import type { SendChoices } from "./choices";
import { activityWindow, decideCustomer } from "./filter";
import { customerSearchQuery } from "./search-query";

/** The fields decideCustomer reads, as the Shopify reader would produce them from a sandbox customer. */
const asShopify = (c: SandboxCustomer) => ({
  email: c.email?.address ?? null,
  emailMarketingState: c.email?.marketingState ?? null,
  updatedAt: c.updatedAt,
  lastOrderAt: c.lastOrder?.createdAt ?? null,
});

const zone = "America/New_York";
const time = { zone, nowMs: Date.parse("2026-11-01T00:00:00Z") };

// Seeded customers always have last order ≤ updated; a few hand-made ones have an order after the update.
const customers: SandboxCustomer[] = [
  ...Array.from({ length: 3000 }, (_, i) => seedCustomer(11, i)),
  ...[
    ["2026-02-10T12:00:00Z", "2026-03-10T12:00:00Z"],
    ["2026-03-10T12:00:00Z", "2026-04-10T12:00:00Z"],
    ["2026-01-10T12:00:00Z", "2026-01-11T12:00:00Z"],
  ].map(([updatedAt, lastOrderAt], i) => {
    const base = seedCustomer(11, 5000 + i);
    return { ...base, email: base.email && { ...base.email, marketingState: "SUBSCRIBED" as const }, updatedAt, firstOrderAt: lastOrderAt, lastOrder: { id: 1, name: "#1", createdAt: lastOrderAt } };
  }),
];

describe("customerSearchQuery says exactly what decideCustomer decides (checked with the sandbox's Shopify search)", () => {
  it.each<Pick<SendChoices, "profileGroup" | "activityFrom" | "activityTo">>([
    { profileGroup: "all" },
    { profileGroup: "subscribers" },
    { profileGroup: "subscribers", activityFrom: "2026-01-01" },
    { profileGroup: "all", activityTo: "2025-06-30" },
    { profileGroup: "subscribers", activityFrom: "2026-03-01", activityTo: "2026-03-31" },
    { profileGroup: "all", activityFrom: "2024-01-01", activityTo: "2024-12-31" },
  ])("%j", (choices) => {
    const search = compileCustomerSearch(customerSearchQuery(choices), time);
    const window = activityWindow({ ...choices, timeZone: zone });
    const mismatches = customers.filter(
      (c) => search.matches(c) !== (decideCustomer({ customer: asShopify(c), profileGroup: choices.profileGroup, window }).action === "send"),
    );
    expect(mismatches.map((c) => c.id)).toEqual([]);
    expect(customers.filter((c) => search.matches(c)).length).toBeGreaterThan(0);
  });
});
