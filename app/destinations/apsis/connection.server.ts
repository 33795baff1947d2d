import { createHash } from "node:crypto";
import { z } from "zod";
import { fieldErrorsOf } from "../../utils/form-values";
import type { Result } from "../../utils/user-facing-error";
import { parseEnv } from "../../env.server";
import type { ApsisKeyspace } from "./client/client";
import { ApsisAuthError } from "./client/errors";
import {
  deleteApsisConnection,
  getApsisConnectionSummary,
  saveApsisConnection,
  setApsisKeyspace,
} from "../../models/apsis-connection.server";
import { findActiveSyncRun, finishSyncRun } from "../../models/sync-run.server";
import { getRedis, redisKey } from "../../redis.server";
import type { ShopContext } from "../../models/shop.server";
import { normalizeAttributeType } from "./rules/attribute-values";
import { type AttributeValueType } from "./rules/shopify-fields";
import { isUsableKeyspace, pickIntegrationKeyspace } from "./rules/keyspace";
import { encryptSecret } from "../../utils/crypto.server";
import { BOUNDS, boundedText, clipText } from "../../utils/input-bounds";
import { ApsisNotConnectedError, createApsisClientToVerify, describeApsisError, INTERACTIVE, openApsisConnection } from "./account.server";

/**
 * APSIS One page → Connection: connect an account (a token is requested from APSIS — the secret proven, never
 * taken on trust from a cached token — before anything is saved), choose the keyspace, read the account's
 * definitions, disconnect. Every function takes the invited shop's context (resolveShopContext).
 *
 * Keyspace: the integration keyspace ending in ".shopify" when the account has one (chosen on connect),
 * otherwise the merchant picks one (chooseApsisKeyspace) before the first Full Sync; see sync/apsis/keyspace.ts.
 */

type ConnectField = "region" | "clientId" | "clientSecret" | "keyspace";

const KeyspaceInputSchema = boundedText({ what: "a keyspace id", max: BOUNDS.discriminator, missing: "choose a keyspace" });

export const ConnectApsisSchema = z.object({
  region: z.enum(["eu", "apac"], { error: "choose the region of the APSIS One account (EU or APAC)" }),
  clientId: boundedText({ what: "the client id", max: BOUNDS.clientId, missing: "enter the API client id" }),
  clientSecret: boundedText({ what: "the client secret", max: BOUNDS.secret, missing: "enter the API client secret" }),
  keyspace: KeyspaceInputSchema.optional(),
});

export const WRONG_CREDENTIALS = "APSIS One rejected this client id and secret. Check them in APSIS One (Account settings → API keys) and the region.";

/**
 * Refused credential checks per client id and region, across all shops, in a minute. APSIS allows its token
 * endpoint 10 requests a minute per account, counted before the secret is checked: without this bound anyone
 * could type another shop's (not secret) client id with guessed secrets and, through the app, spend that
 * account's token budget, holding back its owner's token refreshes. With it the app spends at most this many.
 */
export const MAX_FAILED_CHECKS_PER_MINUTE = 3;
export const TOO_MANY_FAILED_CHECKS = "APSIS One refused this client id several times in the last minute. Wait a minute, check the client id and secret, and try again.";

function failedChecksKey(region: string, clientId: string) {
  return redisKey("apsis-failed-checks", createHash("sha256").update(`${region}:${clientId}`).digest("hex").slice(0, 32));
}

async function countFailedCheck(key: string) {
  const [[, count]] = (await getRedis().multi().incr(key).pexpire(key, 60_000, "NX").exec()) as [[null, number], unknown];
  return count;
}

export async function connectApsis({ shop, ...input }: {
  shop: ShopContext;
  region: unknown;
  clientId: unknown;
  clientSecret: unknown;
  /** Optional: the keyspace to use (else the account's Shopify integration keyspace, if any). */
  keyspace?: unknown;
}): Promise<Result<ConnectField, { keyspace: string | null; keyspaceNeeded: boolean }>> {
  const parsed = ConnectApsisSchema.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrorsOf(parsed.error, ["region", "clientId", "clientSecret", "keyspace"] as const) };
  const { region, clientId, clientSecret } = parsed.data;

  const failedChecks = failedChecksKey(region, clientId);
  if (Number(await getRedis().get(failedChecks)) >= MAX_FAILED_CHECKS_PER_MINUTE) return { ok: false, formError: TOO_MANY_FAILED_CHECKS };
  let keyspaces: ApsisKeyspace[];
  try {
    // The first call makes a token request (never a cached token): wrong credentials fail here, before anything is saved.
    keyspaces = await createApsisClientToVerify({ region, clientId, clientSecret }, INTERACTIVE).keyspaces.list();
  } catch (error) {
    if (error instanceof ApsisAuthError) {
      await countFailedCheck(failedChecks);
      return { ok: false, formError: WRONG_CREDENTIALS };
    }
    return { ok: false, formError: `The connection could not be checked, so nothing was saved. ${describeApsisError(error)}` };
  }
  let keyspace: string | null | undefined;
  if (parsed.data.keyspace) {
    const problem = keyspaceProblem(parsed.data.keyspace, keyspaces);
    if (problem) return { ok: false, fieldErrors: { keyspace: problem } };
    keyspace = parsed.data.keyspace;
  } else {
    // undefined keeps a keyspace chosen earlier with the same key.
    keyspace = pickIntegrationKeyspace(keyspaces) ?? undefined;
  }
  const saved = await saveApsisConnection({
    shopId: shop.id,
    region,
    clientId,
    clientSecretEncrypted: encryptSecret(clientSecret, parseEnv().CREDENTIALS_ENCRYPTION_KEY),
    keyspace,
  });
  // A kept keyspace may have been removed from the account since.
  const kept = saved.keyspace && keyspaces.some((k) => k.discriminator === saved.keyspace) ? saved.keyspace : null;
  return { ok: true, keyspace: kept, keyspaceNeeded: kept === null };
}

function keyspaceProblem(keyspace: string, keyspaces: readonly { discriminator: string }[]) {
  if (!keyspaces.some((k) => k.discriminator === keyspace)) return "The APSIS One account has no such keyspace";
  if (!isUsableKeyspace(keyspace)) return "This keyspace holds email addresses, phone numbers or cookies, not customer ids: choose another";
  return null;
}

/** Chooses the keyspace profiles are created in (profile key = the Shopify customer id). */
export async function chooseApsisKeyspace({ shop, keyspace }: { shop: ShopContext; keyspace: unknown }): Promise<Result<"keyspace">> {
  const parsed = KeyspaceInputSchema.safeParse(keyspace);
  if (!parsed.success) return { ok: false, fieldErrors: { keyspace: parsed.error.issues[0].message } };
  const opened = await openApsisConnection({ shopId: shop.id }, INTERACTIVE);
  if (!opened) return { ok: false, formError: "Connect APSIS One first." };
  let keyspaces: ApsisKeyspace[];
  try {
    keyspaces = await opened.client.keyspaces.list();
  } catch (error) {
    return { ok: false, formError: describeApsisError(error) };
  }
  const problem = keyspaceProblem(parsed.data, keyspaces);
  if (problem) return { ok: false, fieldErrors: { keyspace: problem } };
  const active = await findActiveSyncRun({ shopId: shop.id, destination: "apsis", kind: "full_sync" });
  if (active && opened.connection.keyspaceDiscriminator !== parsed.data) {
    return { ok: false, formError: "A Full Sync is running: wait for it to finish before changing the keyspace." };
  }
  await setApsisKeyspace({ shopId: shop.id, keyspace: parsed.data });
  return { ok: true };
}

export type ApsisConnectionView =
  | { connected: false }
  | {
      connected: true;
      region: "eu" | "apac";
      clientId: string;
      /** null until chosen (the account has no Shopify integration keyspace). */
      keyspace: string | null;
      lastFullSyncAt: Date | null;
      realtimeEnabled: boolean;
      verifiedAt: Date;
    };

export async function getApsisConnection({ shop }: { shop: ShopContext }): Promise<ApsisConnectionView> {
  const row = await getApsisConnectionSummary({ shopId: shop.id });
  if (!row) return { connected: false };
  return {
    connected: true,
    region: row.region === "apac" ? "apac" : "eu",
    clientId: row.clientId,
    keyspace: row.keyspaceDiscriminator,
    lastFullSyncAt: row.lastFullSyncAt,
    realtimeEnabled: row.realtimeEnabled,
    verifiedAt: row.verifiedAt,
  };
}

export type ApsisAccountDefinitions = {
  keyspaces: { discriminator: string; name: string; usable: boolean }[];
  sections: {
    discriminator: string;
    name: string;
    /** `type` normalised (attribute-values.ts normalizeAttributeType); null when APSIS gives none (any field may go there). */
    attributes: { discriminator: string; name: string; type: AttributeValueType | null }[];
    /** `channel` is null: APSIS's topic listing does not say which channels a topic is for. */
    topics: { discriminator: string; name: string; channel: "email" | "sms" | null }[];
    /** Event definitions (purchase events are posted as one of them); `name` falls back to the discriminator. */
    events: { discriminator: string; name: string }[];
  }[];
};

/**
 * The connected account's keyspaces and Sections, each Section with its attributes, consent topics and event
 * definitions, read live from APSIS (1 + 1 + 3 × sections requests). Throws ApsisNotConnectedError, or the
 * client's typed APSIS error (describeApsisError words it).
 */
export async function getApsisAccountDefinitions({ shop }: { shop: ShopContext }): Promise<ApsisAccountDefinitions> {
  const opened = await openApsisConnection({ shopId: shop.id }, INTERACTIVE);
  if (!opened) throw new ApsisNotConnectedError(shop.domain);
  const { client } = opened;
  const [keyspaces, sections] = await Promise.all([client.keyspaces.list(), client.sections.list()]);
  const detailed = await Promise.all(
    sections.filter(hasBoundedId).map(async (section) => {
      const [attributes, topics, events] = await Promise.all([
        client.attributes.list({ section: section.discriminator }),
        client.topics.list({ section: section.discriminator }),
        client.events.list({ section: section.discriminator }),
      ]);
      return {
        discriminator: section.discriminator,
        // Names are APSIS's, shown on the page: clipped (utils/input-bounds.ts).
        name: clipText(section.name),
        attributes: attributes.filter(hasBoundedId).map((a) => ({ discriminator: a.discriminator, name: clipText(a.name), type: normalizeAttributeType(a.type) })),
        topics: topics.filter(hasBoundedId).map((t) => ({ discriminator: t.discriminator, name: clipText(t.name), channel: topicChannel(t) })),
        events: events.filter(hasBoundedId).map((e) => ({ discriminator: e.discriminator, name: clipText(e.name ?? e.discriminator) })),
      };
    }),
  );
  return {
    keyspaces: keyspaces.filter(hasBoundedId).map((k) => ({ discriminator: k.discriminator, name: clipText(k.name ?? k.discriminator), usable: isUsableKeyspace(k.discriminator) })),
    sections: detailed,
  };
}

/** An id longer than any form accepts (BOUNDS.discriminator) could never be chosen: it is left out, not shown. */
const hasBoundedId = (definition: { discriminator: string }) => definition.discriminator.length <= BOUNDS.discriminator;

/** A topic's channel when APSIS says it (a channel-specific topic); null otherwise. */
function topicChannel(topic: object): "email" | "sms" | null {
  const value = (topic as { channel?: unknown; channel_discriminator?: unknown }).channel ?? (topic as { channel_discriminator?: unknown }).channel_discriminator;
  if (value === "email" || value === "com.apsis1.channels.email") return "email";
  if (value === "sms" || value === "com.apsis1.channels.sms") return "sms";
  return null;
}

/**
 * Removes the connection with its mappings, sync conditions and what was recorded as synced (another account
 * may come next). A Full Sync still running is cancelled: its job stops at its next progress save.
 */
export async function disconnectApsis({ shop }: { shop: ShopContext }): Promise<{ ok: true }> {
  const active = await findActiveSyncRun({ shopId: shop.id, destination: "apsis", kind: "full_sync" });
  if (active) {
    await finishSyncRun({ run: { runId: active.id }, status: "cancelled", errorCode: "disconnected", errorMessage: "APSIS One was disconnected while this Full Sync ran." });
  }
  await deleteApsisConnection({ shopId: shop.id });
  return { ok: true };
}
