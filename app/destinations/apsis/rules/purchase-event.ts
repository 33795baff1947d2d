import type { z } from "zod";
import type { OrderPayloadSchema } from "../../../shopify/webhook-topics";

/**
 * A Shopify order (orders/create payload) as the data of an APSIS One purchase event. One event per order, with
 * its line items inside (APSIS caps an event's payload at 100 kB; Magento's integration posts items as separate
 * sub-events, but a Shopify Section defines one purchase event, so they travel in it). Amounts are numbers in
 * the order's currency; ids are the Shopify numeric ids as strings (they exceed 2^53).
 */

export type PurchaseEventData = {
  order_id: string;
  order_number: string;
  total_price: number;
  currency: string;
  items_count: number;
  items: { product_id: string | null; variant_id: string | null; sku: string | null; title: string; quantity: number; price: number }[];
};

/** Far below 100 kB even with long titles; an order with more lines keeps the first ones and the true count. */
export const MAX_EVENT_ITEMS = 100;
const MAX_TITLE = 255;

export function purchaseEventData(order: z.infer<typeof OrderPayloadSchema>): PurchaseEventData {
  return {
    order_id: order.id,
    order_number: order.name,
    total_price: Number(order.total_price),
    currency: order.currency,
    items_count: order.line_items.reduce((sum, item) => sum + item.quantity, 0),
    items: order.line_items.slice(0, MAX_EVENT_ITEMS).map((item) => ({
      product_id: item.product_id ?? null,
      variant_id: item.variant_id ?? null,
      sku: item.sku || null,
      title: (item.variant_title ? `${item.title} - ${item.variant_title}` : item.title).slice(0, MAX_TITLE),
      quantity: item.quantity,
      price: Number(item.price),
    })),
  };
}
