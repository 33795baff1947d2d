import { setTimeout as delay } from "node:timers/promises";
import type { ApsisClient } from "./client/client";
import {
  ApsisConflictError,
  ApsisNotFoundError,
  ApsisPayloadTooLargeError,
  ApsisRateLimitError,
  ApsisValidationError,
} from "./client/errors";
import { type ApsisConsentEventInput, type ApsisConsentSource, findApsisLinks, recordApsisConsentEvents, saveApsisLink } from "../../models/apsis-profile-link.server";
import { consentPairKey, heldOptOuts, parseConsentState } from "./rules/consent";
import { clearConsentRefusal, recordConsentRefusal } from "../../models/apsis-mapping.server";
import type { ApsisMappings } from "./mapping.server";
import { currentVersionId, describeType, isCompatible, normalizeAttributeType, type ResolvedAttributeMapping } from "./rules/attribute-values";
import { SHOPIFY_FIELDS } from "./rules/shopify-fields";
import type { ErrorVerdict } from "../../runs/batch-engine";
import type { FullSyncEngineOptions, SectionPlan, StoredLink, WrittenConsent } from "./rules/profile-engine";
import { sectionOfTarget, sectionTarget } from "./rules/profile";
import type { FullSyncRunSettings } from "./rules/run-settings";
import { apsisReason } from "./account.server";

/**
 * The ports of the profile engine (rules/profile-engine.ts) wired to a shop's APSIS account and its
 * ProfileLinks — the same for the Full Sync and the real-time sync, so both write a customer the same way.
 */

/** What APSIS is told the consent came from (its UI shows it). */
const CONSENT_SOURCES: Record<Exclude<ApsisConsentSource, "email_change" | "import">, string> = {
  full_sync: "Shopify (profile sync app, Full Sync)",
  webhook: "Shopify (profile sync app, real-time sync)",
};

/** A mapping or Section no longer matches APSIS: nothing can be written until the merchant updates it. */
export class ApsisMappingOutdatedError extends Error {
  constructor(readonly code: "section_gone" | "mapping_outdated", message: string) {
    super(message);
    this.name = "ApsisMappingOutdatedError";
  }
}

/** How long a shop's resolved Section plans (attribute definitions from APSIS) are reused. */
const PLAN_TTL_MS = 60_000;
const planCache = new Map<string, { at: number; plans: Promise<Map<string, SectionPlan>> }>();

/**
 * The Section plans for the shop's current mappings, from APSIS at most once a minute per process (real-time sync
 * and write-back: a busy shop syncs many customers a second; the definitions rarely change, and a change of mappings changes the key).
 */
export function cachedSectionPlans(shopId: string, client: ApsisClient, mappings: ApsisMappings) {
  const key = `${shopId} ${JSON.stringify(mappings)}`;
  const now = Date.now();
  const hit = planCache.get(key);
  if (hit && now - hit.at < PLAN_TTL_MS) return hit.plans;
  for (const [k, v] of planCache) if (now - v.at >= PLAN_TTL_MS) planCache.delete(k);
  const plans = sectionPlans({ client, sections: mappings.conditions.map((c) => c.section), attributes: mappings.attributes, consents: mappings.consents, refusals: mappings.refusals });
  planCache.set(key, { at: now, plans });
  plans.catch(() => planCache.delete(key));
  return plans;
}

/**
 * Every Section a rule can pick, with its mappings resolved against APSIS as it is now: each mapped attribute
 * must still exist, still take the field's type, and have a writable version (its id is what the v1 write is
 * keyed by). Anything off throws ApsisMappingOutdatedError naming what to fix, before a single write.
 */
export async function sectionPlans({ client, sections, attributes: attributeMappings, consents, refusals }: {
  client: ApsisClient;
  /** The Sections to plan (those the sync conditions can pick). */
  sections: Iterable<string>;
  /** The mapped topics APSIS One last refused consent writes to (ApsisMappings.refusals). */
  refusals: ApsisMappings["refusals"];
} & Pick<FullSyncRunSettings, "attributes" | "consents">) {
  const plans = new Map<string, SectionPlan>();
  for (const section of new Set(sections)) {
    let attributes;
    try {
      attributes = await client.attributes.list({ section });
    } catch (error) {
      if (error instanceof ApsisNotFoundError) {
        throw new ApsisMappingOutdatedError("section_gone", `The Section "${section}" no longer exists in APSIS One: update the sync conditions.`);
      }
      throw error;
    }
    const byDiscriminator = new Map(attributes.map((a) => [a.discriminator, a]));
    const resolved: ResolvedAttributeMapping[] = [];
    for (const m of attributeMappings[section] ?? []) {
      const definition = byDiscriminator.get(m.attribute);
      const label = SHOPIFY_FIELDS[m.field].label;
      if (!definition) {
        throw new ApsisMappingOutdatedError("mapping_outdated", `The attribute "${m.attribute}" (mapped from ${label}) no longer exists in Section "${section}": update the attribute mapping.`);
      }
      const type = normalizeAttributeType(definition.type);
      if (!isCompatible(SHOPIFY_FIELDS[m.field].type, type)) {
        throw new ApsisMappingOutdatedError("mapping_outdated", `"${definition.name}" in Section "${section}" is now a ${describeType(type!)} attribute and cannot take ${label}: update the attribute mapping.`);
      }
      const versionId = currentVersionId(definition);
      if (!versionId) throw new ApsisMappingOutdatedError("mapping_outdated", `"${definition.name}" in Section "${section}" has no current version in APSIS One: update the attribute mapping.`);
      resolved.push({ field: m.field, attribute: m.attribute, attributeType: type, versionId });
    }
    const refused = new Set((refusals[section] ?? []).map((r) => consentPairKey(r)));
    plans.set(section, { attributes: resolved, topics: consents[section] ?? { email: [], sms: [] }, refused });
  }
  return plans;
}

function toVersionIds(attributes: Record<string, string | number | boolean | null>, plan: SectionPlan) {
  const out: Record<string, string | number | boolean | null> = {};
  for (const m of plan.attributes) if (m.attribute in attributes && m.versionId) out[m.versionId] = attributes[m.attribute];
  return out;
}

const RATE_LIMIT_DEFAULT_WAIT_MS = 5_000;
const RATE_LIMIT_MAX_WAITS = 30;

/**
 * The client already waits out short 429s; a longer Retry-After comes back as ApsisRateLimitError: wait it out
 * here (bounded), so a rate limit never fails a customer nor spends a job attempt.
 */
export async function waitingOutRateLimits<T>(call: () => Promise<T>): Promise<T> {
  for (let waits = 0; ; waits++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ApsisRateLimitError) || waits >= RATE_LIMIT_MAX_WAITS) throw error;
      await delay(Math.min(Math.max(error.retryAfterMs ?? RATE_LIMIT_DEFAULT_WAIT_MS, 100), 120_000));
    }
  }
}

/** APSIS refusing one profile is recorded and the sync goes on; anything that will fail for everyone stops it. */
export function classifyWriteError(error: unknown): ErrorVerdict {
  if (
    error instanceof ApsisValidationError ||
    error instanceof ApsisPayloadTooLargeError ||
    error instanceof ApsisConflictError ||
    error instanceof ApsisNotFoundError
  ) {
    return { kind: "record", reason: apsisReason(error), response: JSON.stringify({ status: error.status, title: error.title, detail: error.detail }) };
  }
  return { kind: "stop" };
}

/** What a save records in the consent history: the consents APSIS accepted, and the opt-ins left alone. */
export const historyOf = (section: string, consents: readonly WrittenConsent[]): ApsisConsentEventInput[] =>
  consents
    .filter((c) => c.result === "created" || c.result === "updated" || c.result === "left_alone")
    .map(({ write, result }) => ({
      channel: write.channel,
      address: write.address,
      topic: write.topic,
      target: sectionTarget(section),
      type: write.type,
      outcome: result === "left_alone" ? ("left_alone" as const) : ("written" as const),
      reason: write.reason,
      shopify: write.shopify,
      source: write.addressChange ? ("email_change" as const) : undefined,
    }));

/** The engine's writer and ProfileLink store for one shop's APSIS account and keyspace. */
export function profilePorts({ shopId, client, keyspace, sections, source }: {
  shopId: string;
  client: ApsisClient;
  keyspace: string;
  sections: ReadonlyMap<string, SectionPlan>;
  source: Exclude<ApsisConsentSource, "email_change" | "import">;
}): Pick<FullSyncEngineOptions, "writer" | "links"> {
  return {
    writer: {
      async writeAttributes({ profileKey, section, attributes, isNew }) {
        const byVersionId = toVersionIds(attributes, sections.get(section)!);
        if (Object.keys(byVersionId).length) {
          // v1 by version id: creates the profile when it does not exist yet.
          await waitingOutRateLimits(() => client.profiles.setAttributesV1({ keyspace, profileKey, section, byVersionId }));
        } else if (isNew) {
          await waitingOutRateLimits(() => client.profiles.create({ keyspace, section, profileKey }));
        }
      },
      async writeConsent({ profileKey, section, write, beforeAttributes }) {
        const refused = sections.get(section)?.refused;
        const pair = { shopId, section, channel: write.channel, topic: write.topic };
        try {
          const result = await waitingOutRateLimits(() =>
            client.consents.write({
              keyspace,
              profileKey,
              section,
              channel: write.channelDiscriminator as "com.apsis1.channels.email" | "com.apsis1.channels.sms",
              topic: write.topic,
              type: write.type,
              reason: write.reason,
              source: CONSENT_SOURCES[source],
            }),
          );
          if (refused?.delete(consentPairKey(write))) await clearConsentRefusal(pair);
          return result;
        } catch (error) {
          // An old address's opt-out on a profile deleted in APSIS: no profile holds that address any more.
          if (beforeAttributes && error instanceof ApsisNotFoundError) return "absent";
          // The mapping shows it, and the customers after this one write this consent first (refusedFirst).
          if (error instanceof ApsisValidationError) {
            refused?.add(consentPairKey(write));
            await recordConsentRefusal({ ...pair, message: apsisReason(error) });
          }
          throw error;
        }
      },
      async optOuts({ profileKey, section }) {
        let consents;
        try {
          consents = await waitingOutRateLimits(() => client.consents.list({ keyspace, profileKey, section, types: ["opt-out"] }));
        } catch (error) {
          if (error instanceof ApsisNotFoundError) return new Map();
          throw error;
        }
        return heldOptOuts(consents);
      },
    },
    links: {
      async find(customerIds) {
        const found = await findApsisLinks({ shopId, customerIds });
        const out = new Map<string, Map<string, StoredLink>>();
        for (const [customerId, byTarget] of found) {
          const bySection = new Map<string, StoredLink>();
          for (const [target, link] of byTarget) {
            const section = sectionOfTarget(target);
            if (section !== null) bySection.set(section, { payloadHash: link.payloadHash, consent: parseConsentState(link.consent), sourceUpdatedAt: link.sourceUpdatedAt, lastSyncedAt: link.lastSyncedAt });
          }
          out.set(customerId, bySection);
        }
        return out;
      },
      save: ({ customer, section, profileKey, payloadHash, consent, consents }) =>
        saveApsisLink({
          shopId,
          customerId: customer.id,
          target: sectionTarget(section),
          profileKey,
          email: customer.email,
          phone: customer.phone,
          payloadHash,
          consent: JSON.stringify(consent),
          sourceUpdatedAt: new Date(customer.updatedAt),
          source,
          events: historyOf(section, consents),
        }),
      recordConsents: ({ customer, section, consents }) => recordApsisConsentEvents({ shopId, customerId: customer.id, source, events: historyOf(section, consents) }),
    },
  };
}
