/**
 * Job `apsis.sync-customer` ({ shop, customerId }, "realtime" queue): one customer's APSIS One real-time sync,
 * queued by app/destinations/apsis/realtime.server.ts (webhook deliveries, the Resync action, the end of a Full Sync).
 *
 * The customer is read fresh from Shopify (since API 2025-01 the customer payloads carry no consent, and a
 * fresh read is the latest state whatever order deliveries came in), then goes through the profile engine
 * (rules/profile-engine.ts) exactly as in a Full Sync: conditions → Section, mapped attributes, consent
 * rules, email/phone change consent move, skip when unchanged, ProfileLink + ConsentEvents. Then the customer's
 * pending purchase events are posted, in requests within APSIS's body limit, each marked sent once accepted. A customer Shopify no longer has was deleted: per the merchant's choice
 * its APSIS profile is deleted or kept, and the app's own data for it is deleted.
 *
 * Outcomes land on the deliveries' receipts ("processed" with what was done, or "failed" with why), on the
 * customer's CustomerSyncState (the customer page block) and, for an APSIS refusal of this customer, nowhere
 * else: nothing is retried that cannot succeed. APSIS One unavailable (5xx, no answer, a long 429): an outage,
 * waited out without spending attempts for up to three days (app/queues/outage.server.ts; the receipts stay
 * "syncing", the Activity page shows the outage). Shopify or the database failing: BullMQ retries with
 * backoff; the last attempt fails the receipts with the reason.
 */
import { UnrecoverableError } from "bullmq";
import type { ApsisClient } from "../client/client";
import { currentVersionId } from "../rules/attribute-values";
import { APSIS_MAX_BODY_BYTES, batchEvents } from "../client/event-batches";
import { ApsisApiError, ApsisAuthError, ApsisRateLimitError, ApsisUnavailableError } from "../client/errors";
import type { ShopifyCustomer } from "../../../shopify/customer";
import { readCustomer } from "../../../shopify/customers";
import { ShopifyAuthError, ShopifySessionNotFoundError } from "../../../shopify/errors";
import { deleteApsisCustomerData, listApsisLinksOfCustomer } from "../../../models/apsis-profile-link.server";
import { finishPurchaseEvents, listPendingPurchaseEvents } from "../../../models/apsis-purchase-event.server";
import { getPurchaseEventOf, onCustomerDeleteOf } from "../../../models/apsis-realtime-settings.server";
import { type CustomerSyncOutcome, recordCustomerSyncOutcome } from "../../../models/customer-sync-state.server";
import { getShop, whyNotInvited } from "../../../models/shop.server";
import { finishSyncingReceipts, type FinalReceiptStatus } from "../../../models/webhook-receipt.server";
import { describeApsisError, openApsisConnection } from "../account.server";
import { loadApsisMappings } from "../mapping.server";
import { ApsisMappingOutdatedError, cachedSectionPlans, classifyWriteError, profilePorts, sectionPlans, waitingOutRateLimits } from "../profile-writer.server";
import { pendingReceiptsKey, realtimeTouchedKey } from "../realtime.server";
import { getShopifyAdmin } from "../../../shopify/admin.server";
import { pickSection } from "../rules/conditions";
import { type FullSyncCounters, type FullSyncFailure, syncProfiles, type SectionPlan } from "../rules/profile-engine";
import { profileKeyOf } from "../rules/profile";
import { getRedis } from "../../../redis.server";
import type { JobPayload } from "../../../queues/registry";
import { endOutage, outageBudgetInWords, waitForOutagePause, waitOutOutage } from "../../../queues/outage.server";
import type { REDACT_PROFILE_JOB, SYNC_CUSTOMER_JOB } from "./definitions";
import type { JobContext } from "../../../queues/registry";

/** A shop with no real-time sync for this long forgets who it touched (a Full Sync only looks back to its start). */
const TOUCHED_TTL_MS = 7 * 24 * 3600_000;

type Result = { receipts: FinalReceiptStatus; detail: string; outcome?: CustomerSyncOutcome; section?: string | null };

/** A failure no retry can fix: the merchant must act (reconnect, update mappings). */
class FinalFailure extends Error {}

export async function apsisSyncCustomerJob({ shop, customerId }: JobPayload<typeof SYNC_CUSTOMER_JOB>, { job, log }: JobContext) {
  const shopRow = await getShop({ shop });
  const redis = getRedis();
  // While APSIS One is down for this shop the job waits (no attempt spent) for the next probe.
  const outageScope = shopRow ? { destination: "apsis", shopId: shopRow.id } : null;
  const probing = outageScope ? await waitForOutagePause(job, outageScope) : false;
  const listKey = shopRow ? pendingReceiptsKey(shopRow.id, customerId) : null;
  const receiptIds = listKey ? await redis.lrange(listKey, 0, -1) : [];
  const finishReceipts = async (status: FinalReceiptStatus, detail: string) => {
    await finishSyncingReceipts({ receiptIds, status, detail });
    // Only the ids this run read: deliveries that arrived meanwhile wait for the next run.
    if (listKey && receiptIds.length) await redis.ltrim(listKey, receiptIds.length, -1);
  };

  let result: Result;
  try {
    result = await syncCustomer({ shop, shopRow, customerId, log });
  } catch (error) {
    let message = describeFailure(error);
    let final = error instanceof FinalFailure || error instanceof ApsisAuthError || error instanceof ShopifyAuthError || error instanceof ShopifySessionNotFoundError;
    if (outageScope && (error instanceof ApsisUnavailableError || error instanceof ApsisRateLimitError)) {
      // Waits (throws WaitingOutOutage) until the outage is older than its budget; then fails, saying so.
      const { outage } = await waitOutOutage(job, outageScope, message);
      message = `APSIS One did not answer for ${outageBudgetInWords()} (since ${outage.since.toISOString()}): ${message}`;
      final = true;
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final || lastAttempt) {
      if (shopRow) await recordCustomerSyncOutcome({ shopId: shopRow.id, customerId, outcome: "failed", section: null, detail: message });
      await finishReceipts("failed", message);
      log(`${shop} ${customerId}: failed: ${message}`);
      throw final ? new UnrecoverableError(message) : error;
    }
    throw error;
  }
  if (probing && outageScope) await endOutage(outageScope);
  if (shopRow && result.outcome) {
    await recordCustomerSyncOutcome({ shopId: shopRow.id, customerId, outcome: result.outcome, section: result.section ?? null, detail: result.detail });
    // A Full Sync running now may be writing an older export of this customer: it re-syncs those touched here.
    const touched = realtimeTouchedKey(shopRow.id);
    await redis.multi().zadd(touched, Date.now(), customerId).pexpire(touched, TOUCHED_TTL_MS).exec();
  }
  await finishReceipts(result.receipts, result.detail);
  return { outcome: result.outcome ?? result.receipts, detail: result.detail, receipts: receiptIds.length };
}

function describeFailure(error: unknown): string {
  if (error instanceof FinalFailure) return error.message;
  // Every APSIS error, a refused key (reconnect) included, in the words the APSIS One page uses.
  if (error instanceof ApsisApiError) return describeApsisError(error);
  if (error instanceof ShopifyAuthError || error instanceof ShopifySessionNotFoundError) {
    return "Shopify did not let the app read the customer: open the app in Shopify admin again.";
  }
  return error instanceof Error ? error.message : String(error);
}

async function* one(customer: ShopifyCustomer) {
  yield customer;
}

async function syncCustomer({ shop, shopRow, customerId, log }: {
  shop: string;
  shopRow: Awaited<ReturnType<typeof getShop>>;
  customerId: string;
  log: (message: string) => void;
}): Promise<Result> {
  const notInvited = whyNotInvited(shopRow);
  if (notInvited || !shopRow) return { receipts: "ignored", detail: `not synced: ${notInvited}` };
  const [opened, mappings] = await Promise.all([openApsisConnection({ shopId: shopRow.id }), loadApsisMappings({ shopId: shopRow.id })]);
  if (!opened) return { receipts: "ignored", detail: "not synced: APSIS One is not connected" };
  const { client, connection } = opened;
  const keyspace = connection.keyspaceDiscriminator;
  if (!keyspace) return { receipts: "ignored", detail: "not synced: no APSIS keyspace is chosen" };

  const { graphql } = await getShopifyAdmin({ shop });
  const customer = await readCustomer({ graphql, id: customerId });
  if (!customer) return deleted({ shopId: shopRow.id, customerId, client, keyspace, deleteProfile: onCustomerDeleteOf(connection.onCustomerDelete) === "delete_profile" });
  if (!mappings.conditions.length) return { receipts: "processed", outcome: "skipped", section: null, detail: "not synced: no sync conditions are set up" };

  let sections;
  try {
    sections = await cachedSectionPlans(shopRow.id, client, mappings);
  } catch (error) {
    if (error instanceof ApsisMappingOutdatedError) throw new FinalFailure(error.message);
    throw error;
  }
  const failures: FullSyncFailure[] = [];
  let counters: FullSyncCounters | null = null;
  const run = await syncProfiles({
    customers: one(customer),
    conditions: mappings.conditions,
    sections,
    keyspace,
    context: { timeZone: shopRow.ianaTimezone },
    ...profilePorts({ shopId: shopRow.id, client, keyspace, sections, source: "webhook" }),
    classifyError: classifyWriteError,
    onProgress: async ({ counters: c }) => {
      counters = c;
    },
    onFailures: async (f) => {
      failures.push(...f);
    },
    concurrency: 1,
  });
  if (run.stoppedBy !== undefined) throw run.stoppedBy;
  counters = run.counters;
  const section = pickSection(customer, mappings.conditions);
  const outcome = (["created", "updated", "unchanged", "skipped", "failed"] as const).find((k) => counters![k] > 0) ?? "unchanged";
  if (outcome === "failed") {
    const reason = failures[0]?.reason ?? "APSIS One refused the profile";
    throw new FinalFailure(`APSIS One refused the profile: ${reason}`);
  }
  const events = await postPurchaseEvents({ shopId: shopRow.id, customerId, client, keyspace, section, enabled: connection.purchaseEventsEnabled, log });
  const what = { created: "created", updated: "updated", unchanged: "unchanged (already up to date)", skipped: "not synced: no sync condition matches the customer" }[outcome];
  const detail = section ? `profile ${what} in Section ${section}${events}` : `${what}${events}`;
  return { receipts: "processed", outcome, section, detail };
}

/** The customer no longer exists in Shopify (customers/delete, or any delivery that arrived after it). */
async function deleted({ shopId, customerId, client, keyspace, deleteProfile }: {
  shopId: string;
  customerId: string;
  client: ApsisClient;
  keyspace: string;
  /** The merchant's choice: delete the APSIS profile (or keep it). */
  deleteProfile: boolean;
}): Promise<Result> {
  const written = (await listApsisLinksOfCustomer({ shopId, customerId })).length > 0;
  let what = "the app never wrote an APSIS profile for them";
  if (written && deleteProfile) {
    const answer = await waitingOutRateLimits(() => client.profiles.delete({ keyspace, profileKey: profileKeyOf(customerId) }));
    what = answer === "deleted" ? "APSIS profile deleted" : "APSIS profile was already gone";
  } else if (written) {
    what = "APSIS profile kept, as chosen";
  }
  const removed = await deleteApsisCustomerData({ shopId, customerId });
  return {
    receipts: "processed",
    detail: `customer deleted in Shopify: ${what}; the app's data for them deleted (${removed.links} link(s), ${removed.consentEvents} consent event(s), ${removed.purchaseEvents} purchase event(s))`,
  };
}

/**
 * Posts the customer's pending purchase events to their Section; returns a note for the receipts' detail.
 *
 * The events go in as few requests as APSIS's body limit allows (client/event-batches.ts), and each request's
 * events are marked sent as soon as APSIS accepts them: when a later request fails and the job runs again, only
 * the events still pending are posted (APSIS stores duplicates). An event too large for any request fails
 * alone, saying so, without being sent. A request APSIS refuses is split in halves until the refusal is down to
 * single events, so one bad event never takes the others with it.
 */
async function postPurchaseEvents({ shopId, customerId, client, keyspace, section, enabled, log }: {
  shopId: string;
  customerId: string;
  client: ApsisClient;
  keyspace: string;
  section: string | null;
  /** Purchase events switched on. */
  enabled: boolean;
  log: (message: string) => void;
}): Promise<string> {
  const pending = await listPendingPurchaseEvents({ shopId, customerId });
  if (!pending.length) return "";
  const skip = async (why: string) => {
    await finishPurchaseEvents({ ids: pending.map((p) => p.id), status: "skipped", section, detail: why });
    return `; ${pending.length} purchase event(s) not sent: ${why}`;
  };
  if (!enabled) return skip("purchase events are off");
  if (!section) return skip("the customer matches no sync condition");
  const discriminator = await getPurchaseEventOf({ shopId, section });
  if (!discriminator) return skip(`no purchase event is chosen for Section ${section}`);
  const definition = (await client.events.list({ section })).find((e) => e.discriminator === discriminator);
  const versionId = definition && currentVersionId(definition);
  if (!versionId) return skip(`the event ${discriminator} no longer exists in Section ${section}`);

  type Event = { id: string; orderId: string; versionId: string; eventTime: Date; data: Record<string, unknown> };
  const { batches, tooLarge } = batchEvents<Event>(pending.map((p) => ({ id: p.id, orderId: p.orderId, versionId, eventTime: p.orderedAt, data: p.data })));
  let added = 0;
  let requests = 0;
  const refused: string[] = [];
  const fail = async (event: Event, reason: string) => {
    await finishPurchaseEvents({ ids: [event.id], status: "failed", section, detail: reason });
    refused.push(reason);
    log(`${customerId}: purchase event of ${event.orderId} refused: ${reason}`);
  };
  for (const { event, bytes } of tooLarge) {
    await fail(event, `the order's event is ${bytes.toLocaleString("en")} bytes; APSIS One takes at most ${APSIS_MAX_BODY_BYTES.toLocaleString("en")} bytes per request`);
  }
  const post = async (batch: Event[]): Promise<void> => {
    try {
      requests += 1;
      await waitingOutRateLimits(() => client.events.add({ keyspace, profileKey: profileKeyOf(customerId), section, items: batch }));
    } catch (error) {
      const verdict = classifyWriteError(error);
      // APSIS unavailable or the credentials refused: the events not yet sent stay pending for the next run.
      if (verdict.kind === "stop") throw error;
      if (batch.length === 1) return fail(batch[0], verdict.reason);
      const half = Math.ceil(batch.length / 2);
      await post(batch.slice(0, half));
      return post(batch.slice(half));
    }
    await finishPurchaseEvents({ ids: batch.map((e) => e.id), status: "sent", section, detail: null });
    added += batch.length;
  };
  for (const batch of batches) await post(batch);

  const notes = [];
  if (added) notes.push(`${added} purchase event(s) added${requests > 1 ? ` in ${requests} requests` : ""}`);
  if (refused.length) notes.push(`${refused.length} purchase event(s) failed: ${refused[0]}`);
  return notes.map((note) => `; ${note}`).join("");
}

/**
 * Job `apsis.redact-profile` ({ shop, customerId, sections }): customers/redact reaching APSIS One. The app's own
 * data was deleted with the delivery (compliance.server.ts); the Sections the app had written the profile to come
 * with the job. Per the merchant's choice the profile is deleted, or kept and anonymised: every mapped attribute
 * in those Sections is cleared. Retried while APSIS is unavailable; a refusal fails the job with APSIS's reason.
 */
export async function apsisRedactProfileJob({ shop, customerId, sections }: JobPayload<typeof REDACT_PROFILE_JOB>, { log }: JobContext) {
  const shopRow = await getShop({ shop });
  if (!shopRow) return { outcome: "skipped", reason: "the shop is unknown" };
  const [opened, mappings] = await Promise.all([openApsisConnection({ shopId: shopRow.id }), loadApsisMappings({ shopId: shopRow.id })]);
  const keyspace = opened?.connection.keyspaceDiscriminator;
  if (!opened || !keyspace) return { outcome: "skipped", reason: "APSIS One is not connected" };
  const profileKey = profileKeyOf(customerId);
  if (onCustomerDeleteOf(opened.connection.onCustomerDelete) === "delete_profile") {
    const answer = await waitingOutRateLimits(() => opened.client.profiles.delete({ keyspace, profileKey }));
    log(`${shop} ${customerId}: redacted, APSIS profile ${answer}`);
    return { outcome: `profile ${answer}` };
  }
  let plans;
  try {
    plans = await sectionPlans({ client: opened.client, sections, attributes: mappings.attributes, consents: mappings.consents, refusals: mappings.refusals });
  } catch (error) {
    if (error instanceof ApsisMappingOutdatedError) throw new UnrecoverableError(error.message);
    throw error;
  }
  let cleared = 0;
  for (const [section, plan] of plans) {
    const byVersionId = Object.fromEntries(plan.attributes.filter((a) => a.versionId).map((a) => [a.versionId!, null]));
    if (!Object.keys(byVersionId).length) continue;
    await waitingOutRateLimits(() => opened.client.profiles.setAttributesV1({ keyspace, profileKey, section, byVersionId }));
    cleared += Object.keys(byVersionId).length;
  }
  log(`${shop} ${customerId}: redacted, APSIS profile kept with ${cleared} attribute(s) cleared`);
  return { outcome: "anonymised", cleared };
}
