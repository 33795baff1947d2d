import { z } from "zod";
import { fieldErrorsOf } from "../../utils/form-values";
import type { Result } from "../../utils/user-facing-error";
import { parseEnv } from "../../env.server";
import { AdestraAuthError, AdestraNotFoundError, AdestraPermissionError } from "./client/errors";
import {
  deleteAdestraConnection,
  getAdestraConnectionSummary,
  saveAdestraConnection,
  setAdestraTables,
} from "../../models/adestra-connection.server";
import { getSendSettingsRows, setAutoSendEnabled } from "../../models/adestra-send-settings.server";
import type { ShopContext } from "../../models/shop.server";
import { removeAdestraAutoSendScheduler } from "./auto-send-schedule.server";
import { encryptSecret } from "../../utils/crypto.server";
import { BOUNDS, clipText, tooLong } from "../../utils/input-bounds";
import { createAdestraClient, describeAdestraError, INTERACTIVE, openAdestraConnection } from "./account.server";

/**
 * Settings → Adestra: connect an account (verified before anything is saved), pick the core table and unsub
 * list the store sends to, disconnect. Every function takes the invited shop's context (resolveShopContext).
 */

type ConnectField = "accountName" | "username" | "password";

// The login is "<account>.<username>" over HTTP Basic, so neither part may contain ":".
const loginPart = (what: string) =>
  z
    .string({ error: `enter the ${what}` })
    .trim()
    .min(1, `enter the ${what}`)
    .max(BOUNDS.login, tooLong(`the ${what}`, BOUNDS.login))
    .refine((v) => !v.includes(":"), `the ${what} cannot contain ":"`);

export const ConnectAdestraSchema = z.object({
  accountName: loginPart("account name"),
  username: loginPart("username"),
  password: z.string({ error: "enter the password" }).min(1, "enter the password").max(BOUNDS.secret, tooLong("the password", BOUNDS.secret)),
});

export const WRONG_CREDENTIALS = "Adestra rejected the account name, username or password";

export async function connectAdestra({ shop, ...input }: { shop: ShopContext; accountName: unknown; username: unknown; password: unknown }): Promise<Result<ConnectField>> {
  const parsed = ConnectAdestraSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error, ["accountName", "username", "password"] as const) };
  const { accountName, username, password } = parsed.data;
  try {
    await createAdestraClient({ accountName, username, password }, INTERACTIVE).verifyCredentials();
  } catch (error) {
    if (error instanceof AdestraAuthError) return { ok: false, formError: WRONG_CREDENTIALS };
    return { ok: false, formError: `The connection could not be checked, so nothing was saved. ${describeAdestraError(error)}` };
  }
  const { accountChanged } = await saveAdestraConnection({
    shopId: shop.id,
    accountName,
    username,
    passwordEncrypted: encryptSecret(password, parseEnv().CREDENTIALS_ENCRYPTION_KEY),
  });
  // Another account's lists are not this one's: Auto Send must be set up again.
  if (accountChanged) await turnOffAutoSend({ shopId: shop.id });
  return { ok: true };
}

export type AdestraConnectionView =
  | { connected: false }
  | {
      connected: true;
      accountName: string;
      username: string;
      verifiedAt: Date;
      coreTable: { id: number; name: string } | null;
      unsubList: { id: number; name: string } | null;
    };

export async function getAdestraConnection({ shop }: { shop: ShopContext }): Promise<AdestraConnectionView> {
  const row = await getAdestraConnectionSummary({ shopId: shop.id });
  if (!row) return { connected: false };
  return {
    connected: true,
    accountName: row.accountName,
    username: row.username,
    verifiedAt: row.verifiedAt,
    coreTable: row.coreTableId !== null ? { id: row.coreTableId, name: row.coreTableName ?? `Core table ${row.coreTableId}` } : null,
    unsubList: row.unsubListId !== null ? { id: row.unsubListId, name: row.unsubListName ?? `Unsub list ${row.unsubListId}` } : null,
  };
}

/** The account's core tables; [] when not connected. Adestra failures are thrown (AdestraError). */
export async function listAdestraCoreTables({ shop }: { shop: ShopContext }): Promise<{ id: number; name: string }[]> {
  const opened = await openAdestraConnection({ shopId: shop.id }, INTERACTIVE);
  if (!opened) return [];
  const tables = await opened.client.coreTables.all();
  return tables.map((t) => ({ id: t.id, name: clipText(t.name) }));
}

type TablesField = "coreTableId" | "unsubListId";
const ChooseTablesSchema = z.object({
  coreTableId: z.coerce.number({ error: "choose a core table" }).int("choose a core table").positive("choose a core table").max(BOUNDS.numericId, "choose a core table"),
  unsubListId: z.coerce
    .number({ error: "enter the unsub list's id" })
    .int("enter the unsub list's id (a whole number)")
    .positive("enter the unsub list's id")
    .max(BOUNDS.numericId, "this is not an Adestra unsub list id: it is too large"),
});

export const AUTO_SEND_LOCKED = "Auto Send is on, so its settings cannot change: untick Automatically send profiles and save first";

export async function chooseAdestraTables({ shop, ...input }: { shop: ShopContext; coreTableId: unknown; unsubListId: unknown }): Promise<Result<TablesField>> {
  const parsed = ChooseTablesSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error, ["coreTableId", "unsubListId"] as const) };
  const { coreTableId, unsubListId } = parsed.data;
  const opened = await openAdestraConnection({ shopId: shop.id }, INTERACTIVE);
  if (!opened) return { ok: false, formError: "Connect Adestra first." };

  const { auto } = await getSendSettingsRows({ shopId: shop.id });
  if (auto?.autoSendEnabled && opened.connection.coreTableId !== null && opened.connection.coreTableId !== coreTableId) {
    return { ok: false, formError: AUTO_SEND_LOCKED };
  }

  const fieldErrors: Partial<Record<TablesField, string>> = {};
  let coreTableName = "";
  let unsubListName = "";
  try {
    const table = (await opened.client.coreTables.all()).find((t) => t.id === coreTableId);
    if (table) coreTableName = clipText(table.name);
    else fieldErrors.coreTableId = "This core table is not in the connected Adestra account";
    try {
      unsubListName = clipText((await opened.client.unsubLists.get(unsubListId)).name);
    } catch (error) {
      if (error instanceof AdestraNotFoundError) fieldErrors.unsubListId = "Adestra has no unsub list with this id";
      else if (error instanceof AdestraPermissionError) fieldErrors.unsubListId = "This Adestra user may not use that unsub list";
      else throw error;
    }
  } catch (error) {
    return { ok: false, formError: describeAdestraError(error) };
  }
  if (Object.keys(fieldErrors).length) return { ok: false, fieldErrors };
  await setAdestraTables({ shopId: shop.id, coreTableId, coreTableName, unsubListId, unsubListName });
  return { ok: true };
}

/** Removes the connection, turns Auto Send off (and its schedule), forgets what was sent with it. */
export async function disconnectAdestra({ shop }: { shop: ShopContext }): Promise<{ ok: true }> {
  await turnOffAutoSend({ shopId: shop.id });
  await deleteAdestraConnection({ shopId: shop.id });
  return { ok: true };
}

async function turnOffAutoSend({ shopId }: { shopId: string }) {
  await setAutoSendEnabled({ shopId, enabled: false });
  await removeAdestraAutoSendScheduler({ shopId });
}
