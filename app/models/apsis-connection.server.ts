import { getDb, type Tx } from "../db.server";

/**
 * A shop's APSIS One connection. The encrypted client secret leaves this module only through
 * getApsisConnectionWithSecret (used by services that call APSIS); what the UI reads comes from
 * getApsisConnectionSummary, which never selects it.
 */

export type ApsisRegion = "eu" | "apac";

export async function getApsisConnectionSummary({ shopId }: { shopId: string }) {
  return getDb().apsisConnection.findUnique({
    where: { shopId },
    select: {
      region: true,
      clientId: true,
      keyspaceDiscriminator: true,
      realtimeEnabled: true,
      purchaseEventsEnabled: true,
      verifiedAt: true,
      lastFullSyncAt: true,
    },
  });
}

export async function getApsisConnectionWithSecret({ shopId }: { shopId: string }) {
  return getDb().apsisConnection.findUnique({ where: { shopId } });
}

/**
 * Saves verified credentials. Another API key (client id) may be another APSIS account, whose profiles are not
 * the ones recorded as synced: the shop's APSIS ProfileLinks are then removed in the same transaction, so the
 * next Full Sync writes every profile instead of skipping them as unchanged. The keyspace is kept when the
 * client id is the same and no keyspace is given. Returns whether the client id changed.
 */
export async function saveApsisConnection({ shopId, region, clientId, clientSecretEncrypted, keyspace }: {
  shopId: string;
  region: ApsisRegion;
  clientId: string;
  clientSecretEncrypted: string;
  /** undefined: keep the saved one if the client id is unchanged. */
  keyspace: string | null | undefined;
}) {
  return getDb().$transaction(async (tx) => {
    const existing = await tx.apsisConnection.findUnique({ where: { shopId }, select: { clientId: true, region: true, keyspaceDiscriminator: true } });
    const clientChanged = !existing || existing.clientId !== clientId || existing.region !== region;
    const keyspaceDiscriminator = keyspace !== undefined ? keyspace : clientChanged ? null : (existing?.keyspaceDiscriminator ?? null);
    const data = { region, clientId, clientSecretEncrypted, keyspaceDiscriminator, verifiedAt: new Date() };
    await tx.apsisConnection.upsert({ where: { shopId }, create: { shopId, ...data }, update: data });
    if (existing && (clientChanged || existing.keyspaceDiscriminator !== keyspaceDiscriminator)) {
      await tx.profileLink.deleteMany({ where: { shopId, destination: "apsis" } });
    }
    return { clientChanged, keyspace: keyspaceDiscriminator };
  });
}

/** Another keyspace is another set of profiles: what was recorded as synced in the old one is forgotten. */
export async function setApsisKeyspace({ shopId, keyspace }: { shopId: string; keyspace: string }) {
  await getDb().$transaction(async (tx) => {
    const existing = await tx.apsisConnection.findUnique({ where: { shopId }, select: { keyspaceDiscriminator: true } });
    if (!existing || existing.keyspaceDiscriminator === keyspace) return;
    await tx.apsisConnection.update({ where: { shopId }, data: { keyspaceDiscriminator: keyspace } });
    await tx.profileLink.deleteMany({ where: { shopId, destination: "apsis" } });
  });
}

export async function recordApsisFullSyncAt({ shopId, at }: { shopId: string; at: Date }, db: Tx = getDb()) {
  await db.apsisConnection.updateMany({ where: { shopId }, data: { lastFullSyncAt: at } });
}

/**
 * Removes the connection and everything that only means something in that APSIS account: the mappings and
 * sync conditions (Section, attribute and topic discriminators) and what was recorded as synced.
 * ConsentEvents stay: they are the audit trail of what was written.
 */
export async function deleteApsisConnection({ shopId }: { shopId: string }) {
  await getDb().$transaction(async (tx) => {
    await tx.apsisConnection.deleteMany({ where: { shopId } });
    await tx.profileLink.deleteMany({ where: { shopId, destination: "apsis" } });
    await tx.attributeMapping.deleteMany({ where: { shopId } });
    await tx.consentMapping.deleteMany({ where: { shopId } });
    await tx.syncCondition.deleteMany({ where: { shopId } });
    await tx.apsisEventMapping.deleteMany({ where: { shopId } });
  });
}
