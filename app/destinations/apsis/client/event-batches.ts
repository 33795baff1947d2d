/**
 * APSIS One takes a request body of at most 100 kB and answers 413 beyond (docs/apis/apsis-one-api.md §9.1; the
 * events endpoint: "The payload limit is 100 KB", §7). Events for one profile go in as few requests as fit.
 */

/** "≤ 100 kB", read as 100,000 bytes: the stricter of kB and KiB, so a body that fits here fits either way. */
export const APSIS_MAX_BODY_BYTES = 100_000;

export interface ApsisEventInput {
  versionId: string;
  eventTime: Date | string;
  data: Record<string, unknown>;
}

/** One event as the events endpoint takes it. */
export function eventItem({ versionId, eventTime, data }: ApsisEventInput) {
  return { event_time: eventTime instanceof Date ? eventTime.toISOString() : eventTime, version_id: versionId, data };
}

/** The body of POST …/profiles/{pk}/sections/{sec}/events. */
export const eventsBody = (items: readonly ApsisEventInput[]) => ({ items: items.map(eventItem) });

const utf8 = new TextEncoder();
const byteLength = (text: string) => utf8.encode(text).length;

/** `{"items":[` and `]}` around the items, which are separated by commas. */
const ENVELOPE_BYTES = byteLength(JSON.stringify({ items: [] }));

export type EventBatches<T> = {
  /** In the events' order, each one request of at most `maxBytes`. */
  batches: T[][];
  /** Events whose request alone would be over `maxBytes`: never sent (APSIS would answer 413 however often). */
  tooLarge: { event: T; bytes: number }[];
};

/**
 * Splits events into request bodies of at most `maxBytes` (UTF-8 bytes of the JSON the client sends, counted
 * exactly), filling each in order before starting the next.
 */
export function batchEvents<T extends ApsisEventInput>(events: readonly T[], maxBytes = APSIS_MAX_BODY_BYTES): EventBatches<T> {
  const batches: T[][] = [];
  const tooLarge: EventBatches<T>["tooLarge"] = [];
  let current: T[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const event of events) {
    const size = byteLength(JSON.stringify(eventItem(event)));
    if (ENVELOPE_BYTES + size > maxBytes) {
      tooLarge.push({ event, bytes: ENVELOPE_BYTES + size });
      continue;
    }
    const added = size + (current.length ? 1 : 0);
    if (bytes + added > maxBytes) {
      batches.push(current);
      current = [];
      bytes = ENVELOPE_BYTES;
    }
    bytes += size + (current.length ? 1 : 0);
    current.push(event);
  }
  if (current.length) batches.push(current);
  return { batches, tooLarge };
}
