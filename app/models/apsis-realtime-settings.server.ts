import { z } from "zod";
import { getDb } from "../db.server";

/**
 * A shop's APSIS One real-time settings: real-time sync on/off, purchase events on/off with the event
 * definition they are posted as in each Section, and what a deleted or redacted Shopify customer does to their
 * APSIS profile. The switches live on ApsisConnection (they mean nothing without one), the event per Section on
 * ApsisEventMapping.
 */

export const ON_CUSTOMER_DELETE = ["delete_profile", "keep_profile"] as const;
export const OnCustomerDeleteSchema = z.enum(ON_CUSTOMER_DELETE);
export type OnCustomerDelete = z.infer<typeof OnCustomerDeleteSchema>;

export type ApsisRealtimeSettings = {
  realtimeEnabled: boolean;
  purchaseEventsEnabled: boolean;
  onCustomerDelete: OnCustomerDelete;
  /** Opt-outs made in APSIS One are written back to Shopify as UNSUBSCRIBED (destinations/apsis/writeback.server.ts). */
  writebackEnabled: boolean;
  /** Section discriminator → discriminator of the event definition purchase events are posted as. */
  purchaseEvents: Record<string, string>;
};

/** A stored delete choice; an unreadable value takes the choice that keeps nothing the merchant may not want kept. */
export function onCustomerDeleteOf(stored: string): OnCustomerDelete {
  const parsed = OnCustomerDeleteSchema.safeParse(stored);
  return parsed.success ? parsed.data : "delete_profile";
}

/** The event definition purchase events are posted as in a Section (null: none chosen). */
export async function getPurchaseEventOf({ shopId, section }: { shopId: string; section: string }) {
  const row = await getDb().apsisEventMapping.findUnique({ where: { shopId_section: { shopId, section } }, select: { purchaseEvent: true } });
  return row?.purchaseEvent ?? null;
}

/** null when APSIS One is not connected. */
export async function getApsisRealtimeSettings({ shopId }: { shopId: string }): Promise<ApsisRealtimeSettings | null> {
  const db = getDb();
  const [connection, events] = await Promise.all([
    db.apsisConnection.findUnique({ where: { shopId }, select: { realtimeEnabled: true, purchaseEventsEnabled: true, onCustomerDelete: true, writebackEnabled: true } }),
    db.apsisEventMapping.findMany({ where: { shopId }, select: { section: true, purchaseEvent: true } }),
  ]);
  if (!connection) return null;
  return {
    realtimeEnabled: connection.realtimeEnabled,
    purchaseEventsEnabled: connection.purchaseEventsEnabled,
    onCustomerDelete: onCustomerDeleteOf(connection.onCustomerDelete),
    writebackEnabled: connection.writebackEnabled,
    purchaseEvents: Object.fromEntries(events.map((e) => [e.section, e.purchaseEvent])),
  };
}

/**
 * Saves every setting at once, in one transaction (the Sections' event choices are replaced). Returns false when
 * APSIS One is not connected (nothing saved). Validation (known Sections and events) is the caller's.
 */
export async function saveApsisRealtimeSettings({ shopId, settings }: {
  shopId: string;
  /** Without writebackEnabled the saved write-back switch is left as it is. */
  settings: Omit<ApsisRealtimeSettings, "writebackEnabled"> & { writebackEnabled?: boolean };
}) {
  return getDb().$transaction(async (tx) => {
    const updated = await tx.apsisConnection.updateMany({
      where: { shopId },
      data: {
        realtimeEnabled: settings.realtimeEnabled,
        purchaseEventsEnabled: settings.purchaseEventsEnabled,
        onCustomerDelete: settings.onCustomerDelete,
        writebackEnabled: settings.writebackEnabled,
      },
    });
    if (updated.count === 0) return false;
    await tx.apsisEventMapping.deleteMany({ where: { shopId } });
    const entries = Object.entries(settings.purchaseEvents);
    if (entries.length) {
      await tx.apsisEventMapping.createMany({ data: entries.map(([section, purchaseEvent]) => ({ shopId, section, purchaseEvent })) });
    }
    return true;
  });
}
