/**
 * APSIS One's Audience API (docs/apis/apsis-one-api.md), the calls the profile sync needs. Inputs are
 * camelCase; results keep APSIS's field names. Every call is retried with backoff on 429/5xx/no answer except
 * imports.create (a lost answer followed by a retry would start a second import; APSIS allows three at once).
 * events.add is retried too, although APSIS stores duplicate events: a retry only follows a failure, and the
 * job would send the same events again after it anyway.
 *
 * Attributes: `profiles.setAttributes` (v2, by discriminator) does NOT create a missing profile (404) but can
 * change a profile key's value (e.g. a new email); `profiles.setAttributesV1` (by version id) creates the
 * profile when it is missing. Write with v1 where the profile may not exist yet (first sync of a customer).
 */
import { z } from "zod";
import type { Fetch } from "../../../http/request";
import { sleep as realSleep, type Sleep, withRetries } from "../../../http/retry";
import { ApsisMalformedResponseError, errorFromResponse, retryDelayMs } from "./errors";
import { type ApsisEventInput, eventsBody } from "./event-batches";
import { exchange, parseAnswer } from "./exchange";
import type { ApsisLimiter } from "./limiter";
import {
  type ApsisAttribute,
  type ApsisChannel,
  type ApsisConsent,
  type ApsisConsentType,
  type ApsisEventDefinition,
  type ApsisImportBody,
  type ApsisImportCreated,
  type ApsisImportStatus,
  type ApsisKeyspace,
  type ApsisSection,
  type ApsisTopic,
  AttributeSchema,
  ConsentSchema,
  EventDefinitionSchema,
  ImportCreatedSchema,
  ImportStatusSchema,
  itemsOf,
  KeyspaceSchema,
  SectionSchema,
  TopicSchema,
} from "./schemas";
import { type ApsisTokenCache, ApsisTokenProvider } from "./token";
import { type ApsisSend, apsisPath, createApsisTransport } from "./transport";

export type * from "./schemas";
export type { ApsisEventInput } from "./event-batches";

export const APSIS_BASE_URLS = { eu: "https://api.apsis.one", apac: "https://api-apac.apsis.one" } as const;

export interface ApsisClientOptions {
  /** https://api.apsis.one (EU), https://api-apac.apsis.one (APAC), or a sandbox; a trailing slash is fine. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  fetch?: Fetch;
  timeoutMs?: number;
  /** Retries of a call after 429/5xx/no answer (imports.create is never retried). */
  maxRetries?: number;
  sleep?: Sleep;
  /** Shares tokens between processes (redis-token-cache.server.ts); without it each client caches its own. */
  tokenCache?: ApsisTokenCache;
  /** Paces requests to APSIS's per-account and per-profile limits (limiter.ts); without it, 429s are retried. */
  limiter?: ApsisLimiter;
}

/** A value for a merge patch: null clears the attribute. */
export type ApsisAttributeValue = string | number | boolean | null;

export interface ApsisProfileRef {
  keyspace: string;
  profileKey: string;
}


export class ApsisClient {
  readonly #send: ApsisSend;
  readonly #upload: (url: string, form: FormData) => Promise<void>;

  constructor({ baseUrl, clientId, clientSecret, fetch = globalThis.fetch, timeoutMs = 30_000, maxRetries = 3, sleep = realSleep, tokenCache, limiter }: ApsisClientOptions) {
    const base = baseUrl.replace(/\/+$/, "");
    const tokens = new ApsisTokenProvider({ baseUrl: base, clientId, clientSecret, fetch, timeoutMs, maxRetries, sleep, cache: tokenCache });
    this.#send = createApsisTransport({ baseUrl: base, fetch, timeoutMs, maxRetries, sleep, tokens, limiter });
    this.#upload = async (url, form) => {
      const path = uploadPathOf(url, base);
      const attempt = async () => {
        const response = await exchange({ fetch, timeoutMs }, url, { method: "POST", body: form }, path);
        if (response.status < 200 || response.status > 299) throw errorFromResponse("POST", path, response, { endpoint: "upload" });
      };
      return withRetries(attempt, { maxRetries, sleep, delayFor: retryDelayMs });
    };
  }

  readonly keyspaces = {
    list: (): Promise<ApsisKeyspace[]> => this.#get("/audience/keyspaces", itemsOf(KeyspaceSchema)),
  };

  readonly sections = {
    list: (): Promise<ApsisSection[]> => this.#get("/audience/sections", itemsOf(SectionSchema)),
  };

  /** Default, custom and (once an integration is connected) ecommerce attributes; pick versions with currentVersionId. */
  readonly attributes = {
    list: ({ section }: { section: string }): Promise<ApsisAttribute[]> => this.#get(apsisPath`/audience/sections/${section}/attributes`, itemsOf(AttributeSchema)),
  };

  /** Consent 2.0 topics ("Subscriptions" in the APSIS UI). */
  readonly topics = {
    list: ({ section }: { section: string }): Promise<ApsisTopic[]> => this.#get(apsisPath`/v2/audience/sections/${section}/topics`, itemsOf(TopicSchema)),
  };

  readonly events = {
    list: ({ section }: { section: string }): Promise<ApsisEventDefinition[]> =>
      this.#get(apsisPath`/audience/sections/${section}/events`, itemsOf(EventDefinitionSchema)),
    /**
     * Events for one profile in one section, in one request; version ids from events.list (currentVersionId).
     * The body must fit APSIS's limit: split with batchEvents (event-batches.ts), or it is ApsisPayloadTooLargeError.
     */
    add: async ({ keyspace, profileKey, section, items }: ApsisProfileRef & { section: string; items: ApsisEventInput[] }): Promise<void> => {
      const path = `${profilePath({ keyspace, profileKey })}${apsisPath`/sections/${section}/events`}`;
      await this.#send({ method: "POST", path, json: eventsBody(items), profileKey });
    },
  };

  readonly profiles = {
    /** Creates the profile in the keyspace (setting the keyspace's mapped attribute in the section); 409 → "exists". */
    create: async ({ keyspace, section, profileKey }: ApsisProfileRef & { section: string }): Promise<"created" | "exists"> => {
      const path = apsisPath`/audience/keyspaces/${keyspace}/sections/${section}/profiles`;
      const { status } = await this.#send({ method: "POST", path, json: { profile_key: profileKey }, profileKey, answers: [409] });
      return status === 409 ? "exists" : "created";
    },
    /** v2, keyed by attribute discriminator: a missing profile is ApsisNotFoundError. Changing a key-mapped attribute (email) re-keys the profile. */
    setAttributes: async ({ keyspace, profileKey, section, attributes }: ApsisProfileRef & { section: string; attributes: Record<string, ApsisAttributeValue> }) => {
      await this.#mergePatch(`/v2${profilePath({ keyspace, profileKey })}${apsisPath`/sections/${section}/attributes`}`, profileKey, attributes);
    },
    /** v1, keyed by attribute version id: creates the profile when it is missing. */
    setAttributesV1: async ({ keyspace, profileKey, section, byVersionId }: ApsisProfileRef & { section: string; byVersionId: Record<string, ApsisAttributeValue> }) => {
      await this.#mergePatch(`${profilePath({ keyspace, profileKey })}${apsisPath`/sections/${section}/attributes`}`, profileKey, byVersionId);
    },
    /**
     * PUT /audience/profiles/merges (docs/apis/apsis-one-api.md §5.6): both keys then point to one physical
     * profile; a missing one is created along the way [SEEN]. Repeating a merge that succeeded is harmless
     * [INFERRED], so it is retried like any idempotent write. 409 (keys that cannot share a profile) is
     * ApsisConflictError, 410 (a locked profile) an ApsisApiError.
     */
    merge: async (profiles: readonly [ApsisProfileRef, ApsisProfileRef]): Promise<void> => {
      const json = { profiles: profiles.map(({ keyspace, profileKey }) => ({ keyspace_discriminator: keyspace, profile_key: profileKey })) };
      await this.#send({ method: "PUT", path: "/audience/profiles/merges", json, profileKey: profiles[0].profileKey });
    },
    /** Permanently deletes the profile with its consents and events, in every section (GDPR). */
    delete: async (profile: ApsisProfileRef): Promise<"deleted" | "absent"> => {
      const { status } = await this.#send({ method: "DELETE", path: profilePath(profile), profileKey: profile.profileKey, answers: [404] });
      return status === 404 ? "absent" : "deleted";
    },
  };

  /** Consent 2.0: consent belongs to profile × topic × channel. */
  readonly consents = {
    /**
     * "unchanged" when APSIS answers 409: the profile already has this type for the topic and channel, or
     * (per the docs) the transition is not supported, e.g. from a double-opt-in state APSIS manages itself.
     */
    write: async ({
      keyspace,
      profileKey,
      section,
      channel,
      topic,
      type,
      reason,
      source,
    }: ApsisProfileRef & { section: string; channel: ApsisChannel; topic: string; type: "opt-in" | "opt-out"; reason: string; source: string }): Promise<
      "created" | "updated" | "unchanged"
    > => {
      const json = { channel_discriminator: channel, topic_discriminator: topic, type, reason, source };
      const { status } = await this.#send({ method: "POST", path: consentsPath({ keyspace, profileKey, section }), json, profileKey, answers: [409] });
      // 200 is the older docs' "no change needed".
      return status === 201 ? "created" : status === 204 ? "updated" : "unchanged";
    },
    list: async ({ keyspace, profileKey, section, types = [] }: ApsisProfileRef & { section: string; types?: ApsisConsentType[] }): Promise<ApsisConsent[]> => {
      const query = new URLSearchParams(types.map((type) => ["consent_types", type])).toString();
      return this.#get(`${consentsPath({ keyspace, profileKey, section })}${query ? `?${query}` : ""}`, itemsOf(ConsentSchema), profileKey);
    },
  };

  /** Bulk import: create → upload the CSV to the returned URL → poll get() until completed or error. */
  readonly imports = {
    /** Never retried: a second request would start a second import. */
    create: async ({ section, body }: { section: string; body: ApsisImportBody }): Promise<ApsisImportCreated> => {
      const path = apsisPath`/v2/audience/sections/${section}/imports`;
      return parseAnswer(ImportCreatedSchema, await this.#send({ method: "POST", path, json: body, retry: false }), "POST", path);
    },
    /** The pre-signed multipart POST (S3 style): every field APSIS gave, then the file; no bearer token. */
    upload: ({ url, fields, csv }: { url: string; fields: Record<string, string>; csv: string }): Promise<void> => {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append("file", new Blob([csv], { type: "text/csv" }), "profiles.csv");
      return this.#upload(url, form);
    },
    /** The path Magento polls for v2 imports too. */
    get: ({ section, importId }: { section: string; importId: string }): Promise<ApsisImportStatus> =>
      this.#get(apsisPath`/audience/sections/${section}/imports/${importId}`, ImportStatusSchema),
  };

  async #get<Schema extends z.ZodType>(path: string, schema: Schema, profileKey?: string): Promise<z.output<Schema>> {
    return parseAnswer(schema, await this.#send({ method: "GET", path, profileKey }), "GET", path);
  }

  async #mergePatch(path: string, profileKey: string, json: Record<string, ApsisAttributeValue>): Promise<void> {
    await this.#send({ method: "PATCH", path, json, mergePatch: true, profileKey });
  }
}

/**
 * The file holds customers' data: it goes only to S3 over HTTPS, as APSIS's pre-signed URLs point
 * (docs/apis/apsis-one-api.md §8: s3.<region>.amazonaws.com), or to the API's own origin (the sandbox). Any
 * other URL in APSIS's answer is refused before a byte is sent.
 */
function uploadPathOf(url: string, base: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ApsisMalformedResponseError(`APSIS One answered an upload URL that is not a URL`, { method: "POST", path: "(upload)", status: undefined });
  }
  const s3 = parsed.protocol === "https:" && /^([a-z0-9.-]+\.)?s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.test(parsed.hostname);
  if (!s3 && parsed.origin !== new URL(base).origin) {
    throw new ApsisMalformedResponseError(`APSIS One answered an upload URL on ${parsed.origin}, which is not Amazon S3: the file was not sent`, { method: "POST", path: parsed.pathname, status: undefined });
  }
  return parsed.pathname;
}

const profilePath = ({ keyspace, profileKey }: ApsisProfileRef) => apsisPath`/audience/keyspaces/${keyspace}/profiles/${profileKey}`;
const consentsPath = ({ section, ...profile }: ApsisProfileRef & { section: string }) => `/v2${profilePath(profile)}${apsisPath`/sections/${section}/consents`}`;
