import { getDb } from "../db.server";

/**
 * APSIS One reconciliation (app/destinations/apsis/reconcile.server.ts): the per-connection watermark and the
 * last pass's figures (ApsisConnection), and what the app last synced of the customers a pass examines.
 */

/** The shops a pass runs for: APSIS One connected with a keyspace and real-time sync on, invited and installed. */
export async function listReconciledShops() {
  const rows = await getDb().apsisConnection.findMany({
    where: { realtimeEnabled: true, keyspaceDiscriminator: { not: null }, shop: { invitation: "invited", uninstalledAt: null } },
    select: { shopId: true, shop: { select: { domain: true } } },
    orderBy: { shopId: "asc" },
  });
  return rows.map((row) => ({ shopId: row.shopId, shop: row.shop.domain }));
}

/**
 * Shops whose real-time sync is off forget their watermark: when it is switched on again the first pass starts
 * from then (a Full Sync covers what happened while it was off), not from weeks of changes.
 */
export async function forgetIdleReconcileWatermarks() {
  const { count } = await getDb().apsisConnection.updateMany({ where: { realtimeEnabled: false, reconciledThrough: { not: null } }, data: { reconciledThrough: null } });
  return count;
}

export async function getReconcileState({ shopId }: { shopId: string }) {
  return getDb().apsisConnection.findUnique({
    where: { shopId },
    select: { reconciledThrough: true, lastReconcileAt: true, lastReconcileExamined: true, lastReconcileCaught: true },
  });
}

/**
 * A pass's checkpoint: every change up to `through` was looked at and what it caught is queued. Written after
 * the queueing, so a crash before it only makes the next pass look again.
 */
export async function recordReconcileProgress({ shopId, through, at, examined, caught }: { shopId: string; through: Date; at: Date; examined: number; caught: number }) {
  await getDb().apsisConnection.updateMany({
    where: { shopId },
    data: { reconciledThrough: through, lastReconcileAt: at, lastReconcileExamined: examined, lastReconcileCaught: caught },
  });
}

/**
 * Per customer: the newest Shopify updatedAt the app wrote to APSIS (any Section), and its latest real-time
 * sync (when it ended, and how).
 */
export async function listSyncRecordsOfCustomers({ shopId, customerIds }: { shopId: string; customerIds: string[] }) {
  const out = new Map<string, { writtenThrough: Date | null; lastSync: { at: Date; outcome: string } | null }>();
  if (!customerIds.length) return out;
  const db = getDb();
  const [links, states] = await Promise.all([
    db.profileLink.findMany({ where: { shopId, destination: "apsis", customerId: { in: customerIds } }, select: { customerId: true, sourceUpdatedAt: true } }),
    db.customerSyncState.findMany({ where: { shopId, customerId: { in: customerIds } }, select: { customerId: true, attemptedAt: true, outcome: true } }),
  ]);
  const entry = (customerId: string) => {
    let found = out.get(customerId);
    if (!found) out.set(customerId, (found = { writtenThrough: null, lastSync: null }));
    return found;
  };
  for (const link of links) {
    const found = entry(link.customerId);
    if (link.sourceUpdatedAt && (!found.writtenThrough || link.sourceUpdatedAt > found.writtenThrough)) found.writtenThrough = link.sourceUpdatedAt;
  }
  for (const state of states) entry(state.customerId).lastSync = { at: state.attemptedAt, outcome: state.outcome };
  return out;
}
