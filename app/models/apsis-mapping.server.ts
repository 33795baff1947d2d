import { getDb } from "../db.server";

/**
 * The APSIS configuration of a shop: sync conditions (ordered rules picking the Section), attribute mappings
 * and consent mappings per Section. Rows are replaced as a whole per save (one transaction), so a save that is
 * refused changes nothing and a saved set is never half old, half new. Validation lives in
 * app/destinations/apsis/rules/* and app/destinations/apsis/mapping.server.ts; this module only stores.
 */

export async function listSyncConditionRows({ shopId }: { shopId: string }) {
  return getDb().syncCondition.findMany({ where: { shopId }, orderBy: { position: "asc" }, select: { position: true, rule: true, sectionDiscriminator: true } });
}

export async function replaceSyncConditions({ shopId, rules }: { shopId: string; rules: { rule: unknown; section: string }[] }) {
  await getDb().$transaction(async (tx) => {
    await tx.syncCondition.deleteMany({ where: { shopId } });
    if (rules.length) {
      await tx.syncCondition.createMany({
        data: rules.map(({ rule, section }, position) => ({ shopId, position, rule: JSON.stringify(rule), sectionDiscriminator: section })),
      });
    }
  });
}

export async function listAttributeMappingRows({ shopId, section }: { shopId: string; section?: string }) {
  return getDb().attributeMapping.findMany({
    where: { shopId, ...(section ? { sectionDiscriminator: section } : {}) },
    orderBy: [{ sectionDiscriminator: "asc" }, { id: "asc" }],
    select: { sectionDiscriminator: true, shopifyField: true, attributeDiscriminator: true, attributeType: true },
  });
}

export async function replaceAttributeMappings({ shopId, section, mappings }: {
  shopId: string;
  section: string;
  mappings: { field: string; attribute: string; attributeType: string }[];
}) {
  await getDb().$transaction(async (tx) => {
    await tx.attributeMapping.deleteMany({ where: { shopId, sectionDiscriminator: section } });
    // One at a time: ids are cuids in insertion order, and listAttributeMappingRows keeps the merchant's order.
    for (const m of mappings) {
      await tx.attributeMapping.create({
        data: { shopId, sectionDiscriminator: section, shopifyField: m.field, attributeDiscriminator: m.attribute, attributeType: m.attributeType },
      });
    }
  });
}

export async function listConsentMappingRows({ shopId, section }: { shopId: string; section?: string }) {
  return getDb().consentMapping.findMany({
    where: { shopId, ...(section ? { sectionDiscriminator: section } : {}) },
    orderBy: [{ sectionDiscriminator: "asc" }, { channel: "asc" }, { id: "asc" }],
    select: { sectionDiscriminator: true, channel: true, consentListDiscriminator: true, topicDiscriminator: true, refusedAt: true, refusal: true },
  });
}

/** The mapped topic on the channel: APSIS One refused a consent write to it (400/422) with this message. */
export async function recordConsentRefusal({ shopId, section, channel, topic, message }: { shopId: string; section: string; channel: string; topic: string; message: string }) {
  await getDb().consentMapping.updateMany({
    where: { shopId, sectionDiscriminator: section, channel, topicDiscriminator: topic },
    data: { refusedAt: new Date(), refusal: message.slice(0, 500) },
  });
}

/** APSIS One accepted a consent write to the topic on the channel again: its refusal no longer holds. */
export async function clearConsentRefusal({ shopId, section, channel, topic }: { shopId: string; section: string; channel: string; topic: string }) {
  await getDb().consentMapping.updateMany({
    where: { shopId, sectionDiscriminator: section, channel, topicDiscriminator: topic, refusedAt: { not: null } },
    data: { refusedAt: null, refusal: null },
  });
}

export async function replaceConsentMappings({ shopId, section, rows }: {
  shopId: string;
  section: string;
  rows: { channel: "email" | "sms"; consentList: string; topic: string }[];
}) {
  await getDb().$transaction(async (tx) => {
    // A topic kept on the same channel keeps APSIS One's refusal: only APSIS accepting a write clears it.
    const before = await tx.consentMapping.findMany({ where: { shopId, sectionDiscriminator: section, refusedAt: { not: null } } });
    await tx.consentMapping.deleteMany({ where: { shopId, sectionDiscriminator: section } });
    for (const r of rows) {
      const kept = before.find((b) => b.channel === r.channel && b.topicDiscriminator === r.topic);
      await tx.consentMapping.create({
        data: {
          shopId,
          sectionDiscriminator: section,
          channel: r.channel,
          consentListDiscriminator: r.consentList,
          topicDiscriminator: r.topic,
          refusedAt: kept?.refusedAt ?? null,
          refusal: kept?.refusal ?? null,
        },
      });
    }
  });
}
