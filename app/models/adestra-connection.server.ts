import { getDb } from "../db.server";

/**
 * A shop's Adestra connection. The encrypted password leaves this module only through
 * getAdestraConnectionWithSecret (used by services that call Adestra); everything the UI reads comes from
 * getAdestraConnectionSummary, which never selects it.
 */

export async function getAdestraConnectionSummary({ shopId }: { shopId: string }) {
  return getDb().adestraConnection.findUnique({
    where: { shopId },
    select: {
      accountName: true,
      username: true,
      coreTableId: true,
      coreTableName: true,
      unsubListId: true,
      unsubListName: true,
      verifiedAt: true,
    },
  });
}

export type AdestraConnectionSummary = NonNullable<Awaited<ReturnType<typeof getAdestraConnectionSummary>>>;

export async function getAdestraConnectionWithSecret({ shopId }: { shopId: string }) {
  return getDb().adestraConnection.findUnique({ where: { shopId } });
}

const sameAccount = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Saves verified credentials. Reconnecting the same account keeps the chosen core table and unsub list;
 * another account's ids mean nothing here, so they are cleared, and so is what was recorded as sent to the
 * old account's lists (ProfileLinks), in the same transaction. Returns whether the account changed.
 */
export async function saveAdestraConnection({ shopId, accountName, username, passwordEncrypted }: {
  shopId: string;
  accountName: string;
  username: string;
  passwordEncrypted: string;
}) {
  return getDb().$transaction(async (tx) => {
    const existing = await tx.adestraConnection.findUnique({ where: { shopId }, select: { accountName: true } });
    const accountChanged = !existing || !sameAccount(existing.accountName, accountName);
    const credentials = { accountName, username, passwordEncrypted, verifiedAt: new Date() };
    const clearedTables = { coreTableId: null, coreTableName: null, unsubListId: null, unsubListName: null };
    await tx.adestraConnection.upsert({
      where: { shopId },
      create: { shopId, ...credentials },
      update: accountChanged ? { ...credentials, ...clearedTables } : credentials,
    });
    if (existing && accountChanged) await tx.profileLink.deleteMany({ where: { shopId, destination: "adestra" } });
    return { accountChanged };
  });
}

export async function setAdestraTables({ shopId, coreTableId, coreTableName, unsubListId, unsubListName }: {
  shopId: string;
  coreTableId: number;
  coreTableName: string;
  unsubListId: number;
  unsubListName: string;
}) {
  await getDb().adestraConnection.update({ where: { shopId }, data: { coreTableId, coreTableName, unsubListId, unsubListName } });
}

/**
 * Removes the connection and what was recorded as sent with it: the next connection may be another account,
 * whose list ids would otherwise be mistaken for these.
 */
export async function deleteAdestraConnection({ shopId }: { shopId: string }) {
  await getDb().$transaction(async (tx) => {
    await tx.adestraConnection.deleteMany({ where: { shopId } });
    await tx.profileLink.deleteMany({ where: { shopId, destination: "adestra" } });
  });
}
