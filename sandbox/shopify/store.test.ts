import { describe, expect, it } from "vitest";
import { seedCustomer } from "./seed";
import { SandboxStore } from "./store";

const config = { domain: "overlay.myshopify.com", name: "Overlay", ianaTimezone: "UTC", customers: 50, seed: 3 };

describe("SandboxStore", () => {
  it("reads the seed until something changes", () => {
    const store = new SandboxStore(config);
    expect([...store.customers()]).toEqual(Array.from({ length: 50 }, (_, i) => seedCustomer(3, i)));
    expect(store.getCustomer(seedCustomer(3, 10).id)).toEqual(seedCustomer(3, 10));
    expect(store.getCustomer(`gid://shopify/Customer/${seedCustomer(3, 10).id}`)).toEqual(seedCustomer(3, 10));
    expect(store.getCustomer(seedCustomer(3, 10).id + 1)).toBeNull();
  });

  it("overlays updates, creations and deletions, and keeps id order", () => {
    const store = new SandboxStore(config);
    const target = seedCustomer(3, 5);
    const updated = store.updateCustomer(target.id, {
      email: { ...target.email!, marketingState: target.email!.marketingState === "SUBSCRIBED" ? "UNSUBSCRIBED" : "SUBSCRIBED" },
    });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(target.updatedAt));
    expect(updated.email!.marketingUpdatedAt).toBe(updated.updatedAt);
    expect(store.getCustomer(target.id)).toEqual(updated);

    const created = store.createCustomer({ firstName: "Nova" });
    expect(created.firstName).toBe("Nova");
    expect(created.numberOfOrders).toBe(0);
    store.deleteCustomer(seedCustomer(3, 7).id);
    expect(store.getCustomer(seedCustomer(3, 7).id)).toBeNull();
    expect(store.getCustomer(seedCustomer(3, 7).id, { includeDeleted: true })?.id).toBe(seedCustomer(3, 7).id);
    expect(store.count()).toBe(50);

    const ids = [...store.customers()].map((c) => c.id);
    expect(ids).toHaveLength(50);
    expect(ids.at(-1)).toBe(created.id);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
    expect([...store.customers({ reverse: true })].map((c) => c.id)).toEqual([...ids].reverse());
    expect([...store.customers({ afterId: ids[47], beforeId: created.id })].map((c) => c.id)).toEqual([ids[48]]);
    expect(() => (updated as { firstName: string | null }).firstName = "x").toThrow(TypeError);
  });

  it("records orders on the customer", () => {
    const store = new SandboxStore(config);
    const buyer = seedCustomer(3, 1);
    const order = store.createOrder(buyer.id, { totalPriceCents: 2_500 });
    const after = store.getCustomer(buyer.id)!;
    expect(after.numberOfOrders).toBe(buyer.numberOfOrders + 1);
    expect(after.amountSpentCents).toBe(buyer.amountSpentCents + 2_500);
    expect(after.lastOrder).toEqual({ id: order.id, name: order.name, createdAt: order.createdAt });
  });
});
