import { getDb, type Tx } from "../db.server";

/**
 * Shopify's mandatory compliance topics: report or delete what the app holds about a customer or a shop.
 * Each operation runs in ONE transaction that also records a ComplianceRequest and finishes the delivery's
 * WebhookReceipt, so a crash leaves nothing half done and a retried job starts from a clean state.
 */

export const COMPLIANCE_TOPIC = {
  dataRequest: "customers/data_request",
  customerRedact: "customers/redact",
  shopRedact: "shop/redact",
} as const;

/**
 * Rows are keyed by the customer's GID; the numeric form is matched too, so a row written with the bare id
 * by mistake is still reported and deleted.
 */
function customerKeys(customerGid: string) {
  const numeric = /\/(\d+)$/.exec(customerGid)?.[1];
  return numeric ? [customerGid, numeric] : [customerGid];
}

async function finishReceipt(tx: Tx, receiptId: string | undefined, detail: string) {
  if (!receiptId) return;
  await tx.webhookReceipt.updateMany({ where: { id: receiptId }, data: { status: "processed", detail, processedAt: new Date() } });
}

function parseJson(text: string | null) {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function collectCustomerData(tx: Tx, { shop, customerGid }: { shop: string; customerGid: string }) {
  const keys = customerKeys(customerGid);
  // Sequential: one transaction is one connection.
  const profileLinks = await tx.profileLink.findMany({
    where: { shop: { domain: shop }, customerId: { in: keys } },
    orderBy: [{ destination: "asc" }, { target: "asc" }],
  });
  const syncFailures = await tx.syncFailure.findMany({
    where: { customerId: { in: keys }, run: { shop: { domain: shop } } },
    include: { run: { select: { destination: true, kind: true } } },
    orderBy: { createdAt: "asc" },
  });
  const consentEvents = await tx.consentEvent.findMany({
    where: { shop: { domain: shop }, customerId: { in: keys } },
    orderBy: { createdAt: "asc" },
  });
  const purchaseEvents = await tx.apsisPurchaseEvent.findMany({
    where: { shop: { domain: shop }, customerId: { in: keys } },
    orderBy: { orderedAt: "asc" },
  });
  const syncStates = await tx.customerSyncState.findMany({ where: { shop: { domain: shop }, customerId: { in: keys } } });
  return { profileLinks, syncFailures, consentEvents, purchaseEvents, syncStates };
}

export type CustomerDataReport = Awaited<ReturnType<typeof buildReport>>;

function buildReport({ shop, customerGid, dataRequestId, data }: {
  shop: string;
  customerGid: string;
  dataRequestId: string | null;
  data: Awaited<ReturnType<typeof collectCustomerData>>;
}) {
  return {
    shop,
    customer: customerGid,
    dataRequestId,
    generatedAt: new Date().toISOString(),
    note: "Everything this app stores about the customer. Orders are kept only as the purchase events sent to APSIS One.",
    profileLinks: data.profileLinks.map((l) => ({
      destination: l.destination,
      target: l.target,
      destinationId: l.destinationId,
      email: l.email,
      phone: l.phone,
      consent: parseJson(l.consent),
      payloadHash: l.payloadHash,
      sourceUpdatedAt: l.sourceUpdatedAt?.toISOString() ?? null,
      lastSyncedAt: l.lastSyncedAt.toISOString(),
      lastError: l.lastError,
    })),
    syncFailures: data.syncFailures.map((f) => ({
      destination: f.run.destination,
      runKind: f.run.kind,
      runId: f.runId,
      email: f.email,
      reason: f.reason,
      response: f.response,
      createdAt: f.createdAt.toISOString(),
    })),
    consentEvents: data.consentEvents.map((e) => ({
      destination: e.destination,
      channel: e.channel,
      address: e.address,
      topic: e.topic,
      type: e.type,
      source: e.source,
      createdAt: e.createdAt.toISOString(),
    })),
    purchaseEvents: data.purchaseEvents.map((e) => ({
      orderId: e.orderId,
      data: parseJson(e.data),
      orderedAt: e.orderedAt.toISOString(),
      status: e.status,
      section: e.section,
      detail: e.detail,
      sentAt: e.sentAt?.toISOString() ?? null,
    })),
    realtimeSync: data.syncStates.map((s) => ({
      outcome: s.outcome,
      section: s.section,
      detail: s.detail,
      lastError: s.lastError,
      lastErrorAt: s.lastErrorAt?.toISOString() ?? null,
      attemptedAt: s.attemptedAt.toISOString(),
    })),
  };
}

/** customers/data_request: stores the report the merchant hands to the customer. */
export async function recordCustomerDataRequest({ shop, customerGid, dataRequestId, receiptId }: {
  shop: string;
  customerGid: string;
  dataRequestId: string | null;
  receiptId?: string;
}) {
  return getDb().$transaction(async (tx) => {
    const data = await collectCustomerData(tx, { shop, customerGid });
    const report = buildReport({ shop, customerGid, dataRequestId, data });
    const row = await tx.complianceRequest.create({
      data: { shopDomain: shop, topic: COMPLIANCE_TOPIC.dataRequest, customerId: customerGid, report: JSON.stringify(report) },
    });
    const counts = {
      profileLinks: report.profileLinks.length,
      syncFailures: report.syncFailures.length,
      consentEvents: report.consentEvents.length,
      purchaseEvents: report.purchaseEvents.length,
    };
    await finishReceipt(
      tx,
      receiptId,
      `data request report ${row.id} stored (${counts.profileLinks} profile link(s), ${counts.syncFailures} sync failure(s), ${counts.consentEvents} consent event(s), ${counts.purchaseEvents} purchase event(s))`,
    );
    return { complianceRequestId: row.id, counts };
  });
}

/** The customer's destination profiles, read before the redaction so their deletion can be queued first. */
export async function listCustomerProfileLinks({ shop, customerGid }: { shop: string; customerGid: string }) {
  return getDb().profileLink.findMany({
    where: { shop: { domain: shop }, customerId: { in: customerKeys(customerGid) } },
    select: { destination: true, target: true, destinationId: true },
  });
}

/**
 * What of the shop Redis may hold under names other than its domain: its id and its runs' ids (each
 * destination finds its credentials' keys itself). Read before shop/redact deletes the rows.
 */
export async function findShopRedisFootprint({ shop }: { shop: string }) {
  const row = await getDb().shop.findUnique({
    where: { domain: shop },
    select: {
      id: true,
      syncRuns: { select: { id: true } },
    },
  });
  if (!row) return null;
  return {
    shopId: row.id,
    runIds: row.syncRuns.map((r) => r.id),
  };
}

/** What a destination must still delete after a customer redaction (the propagation seam). */
export type RedactedProfileLink = { destination: string; target: string; destinationId: string | null };

/**
 * customers/redact: deletes the customer's profile links, sync failures, consent events and earlier
 * data-request reports (they hold the customer's data), and records the counts (no personal data). The
 * destinations' redaction jobs were queued before, from the same links (services/compliance.server.ts).
 */
export async function redactCustomerData({ shop, customerGid, ordersToRedact, receiptId, redis, queued }: {
  shop: string;
  customerGid: string;
  ordersToRedact: number;
  receiptId?: string;
  /** What was removed from Redis before (counts only). */
  redis?: Record<string, number>;
  /** What each destination queued to erase there (counts only). */
  queued?: Record<string, number>;
}) {
  const keys = customerKeys(customerGid);
  return getDb().$transaction(async (tx) => {
    const links = await tx.profileLink.findMany({
      where: { shop: { domain: shop }, customerId: { in: keys } },
      select: { destination: true, target: true, destinationId: true },
    });
    const profileLinks = await tx.profileLink.deleteMany({ where: { shop: { domain: shop }, customerId: { in: keys } } });
    const syncFailures = await tx.syncFailure.deleteMany({ where: { customerId: { in: keys }, run: { shop: { domain: shop } } } });
    const consentEvents = await tx.consentEvent.deleteMany({ where: { shop: { domain: shop }, customerId: { in: keys } } });
    const dataRequestReports = await tx.complianceRequest.deleteMany({
      where: { shopDomain: shop, topic: COMPLIANCE_TOPIC.dataRequest, customerId: { in: keys } },
    });
    const purchaseEvents = await tx.apsisPurchaseEvent.deleteMany({ where: { shop: { domain: shop }, customerId: { in: keys } } });
    const syncStates = await tx.customerSyncState.deleteMany({ where: { shop: { domain: shop }, customerId: { in: keys } } });
    const receipts = await tx.webhookReceipt.updateMany({ where: { shopDomain: shop, customerId: { in: keys } }, data: { customerId: null } });
    const deleted = {
      profileLinks: profileLinks.count,
      syncFailures: syncFailures.count,
      consentEvents: consentEvents.count,
      dataRequestReports: dataRequestReports.count,
      purchaseEvents: purchaseEvents.count,
      syncStates: syncStates.count,
      receiptsUnlinked: receipts.count,
    };
    const row = await tx.complianceRequest.create({
      data: {
        shopDomain: shop,
        topic: COMPLIANCE_TOPIC.customerRedact,
        customerId: customerGid,
        report: JSON.stringify({
          deleted,
          redis: redis ?? null,
          queued: queued ?? null,
          destinations: [...new Set(links.map((l) => l.destination))].sort(),
          ordersToRedact,
          note: "Order data kept for purchase events is deleted. The APSIS One profile is deleted or anonymised as the merchant chose (job apsis.redact-profile); the Adestra contact is taken off every list the app put it on and every field the app wrote but the address is cleared (job adestra.redact-contact; Adestra offers no delete).",
          redactedAt: new Date().toISOString(),
        }),
      },
    });
    await finishReceipt(
      tx,
      receiptId,
      `customer redacted: ${deleted.profileLinks} profile link(s), ${deleted.syncFailures} sync failure(s), ${deleted.consentEvents} consent event(s), ${deleted.dataRequestReports} data request report(s) deleted`,
    );
    return { complianceRequestId: row.id, deleted };
  });
}

/**
 * shop/redact (48 h after uninstall): deletes the Shop row (which cascades to connections, settings, runs,
 * failures, links, mappings, conditions and consent events), the shop's sessions, its earlier webhook
 * receipts and its data-request reports. Redaction records (counts only) are kept as the proof of compliance.
 */
export async function redactShopData({ shop, receiptId, redis }: { shop: string; receiptId?: string; redis?: Record<string, number> }) {
  const now = new Date();
  return getDb().$transaction(async (tx) => {
    const row = await tx.shop.findUnique({
      where: { domain: shop },
      select: {
        id: true,
        _count: { select: { profileLinks: true, consentEvents: true, syncRuns: true } },
      },
    });
    const shops = await tx.shop.deleteMany({ where: { domain: shop } });
    const sessions = await tx.session.deleteMany({ where: { shop } });
    const webhookReceipts = await tx.webhookReceipt.deleteMany({
      where: { shopDomain: shop, receivedAt: { lt: now }, ...(receiptId ? { id: { not: receiptId } } : {}) },
    });
    const dataRequestReports = await tx.complianceRequest.deleteMany({ where: { shopDomain: shop, topic: COMPLIANCE_TOPIC.dataRequest } });
    const deleted = {
      shop: shops.count,
      profileLinks: row?._count.profileLinks ?? 0,
      consentEvents: row?._count.consentEvents ?? 0,
      syncRuns: row?._count.syncRuns ?? 0,
      sessions: sessions.count,
      webhookReceipts: webhookReceipts.count,
      dataRequestReports: dataRequestReports.count,
    };
    const record = await tx.complianceRequest.create({
      data: {
        shopDomain: shop,
        topic: COMPLIANCE_TOPIC.shopRedact,
        report: JSON.stringify({ deleted, redis: redis ?? null, redactedAt: now.toISOString() }),
      },
    });
    await finishReceipt(
      tx,
      receiptId,
      `shop redacted: ${shops.count ? "shop and its data" : "no shop row"}, ${sessions.count} session(s), ${webhookReceipts.count} webhook receipt(s) deleted`,
    );
    return { complianceRequestId: record.id, deleted };
  });
}

export async function listComplianceRequests({ shop, topic }: { shop: string; topic?: string }) {
  return getDb().complianceRequest.findMany({
    where: { shopDomain: shop, ...(topic ? { topic } : {}) },
    orderBy: { createdAt: "asc" },
  });
}
