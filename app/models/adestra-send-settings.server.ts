import { z } from "zod";
import { getDb, type Tx } from "../db.server";

/** SendSettings rows for Adestra: one per shop and kind. */
export const SendSettingsKindSchema = z.enum(["on_demand", "auto"]);
export type SendSettingsKind = z.infer<typeof SendSettingsKindSchema>;

export async function getSendSettingsRows({ shopId }: { shopId: string }) {
  const rows = await getDb().sendSettings.findMany({ where: { shopId } });
  return { onDemand: rows.find((r) => r.kind === "on_demand") ?? null, auto: rows.find((r) => r.kind === "auto") ?? null };
}

export type SendSettingsRow = NonNullable<Awaited<ReturnType<typeof getSendSettingsRows>>["auto"]>;

/** The choices a row stores (validated by the Adestra send's own schema, rules/choices.ts, before they get here). */
export type StoredSendChoices = { profileGroup: string; listId: number; activityFrom?: string; activityTo?: string; activityRelative?: string };

export async function saveSendSettings({ shopId, kind, choices, listName, autoSendEnabled, sendMinuteOfDay }: {
  shopId: string;
  kind: SendSettingsKind;
  choices: StoredSendChoices;
  listName: string | null;
  autoSendEnabled?: boolean;
  sendMinuteOfDay?: number | null;
}) {
  const data = {
    profileGroup: choices.profileGroup,
    listId: choices.listId,
    listName,
    activityFrom: choices.activityFrom ?? null,
    activityTo: choices.activityTo ?? null,
    activityRelative: choices.activityRelative ?? null,
    ...(autoSendEnabled === undefined ? {} : { autoSendEnabled }),
    ...(sendMinuteOfDay === undefined ? {} : { sendMinuteOfDay }),
  };
  return getDb().sendSettings.upsert({
    where: { shopId_kind: { shopId, kind } },
    create: { shopId, kind, ...data },
    update: data,
  });
}

export async function setAutoSendEnabled({ shopId, enabled }: { shopId: string; enabled: boolean }) {
  await getDb().sendSettings.updateMany({ where: { shopId, kind: "auto" }, data: { autoSendEnabled: enabled } });
}

/** "Last send" of a kind: the finish time of its latest successful send. */
export async function recordLastSendAt({ shopId, kind, at }: { shopId: string; kind: SendSettingsKind; at: Date }, db: Tx = getDb()) {
  await db.sendSettings.upsert({
    where: { shopId_kind: { shopId, kind } },
    create: { shopId, kind, lastSendAt: at },
    update: { lastSendAt: at },
  });
}

/** Every shop with Auto Send on (to reconcile the job schedulers with the database). */
export async function listEnabledAutoSends() {
  return getDb().sendSettings.findMany({
    where: { kind: "auto", autoSendEnabled: true },
    select: { shopId: true, shop: { select: { domain: true, ianaTimezone: true } } },
  });
}
