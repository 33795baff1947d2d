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
    select: { sectionDiscriminator: true, channel: true, consentListDiscriminator: true, topicDiscriminator: true },
  });
}

export async function replaceConsentMappings({ shopId, section, rows }: {
  shopId: string;
  section: string;
  rows: { channel: "email" | "sms"; consentList: string; topic: string }[];
}) {
  await getDb().$transaction(async (tx) => {
    await tx.consentMapping.deleteMany({ where: { shopId, sectionDiscriminator: section } });
    for (const r of rows) {
      await tx.consentMapping.create({
        data: { shopId, sectionDiscriminator: section, channel: r.channel, consentListDiscriminator: r.consentList, topicDiscriminator: r.topic },
      });
    }
  });
}
