/**
 * One sandbox account at run time: its API key and tokens, definitions, profiles and imports, its limits,
 * failure switch and counters, and the inspection API tests read outcomes from.
 */
import { TOKEN_PATH } from "../../app/destinations/apsis/client/token";
import type { AttributeValue } from "./attribute-values";
import { AccountConfigSchema, type AccountConfig, type ApsisSandboxAccountConfig, type AttributeConfig, type EventConfig, type SectionConfig, type TopicConfig } from "./config";
import { importView, type ApsisSandboxImport, type SandboxImport } from "./import-model";
import { ApsisProblem } from "./problem";
import { type Profile, ProfileStore, type StoredConsent, type StoredEvent } from "./profiles";
import { SlidingWindow } from "./rate-window";

export interface ApsisSandboxLimits {
  accountPerSecond: number;
  profilePerSecond: number;
  tokenPerMinute: number;
  importsPerMinute: number;
}

export interface ApsisSandboxStats {
  /** Every request made for the account: API calls (refused or not), token requests and file uploads. */
  requests: number;
  tokenRequests: number;
  /** Requests answered 429 (any limit). */
  status429: number;
  /** Requests by "METHOD /path/{template}". */
  byEndpoint: Record<string, number>;
}

export interface ApsisSandboxSectionData {
  attributes: Record<string, AttributeValue>;
  consents: StoredConsent[];
  events: StoredEvent[];
}

export interface ApsisSandboxProfile {
  /** The keyspace and key the profile was created with. */
  keyspace: string;
  profileKey: string;
  /** Every key it has, by keyspace. */
  keys: Record<string, string>;
  sections: Record<string, ApsisSandboxSectionData>;
}

export interface ApsisSandboxAccount {
  /** Where the account's consent lives: "profile" (Consent 2.0) or "address" (consent-store.ts). */
  readonly consentBinding: "profile" | "address";
  /** In creation order. */
  profiles(): ApsisSandboxProfile[];
  profile(keyspace: string, profileKey: string): ApsisSandboxProfile | undefined;
  /**
   * The consents that apply to an address in a section now: under the address binding the address's own, under
   * the profile binding those of the profiles that have the address now (none when no profile has it).
   */
  addressConsents(where: { section: string; channel: string; address: string }): StoredConsent[];
  imports(): ApsisSandboxImport[];
  stats(): ApsisSandboxStats;
  /**
   * The next `count` API calls (not token requests or uploads) answer `status` (default 500). With `endpoint`
   * ("METHOD /path/{template}", as in stats().byEndpoint) only calls to it, after letting `after` of them through.
   */
  setFailure(failure: { status?: number; count: number; endpoint?: string; after?: number }): void;
  /**
   * The next `count` imports requested go wrong as a real one can: "error" — the file is taken, the import
   * ends in status `error` with `reason` and writes nothing; "expired-upload" — its upload URL has expired by
   * the time the file comes (S3 answers 403 "Policy expired"). Until used or reset().
   */
  setImportFault(fault: { kind: "error" | "expired-upload"; count: number; reason?: string }): void;
  /** Every token issued so far answers 401 from now on. */
  revokeTokens(): void;
  /** The topic is changed in APSIS One: it takes consent on `channel` only, or on any channel (null). Until reset(). */
  setTopicChannel(where: { section: string; topic: string; channel: TopicConfig["channel"] | null }): void;
  /** Back to the configured definitions: no profiles or imports, counters and limits at zero, no failure. Tokens stay valid. */
  reset(): void;
}

export interface SectionDefinitions {
  config: SectionConfig;
  attributes: Map<string, AttributeConfig>;
  attributesByVersionId: Map<string, AttributeConfig>;
  topics: Map<string, TopicConfig>;
  eventsByVersionId: Map<string, EventConfig>;
}

export class SandboxAccount implements ApsisSandboxAccount {
  readonly config: AccountConfig;
  readonly sections = new Map<string, SectionDefinitions>();
  data!: ProfileStore;
  importRecords!: Map<string, SandboxImport>;
  /** token → exp (epoch ms) */
  readonly #tokens = new Map<string, number>();
  readonly #limits: ApsisSandboxLimits;
  #windows!: { account: SlidingWindow; profile: SlidingWindow; token: SlidingWindow; imports: SlidingWindow };
  #stats!: ApsisSandboxStats;
  #failure?: { status: number; remaining: number; endpoint?: string; passes: number };
  #importFault?: { kind: "error" | "expired-upload"; remaining: number; reason: string };

  constructor(config: ApsisSandboxAccountConfig, limits: ApsisSandboxLimits) {
    this.config = AccountConfigSchema.parse(config);
    this.#limits = limits;
    for (const section of this.config.sections) {
      this.sections.set(section.discriminator, {
        config: section,
        attributes: new Map(section.attributes.map((attribute) => [attribute.discriminator, attribute])),
        attributesByVersionId: new Map(section.attributes.map((attribute) => [attribute.versionId, attribute])),
        topics: new Map(section.topics.map((topic) => [topic.discriminator, topic])),
        eventsByVersionId: new Map(section.events.map((event) => [event.versionId, event])),
      });
    }
    this.reset();
  }

  section(discriminator: string): SectionDefinitions {
    const section = this.sections.get(discriminator);
    if (!section) throw new ApsisProblem(404, `Section '${discriminator}' was not found`);
    return section;
  }

  requireKeyspace(discriminator: string): void {
    if (!this.config.keyspaces.some((keyspace) => keyspace.discriminator === discriminator)) throw new ApsisProblem(404, `Keyspace '${discriminator}' was not found`);
  }

  addToken(token: string, expiresAt: number): void {
    this.#tokens.set(token, expiresAt);
  }

  hasValidToken(token: string): boolean {
    return (this.#tokens.get(token) ?? 0) > Date.now();
  }

  /** Counts a request on the endpoint; token requests are also counted as such. */
  count(endpoint: string): void {
    this.#stats.requests++;
    this.#stats.byEndpoint[endpoint] = (this.#stats.byEndpoint[endpoint] ?? 0) + 1;
    if (endpoint === `POST ${TOKEN_PATH}`) this.#stats.tokenRequests++;
  }

  /** The status this API call (to `endpoint`) must fail with, if setFailure asked for it. */
  takeFailure(endpoint: string): number | undefined {
    const failure = this.#failure;
    if (!failure || failure.remaining <= 0 || (failure.endpoint !== undefined && failure.endpoint !== endpoint)) return undefined;
    if (failure.passes > 0) {
      failure.passes--;
      return undefined;
    }
    failure.remaining--;
    return failure.status;
  }

  /** 0 when the request is within `limit` (and counted against it), else ms until it would be. */
  admit(limit: "account" | "profile" | "token" | "imports", key?: string): number {
    return this.#windows[limit].take(key);
  }

  count429(): void {
    this.#stats.status429++;
  }

  get consentBinding() {
    return this.config.consentBinding;
  }

  profiles(): ApsisSandboxProfile[] {
    return this.data.all().map((profile) => profileView(this.data, profile));
  }

  profile(keyspace: string, profileKey: string): ApsisSandboxProfile | undefined {
    const profile = this.data.find(keyspace, profileKey);
    return profile && profileView(this.data, profile);
  }

  addressConsents({ section, channel, address }: { section: string; channel: string; address: string }): StoredConsent[] {
    return this.data.consents.ofAddress(this.data.all(), section, channel, address).map((consent) => ({ ...consent }));
  }

  imports(): ApsisSandboxImport[] {
    return [...this.importRecords.values()].map(importView);
  }

  stats(): ApsisSandboxStats {
    return { ...this.#stats, byEndpoint: { ...this.#stats.byEndpoint } };
  }

  setFailure({ status = 500, count, endpoint, after = 0 }: { status?: number; count: number; endpoint?: string; after?: number }): void {
    if (status < 500 || status > 599) throw new RangeError("setFailure takes a 5xx status");
    this.#failure = { status, remaining: count, endpoint, passes: after };
  }

  setImportFault({ kind, count, reason = "Internal error while processing the file" }: { kind: "error" | "expired-upload"; count: number; reason?: string }): void {
    this.#importFault = { kind, remaining: count, reason };
  }

  /** The fault the import being requested now gets, if any (setImportFault). */
  takeImportFault(): { kind: "error" | "expired-upload"; reason: string } | undefined {
    const fault = this.#importFault;
    if (!fault || fault.remaining <= 0) return undefined;
    fault.remaining--;
    return { kind: fault.kind, reason: fault.reason };
  }

  revokeTokens(): void {
    this.#tokens.clear();
  }

  setTopicChannel({ section, topic, channel }: { section: string; topic: string; channel: TopicConfig["channel"] | null }): void {
    const topics = this.section(section).topics;
    const current = topics.get(topic);
    if (!current) throw new Error(`The sandbox's Section ${section} has no topic ${topic}`);
    topics.set(topic, { ...current, channel: channel ?? undefined });
  }

  reset(): void {
    // Topics back to their configured channels.
    for (const section of this.config.sections) {
      for (const topic of section.topics) this.section(section.discriminator).topics.set(topic.discriminator, topic);
    }
    // Imports still running keep writing to the store they started on, not to the fresh one.
    this.data = new ProfileStore(this.config.consentBinding);
    this.importRecords = new Map();
    const limits = this.#limits;
    this.#windows = {
      account: new SlidingWindow(limits.accountPerSecond, 1_000),
      profile: new SlidingWindow(limits.profilePerSecond, 1_000),
      token: new SlidingWindow(limits.tokenPerMinute, 60_000),
      imports: new SlidingWindow(limits.importsPerMinute, 60_000),
    };
    this.#stats = { requests: 0, tokenRequests: 0, status429: 0, byEndpoint: {} };
    this.#failure = undefined;
    this.#importFault = undefined;
  }
}

function profileView(store: ProfileStore, profile: Profile): ApsisSandboxProfile {
  const [[keyspace, profileKey]] = profile.keys;
  const sections = Object.fromEntries(
    [...profile.sections].map(([discriminator, data]) => [
      discriminator,
      {
        attributes: Object.fromEntries(data.attributes),
        consents: [...store.consents.of(profile, discriminator).values()].map((consent) => ({ ...consent })),
        events: data.events.map((event) => ({ ...event, data: structuredClone(event.data) })),
      },
    ]),
  );
  return { keyspace, profileKey, keys: Object.fromEntries(profile.keys), sections };
}
