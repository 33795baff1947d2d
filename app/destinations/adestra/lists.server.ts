import type { ShopContext } from "../../models/shop.server";
import type { Result } from "../../utils/user-facing-error";
import { BOUNDS, boundedText, clipText } from "../../utils/input-bounds";
import { describeAdestraError, INTERACTIVE, openAdestraConnection } from "./account.server";

/**
 * "Select Adestra List": the lists on the connected core table, and creating one by name. Lists on other
 * core tables are never offered (a send to them is refused too: send.server.ts checkSendTarget).
 */

/** Adestra documents no limit for list names; 100 characters is ours (well under its 255-character fields). */
export const LIST_NAME_MAX_LENGTH = BOUNDS.name;

export const ListNameSchema = boundedText({ what: "the name", max: LIST_NAME_MAX_LENGTH, missing: "enter a name for the list" });

export const LIST_NAME_TAKEN = "a list with this name already exists — select it instead";

export type AdestraListOption = { id: number; name: string };

async function openCoreTable(shop: ShopContext) {
  const opened = await openAdestraConnection({ shopId: shop.id }, INTERACTIVE);
  if (!opened || opened.connection.coreTableId === null) return null;
  return { client: opened.client, tableId: opened.connection.coreTableId };
}

async function listsOnTable(table: NonNullable<Awaited<ReturnType<typeof openCoreTable>>>): Promise<AdestraListOption[]> {
  const lists: AdestraListOption[] = [];
  for await (const list of table.client.lists.allOnTable({ tableId: table.tableId })) {
    // The name is Adestra's: clipped, so a huge one cannot bloat the page (utils/input-bounds.ts).
    if (list.table_id === table.tableId) lists.push({ id: list.id, name: clipText(list.name) });
  }
  return lists.sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || a.id - b.id);
}

/** The lists on the connected core table, by name; [] when no core table is chosen. Adestra failures throw. */
export async function listAdestraLists({ shop }: { shop: ShopContext }): Promise<AdestraListOption[]> {
  const table = await openCoreTable(shop);
  return table ? listsOnTable(table) : [];
}

export type CreateListResult = Result<"name", { list: AdestraListOption }>;

/** Creates a list on the connected core table. A name already used there (ignoring case) is refused. */
export async function createAdestraList({ shop, name }: { shop: ShopContext; name: unknown }): Promise<CreateListResult> {
  const parsed = ListNameSchema.safeParse(name);
  const table = await openCoreTable(shop);
  if (!parsed.success) return { ok: false, fieldErrors: { name: parsed.error.issues[0].message } };
  if (!table) return { ok: false, formError: "Connect Adestra and choose a core table in Settings first." };
  try {
    const wanted = parsed.data.toLocaleLowerCase();
    if ((await listsOnTable(table)).some((l) => l.name.trim().toLocaleLowerCase() === wanted)) {
      return { ok: false, fieldErrors: { name: LIST_NAME_TAKEN } };
    }
    const created = await table.client.lists.create({ name: parsed.data, tableId: table.tableId });
    return { ok: true, list: { id: created.id, name: clipText(created.name) } };
  } catch (error) {
    return { ok: false, formError: describeAdestraError(error) };
  }
}
