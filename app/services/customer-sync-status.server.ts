import { z } from "zod";
import { getApsisConnectionSummary } from "../models/apsis-connection.server";
import { listApsisLinksOfCustomer } from "../models/apsis-profile-link.server";
import { findCustomerSyncState } from "../models/customer-sync-state.server";
import type { ShopContext } from "../models/shop.server";
import { APSIS_CHANNELS, parseConsentState } from "../destinations/apsis/rules/consent";
import { sectionOfTarget } from "../destinations/apsis/rules/profile";
import { type ApsisClientTuning, openApsisConnection } from "../destinations/apsis/account.server";
import { type CustomerSyncRequest, requestCustomerSync } from "../destinations/apsis/realtime.server";
import { BOUNDS, tooLong } from "../utils/input-bounds";

/**
 * The customer page block (extensions/customer-sync-status): one customer's APSIS One sync state, and its
 * Resync action. The shop always comes from the caller's verified session token, never from the request, and
 * every read is scoped by that shop, so a customer id of another store shows nothing of it.
 *
 * Times are ISO strings with the store's IANA timezone beside them: the block formats them in the store's
 * zone, as the app's pages do.
 */

export const CustomerGidSchema = z
  .string({ error: "a customer id is required" })
  .trim()
  .max(BOUNDS.customerGid, tooLong("the customer id", BOUNDS.customerGid))
  .regex(/^gid:\/\/shopify\/Customer\/\d+$/, "the customer id must be a Shopify customer GID, e.g. gid://shopify/Customer/123");

/** A missing or malformed customer id: the endpoint answers 400 with the message. */
export class InvalidCustomerIdError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = "InvalidCustomerIdError";
  }
}

function parseCustomerId(value: unknown): string {
  const parsed = CustomerGidSchema.safeParse(value);
  if (!parsed.success) throw new InvalidCustomerIdError(parsed.error.issues[0].message);
  return parsed.data;
}

export type ConsentChannelView = {
  channel: "email" | "sms";
  /** The email address or phone number the consent was written for. */
  address: string;
  topics: { topic: string; name: string | null; type: "opt-in" | "opt-out" }[];
};

export type CustomerSectionSyncView = {
  section: string;
  sectionName: string | null;
  /** The profile key in the keyspace (the numeric customer id). */
  profileKey: string | null;
  lastSyncedAt: string;
  lastError: string | null;
  /** null when nothing readable was recorded (no consent mapped, or an unreadable record). */
  consent: ConsentChannelView[] | null;
};

export type CustomerSyncAttemptView = {
  /** "created" | "updated" | "unchanged" | "skipped" | "deleted" | "failed" */
  outcome: string;
  section: string | null;
  sectionName: string | null;
  detail: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  attemptedAt: string;
};

export type CustomerSyncStatus = {
  customerId: string;
  timeZone: string;
  apsis: { connected: boolean; keyspaceChosen: boolean; realtimeEnabled: boolean };
  /** What was last written, per Section (a customer who moved Section keeps the old one's data in APSIS). */
  sections: CustomerSectionSyncView[];
  /** The latest real-time sync or Resync of the customer, null before the first. */
  lastAttempt: CustomerSyncAttemptView | null;
};

/** The shape a ProfileLink's consent JSON must have to be shown (sync/apsis/consent.ts ConsentState). */
const StoredChannelSchema = z.object({ address: z.string(), topics: z.record(z.string(), z.enum(["opt-in", "opt-out"])) });
const StoredConsentSchema = z.object({ email: StoredChannelSchema.optional(), sms: StoredChannelSchema.optional() });

/** Names are a nicety: a block must not wait long for them, nor fail without them. */
const NAMES_TUNING: ApsisClientTuning = { maxRetries: 0, timeoutMs: 3_000 };

type Names = { sections: Map<string, string>; topics: Map<string, Map<string, string>> };

/**
 * Section and topic names from the live account (1 + 1 per Section requests), for the Sections this customer
 * has data in. Whatever cannot be read stays unnamed and the block shows the discriminator.
 */
async function readNames({ shopId, sections }: { shopId: string; sections: string[] }): Promise<Names> {
  const names: Names = { sections: new Map(), topics: new Map() };
  if (!sections.length) return names;
  const opened = await openApsisConnection({ shopId }, NAMES_TUNING);
  if (!opened) return names;
  const { client } = opened;
  const [sectionList, ...topicLists] = await Promise.allSettled([client.sections.list(), ...sections.map((section) => client.topics.list({ section }))]);
  if (sectionList.status === "fulfilled") for (const s of sectionList.value) names.sections.set(s.discriminator, s.name);
  topicLists.forEach((result, i) => {
    if (result.status === "fulfilled") names.topics.set(sections[i], new Map(result.value.map((t) => [t.discriminator, t.name])));
  });
  return names;
}

function consentView(json: string | null, topicNames: Map<string, string> | undefined): ConsentChannelView[] | null {
  const parsed = StoredConsentSchema.safeParse(parseConsentState(json));
  if (!parsed.success) return null;
  const channels: ConsentChannelView[] = [];
  for (const channel of Object.keys(APSIS_CHANNELS) as ("email" | "sms")[]) {
    const stored = parsed.data[channel];
    if (!stored) continue;
    channels.push({
      channel,
      address: stored.address,
      topics: Object.entries(stored.topics).map(([topic, type]) => ({ topic, name: topicNames?.get(topic) ?? null, type })),
    });
  }
  return channels;
}

/**
 * The customer's sync state in the (invited) shop. Throws InvalidCustomerIdError (400) for a bad id.
 */
export async function getCustomerSyncStatus({ shop, customerId: input }: { shop: ShopContext; customerId: unknown }): Promise<CustomerSyncStatus> {
  const customerId = parseCustomerId(input);
  const [connection, links, state] = await Promise.all([
    getApsisConnectionSummary({ shopId: shop.id }),
    listApsisLinksOfCustomer({ shopId: shop.id, customerId }),
    findCustomerSyncState({ shopId: shop.id, customerId }),
  ]);
  const linked = links.flatMap((link) => {
    const section = sectionOfTarget(link.target);
    return section ? [{ ...link, section }] : [];
  });
  const sections = [...new Set([...linked.map((l) => l.section), ...(state?.section ? [state.section] : [])])];
  const names = await readNames({ shopId: shop.id, sections });
  return {
    customerId,
    timeZone: shop.ianaTimezone,
    apsis: { connected: Boolean(connection), keyspaceChosen: Boolean(connection?.keyspaceDiscriminator), realtimeEnabled: connection?.realtimeEnabled ?? false },
    sections: linked.map((link) => ({
      section: link.section,
      sectionName: names.sections.get(link.section) ?? null,
      profileKey: link.destinationId,
      lastSyncedAt: link.lastSyncedAt.toISOString(),
      lastError: link.lastError,
      consent: consentView(link.consent, names.topics.get(link.section)),
    })),
    lastAttempt: state
      ? {
          outcome: state.outcome,
          section: state.section,
          sectionName: state.section ? (names.sections.get(state.section) ?? null) : null,
          detail: state.detail,
          lastError: state.lastError,
          lastErrorAt: state.lastErrorAt?.toISOString() ?? null,
          attemptedAt: state.attemptedAt.toISOString(),
        }
      : null,
  };
}

/**
 * The block's Resync: queues the customer's sync now (coalesced with one already waiting), whether or not
 * real-time sync is on. `{ queued: false, reason }` when APSIS One is not connected or has no keyspace.
 */
export async function resyncCustomer({ shop, customerId: input }: { shop: ShopContext; customerId: unknown }): Promise<CustomerSyncRequest> {
  const customerId = parseCustomerId(input);
  return requestCustomerSync({ shop: shop.domain, customerId });
}
