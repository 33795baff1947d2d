/**
 * APSIS One write-back (docs/decisions/033-consent-write-back.md): an opt-out made in APSIS One (an unsubscribe
 * link, an edit in APSIS) on a mapped topic becomes UNSUBSCRIBED in Shopify for the customer's email marketing
 * consent (SMS marketing for a topic mapped under SMS), dated when it was made. Per shop, when the merchant
 * switched it on (Real-time sync card); every opt-out that came back is listed on the Activity page.
 *
 * APSIS One documents no feed of consent changes, only each profile's consents (GET …/consents, with
 * modified_at). So every WRITEBACK_INTERVAL_SECONDS each shop gets a pass over the next
 * WRITEBACK_PROFILES_PER_PASS of its linked profiles (a cursor on the link id, round robin): one GET per profile,
 * through the client's account-wide rate limiter, so it shares APSIS's 100 requests a second with the rest of the
 * app. A profile with a candidate opt-out (rules/writeback.ts) has its consent read from Shopify; Shopify is told
 * UNSUBSCRIBED only when the opt-out is newer than Shopify's consent; then the link records the opt-outs as what
 * APSIS holds, so the customers/update and consent webhooks the change sets off find nothing to write back to
 * APSIS (no loop, no flap). Only this profile's links are read, by shop id: another shop's profiles are never
 * asked about.
 */
import { parseEnv } from "../../env.server";
import {
  getApsisWritebackState,
  getOfflineScope,
  listApsisLinksToCheck,
  listApsisWritebackShops,
  recordApsisWritebackProgress,
  recordConsentWriteback,
  recordWritebackOnLink,
  wasWritebackRefused,
} from "../../models/consent-writeback.server";
import { getShop, type ShopContext, whyNotInvited } from "../../models/shop.server";
import { enqueue, getQueue } from "../../queues/enqueue.server";
import type { JobContext, JobPayload } from "../../queues/registry";
import { getShopifyAdmin } from "../../shopify/admin.server";
import { readCustomerConsent, writeUnsubscribed } from "../../shopify/consent-writeback";
import { readCustomer } from "../../shopify/customers";
import { ShopifyAuthError, ShopifySessionNotFoundError } from "../../shopify/errors";
import type { ShopifyGraphql } from "../../shopify/graphql-client";
import type { ApsisClient } from "./client/client";
import { ApsisNotFoundError } from "./client/errors";
import { WRITEBACK_JOB, WRITEBACK_SHOP_JOB } from "./jobs/definitions";
import type { ApsisMappings } from "./mapping.server";
import { loadApsisMappings } from "./mapping.server";
import { openApsisConnection } from "./account.server";
import { cachedSectionPlans, waitingOutRateLimits } from "./profile-writer.server";
import { parseConsentState } from "./rules/consent";
import { profileOf, type SectionPlan } from "./rules/profile-engine";
import { sectionOfTarget } from "./rules/profile";
import { recordWriteBacks, writeBacksOf } from "./rules/writeback";

const writebackShopDedupeId = (shopId: string) => `apsis-writeback-${shopId}`;

/** Why write-back cannot be switched on for the shop (null: it can). */
export async function whyNoWriteback({ shop, keyspace, consents }: { shop: ShopContext; keyspace: string | null; consents: ApsisMappings["consents"] }) {
  if (!keyspace) return "choose the keyspace profiles are created in (under 1. Connect APSIS One) before switching write-back on";
  if (!Object.values(consents).some((c) => c.email.length || c.sms.length)) return "map at least one topic under Consent mapping first: only opt-outs on mapped topics are written back";
  const scope = await getOfflineScope({ shop: shop.domain });
  if (scope !== null && !scope.split(",").map((s) => s.trim()).includes("write_customers")) {
    return "the app needs the write_customers permission to change marketing consent in Shopify: open the app from Shopify admin again and approve it";
  }
  return null;
}

/** Worker boot (and whenever Redis lost its schedulers): the one schedule that fans out a pass per shop. */
export async function upsertApsisWritebackScheduler() {
  const every = parseEnv().WRITEBACK_INTERVAL_SECONDS * 1000;
  await getQueue(WRITEBACK_JOB.queue).upsertJobScheduler(WRITEBACK_JOB.name, { every }, { name: WRITEBACK_JOB.name, data: {} });
  return { every };
}

/** Job `apsis.writeback`: one pass queued per shop that has it on (none twice). */
export async function writebackAllShopsJob(_payload: JobPayload<typeof WRITEBACK_JOB>) {
  const shops = await listApsisWritebackShops();
  for (const { shopId, shop } of shops) await enqueue(WRITEBACK_SHOP_JOB, { shop }, { dedupeId: writebackShopDedupeId(shopId) });
  return { shops: shops.length };
}

/** Job `apsis.writeback-shop`. */
export async function writebackShopJob({ shop }: JobPayload<typeof WRITEBACK_SHOP_JOB>, { log }: JobContext) {
  const result = await writeBackShop({ shop });
  if ("written" in result && (result.written || result.refused)) log(`${shop}: ${result.written} opt-out(s) written back to Shopify, ${result.refused} refused (${result.checked} profiles checked)`);
  return result;
}

export type WritebackResult = { skipped: string } | { checked: number; written: number; refused: number; cursor: string | null };

export async function writeBackShop({ shop, now = new Date() }: { shop: string; now?: Date }): Promise<WritebackResult> {
  const row = await getShop({ shop });
  const notInvited = whyNotInvited(row);
  if (notInvited || !row) return { skipped: notInvited ?? "" };
  const state = await getApsisWritebackState({ shopId: row.id });
  if (!state?.writebackEnabled) return { skipped: "write-back is off" };
  const [opened, mappings] = await Promise.all([openApsisConnection({ shopId: row.id }), loadApsisMappings({ shopId: row.id })]);
  const keyspace = opened?.connection.keyspaceDiscriminator;
  if (!opened || !keyspace) return { skipped: "APSIS One is not connected" };

  let graphql: ShopifyGraphql;
  try {
    graphql = (await getShopifyAdmin({ shop })).graphql;
  } catch (error) {
    // No usable session: the merchant opens the app again; the cursor waits, so nothing is skipped.
    if (error instanceof ShopifySessionNotFoundError || error instanceof ShopifyAuthError) return { skipped: `Shopify access: ${error.message}` };
    throw error;
  }
  const plans = await cachedSectionPlans(row.id, opened.client, mappings);
  const links = await listApsisLinksToCheck({ shopId: row.id, afterId: state.writebackCursor, take: parseEnv().WRITEBACK_PROFILES_PER_PASS });
  const pass = { shopId: row.id, client: opened.client, keyspace, graphql, plans, timeZone: row.ianaTimezone };
  let written = 0;
  let refused = 0;
  for (const link of links) {
    const outcome = await checkLink(pass, link);
    written += outcome.written;
    refused += outcome.refused;
    // The cursor moves after each profile: a pass that dies goes on from there.
    await recordApsisWritebackProgress({ shopId: row.id, cursor: link.id, at: now });
  }
  // The end of the links: the next pass starts the round again.
  const cursor = links.length < parseEnv().WRITEBACK_PROFILES_PER_PASS ? null : (links.at(-1)?.id ?? null);
  await recordApsisWritebackProgress({ shopId: row.id, cursor, at: now });
  return { checked: links.length, written, refused, cursor };
}

type Pass = { shopId: string; client: ApsisClient; keyspace: string; graphql: ShopifyGraphql; plans: Map<string, SectionPlan>; timeZone: string };
type Link = Awaited<ReturnType<typeof listApsisLinksToCheck>>[number];

async function checkLink(pass: Pass, link: Link): Promise<{ written: number; refused: number }> {
  const none = { written: 0, refused: 0 };
  const section = sectionOfTarget(link.target);
  const plan = section ? pass.plans.get(section) : undefined;
  if (!section || !plan || !link.destinationId || (!plan.topics.email.length && !plan.topics.sms.length)) return none;
  let consents;
  try {
    consents = await waitingOutRateLimits(() => pass.client.consents.list({ keyspace: pass.keyspace, profileKey: link.destinationId!, section, types: ["opt-out"] }));
  } catch (error) {
    // The profile is gone from APSIS (deleted there): nothing of it to write back.
    if (error instanceof ApsisNotFoundError) return none;
    throw error;
  }
  const written = parseConsentState(link.consent);
  // Before asking Shopify: is there an opt-out the app did not write at all?
  const anyState = { state: "NOT_SUBSCRIBED", updatedAt: null };
  if (!writeBacksOf({ consents, topics: plan.topics, written, shopify: { email: anyState, sms: anyState } }).length) return none;

  const [now, customer] = await Promise.all([readCustomerConsent({ graphql: pass.graphql, id: link.customerId }), readCustomer({ graphql: pass.graphql, id: link.customerId })]);
  if (!now || !customer) return none;
  const writeBacks = writeBacksOf({ consents, topics: plan.topics, written, shopify: now });
  if (!writeBacks.length) return none;

  const accepted = [];
  let refused = 0;
  for (const wb of writeBacks) {
    // A refusal stands until the opt-out or Shopify's consent changes (each round would otherwise ask again).
    if (await wasWritebackRefused({ shopId: pass.shopId, destination: "apsis", customerId: link.customerId, channel: wb.channel, consentAt: wb.consentAt })) continue;
    const answer = await writeUnsubscribed({ graphql: pass.graphql, customerId: link.customerId, channel: wb.channel, consentAt: wb.consentAt });
    await recordConsentWriteback({
      shopId: pass.shopId,
      destination: "apsis",
      customerId: link.customerId,
      channel: wb.channel,
      topics: wb.topics,
      consentAt: wb.consentAt,
      outcome: answer.written ? "written" : "refused",
      detail: answer.written ? `Opted out in APSIS One (Section ${section})` : `Shopify refused: ${answer.refusal}`,
    });
    if (answer.written) accepted.push(wb);
    else refused += 1;
  }
  if (!accepted.length) return { written: 0, refused };

  // What APSIS now holds, on the link. When the link was up to date before (its hash is what the rules gave for
  // the customer as read) and the opt-outs cover every mapped topic of their channels, it also gets the hash the
  // rules give for the customer as Shopify now has them: the real-time sync the webhooks start is then unchanged.
  const context = { timeZone: pass.timeZone };
  const before = profileOf({ customer, plan, keyspace: pass.keyspace, section, context });
  const { consent, settled } = recordWriteBacks({ written, writeBacks: accepted, customer, topics: plan.topics });
  let next = { consent, payloadHash: link.payloadHash };
  if (settled && before.hash === link.payloadHash) {
    const unsubscribed = { ...customer };
    for (const { channel } of accepted) {
      if (channel === "email") unsubscribed.emailMarketingState = "UNSUBSCRIBED";
      else unsubscribed.smsMarketingState = "UNSUBSCRIBED";
    }
    const after = profileOf({ customer: unsubscribed, plan, keyspace: pass.keyspace, section, context });
    next = { consent: after.consent, payloadHash: after.hash };
  }
  await recordWritebackOnLink({ linkId: link.id, read: { consent: link.consent, payloadHash: link.payloadHash }, consent: JSON.stringify(next.consent), payloadHash: next.payloadHash });
  return { written: accepted.length, refused };
}
