import { type ApsisAttributeDefinition, currentVersionId, isCompatible, normalizeAttributeType } from "./attribute-values";
import { type FieldSpec, SHOPIFY_FIELD_KEYS, SHOPIFY_FIELDS, type ShopifyFieldKey } from "./shopify-fields";

/** Which attribute of a Section each Shopify field is proposed for ("Guess mappings" on the mapping page). Pure. */

/** "usercreated.attributes.press_-_newsletter-omm8pihlcr" → "press newsletter"; "First Name" → "first name". */
export function normalizeName(text: string): string {
  let t = text.trim();
  if (/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/i.test(t)) {
    // A discriminator: its last segment, without the random suffix APSIS appends to user-created ones.
    t = t.slice(t.lastIndexOf(".") + 1);
    const suffix = /-([a-z0-9]{10})$/.exec(t);
    if (suffix && (text.startsWith("usercreated.") || /\d/.test(suffix[1]))) t = t.slice(0, -11);
  }
  return t
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

const squash = (text: string) => text.replace(/ /g, "");

function score(field: ShopifyFieldKey, attribute: ApsisAttributeDefinition): number {
  const spec: FieldSpec = SHOPIFY_FIELDS[field];
  if (spec.apsisDefault && attribute.discriminator === spec.apsisDefault) return 100;
  const names = [normalizeName(attribute.name), normalizeName(attribute.discriminator)].filter(Boolean);
  const synonyms = [...new Set([normalizeName(spec.label), normalizeName(field), ...spec.synonyms.map(normalizeName)])];
  let best = 0;
  for (const name of names) {
    const tokens = new Set(name.split(" "));
    for (const synonym of synonyms) {
      const words = synonym.split(" ");
      if (squash(name) === squash(synonym)) best = Math.max(best, 90);
      // Several words all present ("Shopify customer id" ⊇ "customer id"); one word alone guesses too much.
      else if (words.length > 1 && words.every((w) => tokens.has(w))) best = Math.max(best, 50 + words.length);
    }
  }
  return best;
}

/**
 * Proposed mappings for a Section's attributes, by name and discriminator: APSIS's default attributes first
 * (email, first/last name, mobile), then exact names and synonyms ("Postal code" ← zip, "Customer since" ←
 * created at), then multi-word containment ("Shopify customer id"). Each field and each attribute is used at
 * most once, and only type-compatible pairs are proposed.
 */
export function guessMappings(attributes: readonly ApsisAttributeDefinition[]): { field: ShopifyFieldKey; attribute: string }[] {
  const candidates: { field: ShopifyFieldKey; attribute: string; score: number; order: number }[] = [];
  SHOPIFY_FIELD_KEYS.forEach((field, order) => {
    for (const attribute of attributes) {
      if (!isCompatible(SHOPIFY_FIELDS[field].type, normalizeAttributeType(attribute.type))) continue;
      if (attribute.versions && attribute.versions.length && !currentVersionId(attribute)) continue;
      const s = score(field, attribute);
      if (s >= 50) candidates.push({ field, attribute: attribute.discriminator, score: s, order });
    }
  });
  candidates.sort((a, b) => b.score - a.score || a.order - b.order);
  const usedFields = new Set<string>();
  const usedAttributes = new Set<string>();
  const out: { field: ShopifyFieldKey; attribute: string; order: number }[] = [];
  for (const c of candidates) {
    if (usedFields.has(c.field) || usedAttributes.has(c.attribute)) continue;
    usedFields.add(c.field);
    usedAttributes.add(c.attribute);
    out.push(c);
  }
  return out.sort((a, b) => a.order - b.order).map(({ field, attribute }) => ({ field, attribute }));
}
