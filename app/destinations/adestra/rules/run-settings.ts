import { parseJsonAs } from "../../../utils/parse-json";
import { z } from "zod";
import { SendChoicesSchema } from "./choices";

/**
 * What an Adestra send run was started with (SyncRun.settings, JSON): the job reads everything from here,
 * so a run sends what the merchant saw when they pressed the button, whatever is saved later.
 */
export const SendRunSettingsSchema = z.object({
  choices: SendChoicesSchema,
  listName: z.string().nullable(),
  coreTableId: z.number().int().positive(),
  unsubListId: z.number().int().positive(),
  /** Whose "last send" a success updates: the On Demand tab's, Auto Send's, or none. */
  recordAs: z.enum(["on_demand", "auto"]).nullable(),
});
export type SendRunSettings = z.infer<typeof SendRunSettingsSchema>;

export const parseSendRunSettings = (json: string): SendRunSettings | null => parseJsonAs(SendRunSettingsSchema, json);
