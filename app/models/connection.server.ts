import { getDb } from "../db.server";

/**
 * Read side of the per-shop destination connections. Only non-secret fields are ever selected here:
 * encrypted credentials stay in the database and out of loaders.
 */
export async function getConnections({ shop }: { shop: string }) {
  const row = await getDb().shop.findUnique({
    where: { domain: shop },
    select: {
      adestraConnection: {
        select: { accountName: true, username: true, coreTableName: true, verifiedAt: true },
      },
      apsisConnection: {
        select: {
          region: true,
          keyspaceDiscriminator: true,
          realtimeEnabled: true,
          verifiedAt: true,
          lastFullSyncAt: true,
        },
      },
    },
  });
  return { adestra: row?.adestraConnection ?? null, apsis: row?.apsisConnection ?? null };
}

export type Connections = Awaited<ReturnType<typeof getConnections>>;
