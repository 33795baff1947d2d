import { getDb } from "../db.server";

/**
 * The outcome of each customer's latest APSIS One real-time sync (or Resync), for the customer page block. The
 * last error stays until a later sync of the customer succeeds. Every query is scoped by the shop's id.
 */

export type CustomerSyncOutcome = "created" | "updated" | "unchanged" | "skipped" | "deleted" | "failed";

export async function recordCustomerSyncOutcome({ shopId, customerId, outcome, section, detail, at = new Date() }: {
  shopId: string;
  customerId: string;
  outcome: CustomerSyncOutcome;
  section: string | null;
  detail: string;
  at?: Date;
}) {
  const failed = outcome === "failed";
  const data = {
    outcome,
    section,
    detail: detail.slice(0, 2000),
    attemptedAt: at,
    ...(failed ? { lastError: detail.slice(0, 2000), lastErrorAt: at } : { lastError: null, lastErrorAt: null }),
  };
  await getDb().customerSyncState.upsert({
    where: { shopId_customerId: { shopId, customerId } },
    create: { shopId, customerId, ...data },
    update: data,
  });
}

export async function findCustomerSyncState({ shopId, customerId }: { shopId: string; customerId: string }) {
  return getDb().customerSyncState.findUnique({
    where: { shopId_customerId: { shopId, customerId } },
    select: { outcome: true, section: true, detail: true, lastError: true, lastErrorAt: true, attemptedAt: true },
  });
}
