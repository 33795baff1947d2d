import { describe, expect, it } from "vitest";
import { seedCustomer, seededCustomerId, seededIndexOf } from "./seed";

const SAMPLE = 2_000;
const customers = Array.from({ length: SAMPLE }, (_, index) => seedCustomer(42, index));
const share = (count: number) => count / SAMPLE;
const countWhere = (test: (c: (typeof customers)[number]) => boolean) => customers.filter(test).length;

describe("seedCustomer", () => {
  it("is a pure function of (seed, index, now)", () => {
    expect(seedCustomer(42, 123)).toEqual(seedCustomer(42, 123));
    expect(seedCustomer(42, 123)).toEqual(customers[123]);
    expect(seedCustomer(43, 123)).not.toEqual(seedCustomer(42, 123));
    expect(seedCustomer(42, 123, "2025-01-01T00:00:00Z")).not.toEqual(seedCustomer(42, 123));
  });

  it("gives ids that ascend with the index and map back to it", () => {
    const ids = customers.map((c) => c.id);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    expect(seededIndexOf(42, seededCustomerId(42, 1_234_567))).toBe(1_234_567);
    expect(seededIndexOf(42, seededCustomerId(42, 5) + 1)).toBeNull();
  });

  it("gives unique email addresses and E.164 phone numbers", () => {
    const emails = customers.flatMap((c) => (c.email ? [c.email.address] : []));
    const phones = customers.flatMap((c) => (c.phone ? [c.phone.number] : []));
    expect(new Set(emails).size).toBe(emails.length);
    expect(new Set(phones).size).toBe(phones.length);
    expect(emails.every((e) => /^[a-z.]+\d+@example\.(com|net|org)$/.test(e))).toBe(true);
    expect(phones.every((p) => /^\+[1-9]\d{9,13}$/.test(p))).toBe(true);
  });

  it("keeps dates consistent: created ≤ last order ≤ updated ≤ now", () => {
    const now = Date.parse("2026-11-01T00:00:00Z");
    for (const c of customers) {
      const created = Date.parse(c.createdAt);
      const updated = Date.parse(c.updatedAt);
      expect(created).toBeGreaterThanOrEqual(now - 5 * 366 * 24 * 3600 * 1000);
      expect(updated).toBeGreaterThanOrEqual(created);
      expect(updated).toBeLessThanOrEqual(now);
      if (c.lastOrder) {
        expect(Date.parse(c.lastOrder.createdAt)).toBeGreaterThanOrEqual(created);
        expect(Date.parse(c.lastOrder.createdAt)).toBeLessThanOrEqual(updated);
      }
      if (c.email?.marketingUpdatedAt) expect(Date.parse(c.email.marketingUpdatedAt)).toBeLessThanOrEqual(updated);
    }
  });

  it("keeps orders and spend consistent", () => {
    for (const c of customers) {
      expect(c.numberOfOrders).toBeLessThanOrEqual(40);
      if (c.numberOfOrders === 0) {
        expect(c.amountSpentCents).toBe(0);
        expect(c.lastOrder).toBeNull();
      } else {
        expect(c.amountSpentCents).toBeGreaterThan(0);
        expect(c.lastOrder?.name).toMatch(/^#\d+$/);
      }
    }
    expect(share(countWhere((c) => c.numberOfOrders === 0))).toBeCloseTo(0.35, 1);
  });

  it("has the specified mix of consent, phones, countries and tags", () => {
    expect(share(countWhere((c) => c.email === null))).toBeCloseTo(0.05, 1);
    const withEmail = customers.filter((c) => c.email);
    const emailShare = (state: string) => withEmail.filter((c) => c.email!.marketingState === state).length / withEmail.length;
    expect(emailShare("SUBSCRIBED")).toBeGreaterThan(0.4);
    expect(emailShare("SUBSCRIBED")).toBeLessThan(0.55);
    expect(emailShare("NOT_SUBSCRIBED")).toBeCloseTo(0.26, 1);
    expect(emailShare("UNSUBSCRIBED")).toBeCloseTo(0.16, 1);
    expect(emailShare("PENDING")).toBeCloseTo(0.08, 1);
    expect(emailShare("INVALID")).toBeGreaterThan(0);
    expect(emailShare("INVALID")).toBeLessThan(0.05);
    expect(new Set(withEmail.map((c) => c.email!.marketingOptInLevel))).toEqual(new Set(["SINGLE_OPT_IN", "CONFIRMED_OPT_IN", "UNKNOWN"]));

    expect(share(countWhere((c) => c.phone !== null))).toBeCloseTo(0.45, 1);
    expect(countWhere((c) => c.phone?.marketingState === "REDACTED")).toBeGreaterThan(0);

    const countries = new Map<string, number>();
    for (const c of customers) if (c.address) countries.set(c.address.countryCode, (countries.get(c.address.countryCode) ?? 0) + 1);
    expect([...countries.keys()].sort()).toEqual(["AU", "CA", "DE", "DK", "ES", "FI", "FR", "GB", "NL", "NO", "SE", "US"]);
    expect(Math.max(...countries.values())).toBe(countries.get("SE"));
    expect(customers.filter((c) => c.address?.countryCode === "US").every((c) => c.address!.provinceCode)).toBe(true);
    expect(customers.filter((c) => c.address?.countryCode === "SE").every((c) => c.address!.province === null)).toBe(true);

    expect(share(countWhere((c) => c.tags.includes("vip")))).toBeGreaterThan(0.02);
    expect(customers.every((c) => c.tags.join() === [...c.tags].sort().join())).toBe(true);
  });
});
