import { getDb } from "../db.server";

/**
 * APSIS One purchase events, one row per Shopify order: recorded "pending" when orders/create arrives, posted by
 * the customer's real-time sync, then "sent", "skipped" (with why) or "failed" (with APSIS's answer). The unique
 * (shop, order) key means a redelivered order, or a retried sync, never posts an order twice.
 */

export type PurchaseEventStatus = "pending" | "sent" | "skipped" | "failed";

const isUniqueViolation = (error: unknown) => typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";

/** "exists": the order was recorded before (whatever became of it). */
export async function recordPendingPurchaseEvent({ shopId, orderId, customerId, data, orderedAt }: {
  shopId: string;
  orderId: string;
  customerId: string;
  data: unknown;
  orderedAt: Date;
}): Promise<"recorded" | "exists"> {
  try {
    await getDb().apsisPurchaseEvent.create({ data: { shopId, orderId, customerId, data: JSON.stringify(data), orderedAt } });
    return "recorded";
  } catch (error) {
    if (isUniqueViolation(error)) return "exists";
    throw error;
  }
}

export async function listPendingPurchaseEvents({ shopId, customerId }: { shopId: string; customerId: string }) {
  const rows = await getDb().apsisPurchaseEvent.findMany({
    where: { shopId, customerId, status: "pending" },
    orderBy: { orderedAt: "asc" },
    select: { id: true, orderId: true, data: true, orderedAt: true },
  });
  return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }));
}

export async function finishPurchaseEvents({ ids, status, section, detail, at = new Date() }: {
  ids: string[];
  status: Exclude<PurchaseEventStatus, "pending">;
  section: string | null;
  detail: string | null;
  at?: Date;
}) {
  if (!ids.length) return;
  await getDb().apsisPurchaseEvent.updateMany({
    where: { id: { in: ids }, status: "pending" },
    data: { status, section, detail: detail?.slice(0, 2000) ?? null, sentAt: status === "sent" ? at : null },
  });
}
