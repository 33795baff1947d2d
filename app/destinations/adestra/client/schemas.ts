/**
 * What Adestra's methods return, checked at the boundary. Field names are the API's own (table_id…), so a
 * reader can hold them against docs/apis/adestra-api.md. Ids arrive as ints, but REST clients cast them and
 * older servers are loose, so numeric strings are accepted too.
 */
import { z } from "zod";

export const IdSchema = z.union([z.int().positive(), z.string().regex(/^[1-9]\d*$/).transform(Number)]);

/** 1/0 as an int, a numeric string or a boolean ("bool-ish" replies such as unsubList.check). */
export const FlagSchema = z
  .union([z.boolean(), z.literal(0), z.literal(1), z.literal("0"), z.literal("1")])
  .transform((flag) => flag === true || flag === 1 || flag === "1");

export const CoreTableSchema = z.object({ id: IdSchema, name: z.string() });
export type AdestraCoreTable = z.output<typeof CoreTableSchema>;

/** table_columns is what REST's GET /core_tables/{id} shows; assumed (INFERRED) for coreTable.get too. */
export const CoreTableDetailSchema = CoreTableSchema.extend({ table_columns: z.array(z.object({ name: z.string() })).optional() });
export type AdestraCoreTableDetail = z.output<typeof CoreTableDetailSchema>;

export const ListSchema = z.object({
  id: IdSchema,
  name: z.string(),
  table_id: IdSchema,
  workspace_id: IdSchema.optional(),
  description: z.string().optional(),
});
export type AdestraList = z.output<typeof ListSchema>;

/** id and email, plus whatever core fields the table has. */
export const ContactSchema = z.looseObject({ id: IdSchema, email: z.string() });
export type AdestraContact = z.output<typeof ContactSchema>;

export const UnsubListSchema = z.object({ id: IdSchema, name: z.string() });
export type AdestraUnsubList = z.output<typeof UnsubListSchema>;

/** contact.import answers 1 ("Import request received"). */
export const QueuedSchema = z.union([z.literal(1), z.literal("1"), z.literal(true)]).transform(() => true as const);
