import { IANAZone } from "luxon";
import { z } from "zod";
import { SHOP_QUERY } from "./documents";
import type { ShopifyGraphql } from "./graphql-client";
import { parseOrThrow } from "./parse";

export const ShopifyShopSchema = z.object({
  name: z.string(),
  /** IANA zone, e.g. "Europe/Stockholm": daily sends and "last send" are in the shop's time. */
  ianaTimezone: z.string().refine((zone) => IANAZone.isValidZone(zone), "must be an IANA time zone"),
  currencyCode: z.string().regex(/^[A-Z]{3}$/),
  myshopifyDomain: z.string(),
});
export type ShopifyShop = z.infer<typeof ShopifyShopSchema>;

export async function readShop({ graphql, signal }: { graphql: ShopifyGraphql; signal?: AbortSignal }): Promise<ShopifyShop> {
  const data = await graphql(SHOP_QUERY, { signal });
  return parseOrThrow({ schema: z.object({ shop: ShopifyShopSchema }), value: data, path: "data" }).shop;
}
