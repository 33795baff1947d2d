/**
 * The customer page block's decisions and wording, apart from Preact and the extension APIs: pure, so the app's
 * unit tests cover it and the block itself only fetches and renders. No imports: it is bundled into the
 * extension by Shopify CLI and compiled by the app's TypeScript alike.
 *
 * CustomerSyncStatusPayload is the JSON of GET /api/customer-sync-status (app/routes/api.customer-sync-status.tsx,
 * app/services/customer-sync-status.server.ts): times are ISO strings, shown here in the store's timezone.
 */

export const STATUS_PATH = "/api/customer-sync-status";

/**
 * Relative: admin UI extensions resolve it against the app's URL and add the Authorization header (a session
 * token) themselves for the app's own backend.
 */
export const statusUrl = (customerId: string) => `${STATUS_PATH}?customerId=${encodeURIComponent(customerId)}`;

export type ConsentType = "opt-in" | "opt-out";

export type CustomerSyncStatusPayload = {
  customerId: string;
  timeZone: string;
  apsis: { connected: boolean; keyspaceChosen: boolean; realtimeEnabled: boolean };
  sections: {
    section: string;
    sectionName: string | null;
    profileKey: string | null;
    lastSyncedAt: string;
    lastError: string | null;
    consent: { channel: "email" | "sms"; address: string; topics: { topic: string; name: string | null; type: ConsentType }[] }[] | null;
  }[];
  lastAttempt: {
    outcome: string;
    section: string | null;
    sectionName: string | null;
    detail: string | null;
    lastError: string | null;
    lastErrorAt: string | null;
    attemptedAt: string;
  } | null;
};

/** The s-badge tones the block uses; s-banner takes all but "neutral". */
export type Tone = "success" | "critical" | "warning" | "info" | "neutral";
export type BannerTone = Exclude<Tone, "neutral">;

export type ConsentLine = { label: string; value: string; tone: Tone };

export type SectionView = {
  heading: string;
  lastSynced: string;
  consent: ConsentLine[];
  /** Why consent lines are missing, when they are. */
  consentNote: string | null;
  error: string | null;
};

export type CustomerSyncView = {
  badge: { tone: Tone; label: string };
  /** Something the merchant should know before reading the rest (not connected, real-time sync off). */
  notice: { tone: BannerTone; message: string } | null;
  /** The latest sync attempt in a sentence, null before the first. */
  lastAttempt: string | null;
  sections: SectionView[];
  lastError: { message: string; at: string | null } | null;
  canResync: boolean;
};

/**
 * An instant in the store's timezone, worded as the app's pages word it ("8 Mar 2026, 09:00 GMT+1"). An
 * unknown zone falls back to UTC, never to the browser's zone (which may not be the store's).
 */
export function formatInstant(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let format: Intl.DateTimeFormat;
  try {
    format = dateTimeFormat(timeZone);
  } catch {
    format = dateTimeFormat("UTC");
  }
  const part = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part.day} ${part.month} ${part.year}, ${part.hour}:${part.minute} ${part.timeZoneName}`;
}

const dateTimeFormat = (timeZone: string) =>
  new Intl.DateTimeFormat("en-US", { timeZone, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" });

const OUTCOMES: Record<string, { tone: Tone; label: string }> = {
  created: { tone: "success", label: "Synced: profile created" },
  updated: { tone: "success", label: "Synced: profile updated" },
  unchanged: { tone: "success", label: "Synced: no changes" },
  skipped: { tone: "neutral", label: "Not synced: no sync condition matches" },
  deleted: { tone: "neutral", label: "Profile deleted" },
  failed: { tone: "critical", label: "Sync failed" },
};

const CONSENT_WORDS: Record<ConsentType, { value: string; tone: Tone }> = {
  "opt-in": { value: "Opted in", tone: "success" },
  "opt-out": { value: "Opted out", tone: "neutral" },
};

const CHANNEL_LABELS = { email: "Email", sms: "SMS" } as const;

function badgeOf(status: CustomerSyncStatusPayload): CustomerSyncView["badge"] {
  if (status.lastAttempt) return OUTCOMES[status.lastAttempt.outcome] ?? { tone: "neutral", label: status.lastAttempt.outcome };
  // Synced by a Full Sync only: no real-time attempt recorded.
  if (status.sections.length) return { tone: "success", label: "Synced" };
  return { tone: "neutral", label: "Not synced yet" };
}

function noticeOf({ apsis }: CustomerSyncStatusPayload): CustomerSyncView["notice"] {
  if (!apsis.connected) return { tone: "warning", message: "APSIS One is not connected: connect it on the app's APSIS One page." };
  if (!apsis.keyspaceChosen) return { tone: "warning", message: "Choose the APSIS One keyspace on the app's APSIS One page before customers can be synced." };
  if (!apsis.realtimeEnabled) {
    return { tone: "info", message: "Real-time sync is off: this customer's changes reach APSIS One with the next Full Sync, or when you resync." };
  }
  return null;
}

function sectionViewOf(section: CustomerSyncStatusPayload["sections"][number], timeZone: string): SectionView {
  const consent: ConsentLine[] = (section.consent ?? []).flatMap((channel) =>
    channel.topics.map((topic) => ({
      label: `${CHANNEL_LABELS[channel.channel]} (${channel.address}): ${topic.name ?? topic.topic}`,
      ...CONSENT_WORDS[topic.type],
    })),
  );
  const consentNote =
    section.consent === null
      ? "The consent last written could not be read."
      : consent.length
        ? null
        : "No consent written: Shopify's marketing state was neither subscribed nor unsubscribed, or no topic is mapped.";
  return {
    heading: `Section ${section.sectionName ?? section.section}`,
    lastSynced: `Last synced ${formatInstant(section.lastSyncedAt, timeZone)}`,
    consent,
    consentNote,
    error: section.lastError,
  };
}

function lastAttemptOf({ lastAttempt, timeZone }: CustomerSyncStatusPayload): string | null {
  if (!lastAttempt) return null;
  const where = lastAttempt.section ? ` (Section ${lastAttempt.sectionName ?? lastAttempt.section})` : "";
  const detail = lastAttempt.detail ? `: ${lastAttempt.detail}` : "";
  return `Last attempt ${formatInstant(lastAttempt.attemptedAt, timeZone)}${where}${detail}`;
}

export function toCustomerSyncView(status: CustomerSyncStatusPayload): CustomerSyncView {
  const error = status.lastAttempt?.lastError;
  return {
    badge: badgeOf(status),
    notice: noticeOf(status),
    lastAttempt: lastAttemptOf(status),
    sections: status.sections.map((section) => sectionViewOf(section, status.timeZone)),
    lastError: error ? { message: error, at: status.lastAttempt?.lastErrorAt ? formatInstant(status.lastAttempt.lastErrorAt, status.timeZone) : null } : null,
    canResync: status.apsis.connected && status.apsis.keyspaceChosen,
  };
}

/** What the block says about a request the app refused or could not answer. */
export function describeFailure(httpStatus: number, body: unknown): string {
  if (httpStatus === 401) return "Your session has expired: reload the page and try again.";
  const said = body && typeof body === "object" ? (body as { error?: unknown; reason?: unknown }) : {};
  if (typeof said.error === "string") return said.error;
  if (typeof said.reason === "string") return `The customer cannot be resynced: ${said.reason}.`;
  return `The app could not be reached (HTTP ${httpStatus}). Try again in a moment.`;
}

/** The Resync button's answer in words: queued (202) or the reason it was not. */
export function describeResync(httpStatus: number, body: unknown): { tone: BannerTone; message: string } {
  if (httpStatus === 202 && (body as { queued?: unknown } | null)?.queued === true) {
    return { tone: "success", message: "Resync queued: APSIS One is updated within a few seconds." };
  }
  return { tone: "critical", message: describeFailure(httpStatus, body) };
}
