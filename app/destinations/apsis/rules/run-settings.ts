import { parseJsonAs } from "../../../utils/parse-json";
import { z } from "zod";
import { SyncConditionsSchema } from "./conditions";
import { ATTRIBUTE_VALUE_TYPES, isShopifyFieldKey, type ShopifyFieldKey } from "./shopify-fields";

/**
 * What a Full Sync run was started with (SyncRun.settings, JSON): the keyspace, conditions and mappings as they
 * were saved when the merchant pressed the button. Every attempt of the run (a retry, a resume after a crash)
 * syncs with exactly these, whatever is saved meanwhile.
 */
export const FullSyncRunSettingsSchema = z.object({
  keyspace: z.string().min(1),
  conditions: SyncConditionsSchema,
  attributes: z.record(
    z.string(),
    z.array(
      z.object({
        field: z.string().refine(isShopifyFieldKey).transform((f) => f as ShopifyFieldKey),
        attribute: z.string().min(1),
        attributeType: z.enum(ATTRIBUTE_VALUE_TYPES).nullable(),
      }),
    ),
  ),
  consents: z.record(z.string(), z.object({ email: z.array(z.string()), sms: z.array(z.string()) })),
});
export type FullSyncRunSettings = z.output<typeof FullSyncRunSettingsSchema>;

export const parseFullSyncRunSettings = (json: string): FullSyncRunSettings | null => parseJsonAs(FullSyncRunSettingsSchema, json);
