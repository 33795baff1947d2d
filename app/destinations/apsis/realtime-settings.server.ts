import { z } from "zod";
import type { ApsisEventDefinition } from "./client/client";
import { currentVersionId } from "./rules/attribute-values";
import { ApsisNotFoundError } from "./client/errors";
import { type ApsisRealtimeSettings, getApsisRealtimeSettings, ON_CUSTOMER_DELETE, saveApsisRealtimeSettings } from "../../models/apsis-realtime-settings.server";
import type { ShopContext } from "../../models/shop.server";
import type { SyncCondition } from "./rules/conditions";
import { BOUNDS, tooLong } from "../../utils/input-bounds";
import type { Result } from "../../utils/user-facing-error";
import { describeApsisError, INTERACTIVE, openApsisConnection } from "./account.server";
import { loadApsisMappings } from "./mapping.server";
import { whyNoWriteback } from "./writeback.server";

/**
 * APSIS One page → Real-time sync: real-time sync on/off, what a deleted Shopify customer does to their APSIS
 * profile, and purchase events with the event definition they are posted as in each Section the sync
 * conditions use. A save is validated as a whole against the saved conditions and the live APSIS account and
 * stored in one transaction, so a refused save changes nothing. Every function takes the invited shop's context.
 */

const NOT_CONNECTED = "Connect APSIS One first.";

/** The Sections the sync conditions send customers to, in rule order: the only ones purchase events can go to. */
export function sectionsOfConditions(conditions: readonly SyncCondition[]): string[] {
  return [...new Set(conditions.map((rule) => rule.section))];
}

/** The event proposed for purchases when none is saved: the first whose discriminator or name says order or purchase. */
export function proposePurchaseEvent(events: readonly { discriminator: string; name: string }[]): string | null {
  const found = events.find((e) => /order|purchase/i.test(e.discriminator) || /order|purchase/i.test(e.name));
  return found?.discriminator ?? null;
}

/** The saved settings; null when APSIS One is not connected. */
export async function getRealtimeSettings({ shop }: { shop: ShopContext }): Promise<ApsisRealtimeSettings | null> {
  return getApsisRealtimeSettings({ shopId: shop.id });
}

const PICK_EVENT = "choose an event from the list for each Section";

/** A checkbox as a form sends it ("true"/"false"), or a boolean from code. */
const flag = (error: string) => z.union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")], { error });

export const RealtimeSettingsInputSchema = z.object({
  realtimeEnabled: flag("say whether customers are synced in real time"),
  purchaseEventsEnabled: flag("say whether purchase events are added"),
  /** Absent: off (the switch is off by default; the page always sends it). */
  writebackEnabled: flag("say whether unsubscribes are written back to Shopify").default(false),
  onCustomerDelete: z.enum(ON_CUSTOMER_DELETE, { error: "choose what happens to a deleted customer's APSIS profile: delete it or keep it" }),
  /**
   * Section → event discriminator; an empty choice is no choice. Bounded (utils/input-bounds.ts); a bad Section
   * key is reported without a path, so an oversized key never becomes the name of an error field.
   */
  purchaseEvents: z
    .record(z.string(), z.string(), { error: PICK_EVENT })
    .default({})
    .superRefine((choices, ctx) => {
      const entries = Object.entries(choices);
      if (entries.length > BOUNDS.purchaseEventSections) {
        ctx.addIssue({ code: "custom", message: `purchase events can be chosen for at most ${BOUNDS.purchaseEventSections} Sections` });
        return;
      }
      for (const [section, event] of entries) {
        if (section.trim() === "" || section.length > BOUNDS.discriminator) ctx.addIssue({ code: "custom", message: PICK_EVENT });
        else if (event.trim().length > BOUNDS.discriminator) ctx.addIssue({ code: "custom", path: [section], message: tooLong("the event id", BOUNDS.discriminator) });
      }
    })
    .transform((choices) =>
      Object.fromEntries(Object.entries(choices).map(([section, event]) => [section.trim(), event.trim()]).filter(([, event]) => event !== "")),
    ),
});

type Field = "realtimeEnabled" | "purchaseEventsEnabled" | "writebackEnabled" | "onCustomerDelete" | `purchaseEvents.${string}`;
export type RealtimeSettingsResult = Result<Field>;

/**
 * Saves every real-time setting at once. Refused (nothing saved), with the reason on the field, for: an unknown
 * delete choice; an event the Section does not define in APSIS (or has only deprecated versions of); a Section
 * the sync conditions do not use; purchase events switched on without an event for every Section the conditions
 * use; real-time sync switched on before a keyspace is chosen. Choices are kept while purchase events are off.
 */
export async function saveRealtimeSettings({ shop, ...input }: {
  shop: ShopContext;
  realtimeEnabled: unknown;
  purchaseEventsEnabled: unknown;
  onCustomerDelete: unknown;
  purchaseEvents: unknown;
  writebackEnabled?: unknown;
}): Promise<RealtimeSettingsResult> {
  const parsed = RealtimeSettingsInputSchema.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Partial<Record<Field, string>> = {};
    let formError: string | undefined;
    for (const issue of parsed.error.issues) {
      if (issue.path[0] === "purchaseEvents" && issue.path.length === 1) {
        formError ??= issue.message;
        continue;
      }
      const field = issue.path[0] === "purchaseEvents" ? `purchaseEvents.${String(issue.path[1])}` : String(issue.path[0]);
      fieldErrors[field as Field] ??= issue.message;
    }
    return { ok: false, fieldErrors, ...(formError ? { formError } : {}) };
  }
  const settings = parsed.data;
  const opened = await openApsisConnection({ shopId: shop.id }, INTERACTIVE);
  if (!opened) return { ok: false, formError: NOT_CONNECTED };

  const fieldErrors: Partial<Record<Field, string>> = {};
  const formErrors: string[] = [];
  if (settings.realtimeEnabled && !opened.connection.keyspaceDiscriminator) {
    fieldErrors.realtimeEnabled = "choose the keyspace profiles are created in (under 1. Connect APSIS One) before switching real-time sync on";
  }
  const mappings = await loadApsisMappings({ shopId: shop.id });
  if (settings.writebackEnabled) {
    const why = await whyNoWriteback({ shop, keyspace: opened.connection.keyspaceDiscriminator, consents: mappings.consents });
    if (why) fieldErrors.writebackEnabled = why;
  }
  const sections = sectionsOfConditions(mappings.conditions);
  const unused = Object.keys(settings.purchaseEvents).filter((section) => !sections.includes(section));
  if (unused.length) {
    formErrors.push(
      `${unused.map((s) => `"${s}"`).join(", ")} ${unused.length === 1 ? "is not a Section" : "are not Sections"} the sync conditions use: purchase events go only to the Section a customer is synced to.`,
    );
  }
  if (settings.purchaseEventsEnabled) {
    for (const section of sections) {
      if (!settings.purchaseEvents[section]) fieldErrors[`purchaseEvents.${section}`] = "choose the event purchases are posted as in this Section";
    }
  }

  // Every chosen event must be defined, with a current version, in its Section in APSIS.
  const chosen = Object.entries(settings.purchaseEvents).filter(([section]) => sections.includes(section));
  const definitions = await Promise.all(
    chosen.map(([section]) =>
      opened.client.events.list({ section }).then(
        (events): { events: ApsisEventDefinition[] } | { error: unknown } => ({ events }),
        (error: unknown) => ({ error }),
      ),
    ),
  );
  for (const [i, [section, event]] of chosen.entries()) {
    const found = definitions[i];
    const field = `purchaseEvents.${section}` as const;
    if ("error" in found) {
      if (found.error instanceof ApsisNotFoundError) fieldErrors[field] ??= "the APSIS One account no longer has this Section: update the sync conditions";
      else formErrors.push(`The events could not be checked with APSIS One, so nothing was saved. ${describeApsisError(found.error)}`);
      continue;
    }
    const definition = found.events.find((e) => e.discriminator === event);
    if (!definition) fieldErrors[field] ??= `"${event}" is not an event of this Section in APSIS One: choose one from the list`;
    else if (!currentVersionId(definition)) fieldErrors[field] ??= `every version of "${definition.name ?? event}" is deprecated in APSIS One: choose another event`;
  }

  if (Object.keys(fieldErrors).length || formErrors.length) {
    return { ok: false, fieldErrors, ...(formErrors.length ? { formError: [...new Set(formErrors)].join(" ") } : {}) };
  }
  const saved = await saveApsisRealtimeSettings({ shopId: shop.id, settings });
  return saved ? { ok: true } : { ok: false, formError: NOT_CONNECTED };
}
