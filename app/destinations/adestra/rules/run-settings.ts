import { parseJsonAs } from "../../../utils/parse-json";
import { z } from "zod";
import { RelativeRangeSchema, SendChoicesSchema } from "./choices";

/**
 * What an Adestra send run was started with (SyncRun.settings, JSON): the job reads everything from here,
 * so a run sends what the merchant saw when they pressed the button, whatever is saved later.
 */
export const SendRunSettingsSchema = z.object({
  /** With the activity range as fixed days: a relative one is resolved on the day the run started. */
  choices: SendChoicesSchema,
  /** The relative range those days came from ("this_year"…), when the choice was one. */
  activityRelative: RelativeRangeSchema.optional(),
  listName: z.string().nullable(),
  coreTableId: z.number().int().positive(),
  unsubListId: z.number().int().positive(),
  /** Whose "last send" a success updates: the On Demand tab's, Auto Send's, or none. */
  recordAs: z.enum(["on_demand", "auto"]).nullable(),
});
export type SendRunSettings = z.infer<typeof SendRunSettingsSchema>;

export const parseSendRunSettings = (json: string): SendRunSettings | null => parseJsonAs(SendRunSettingsSchema, json);
