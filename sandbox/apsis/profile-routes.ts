/**
 * Profiles (docs/apis/apsis-one-api.md §5, §7): create, attributes by version id (v1, creates a missing
 * profile) and by discriminator (v2, 404 for a missing profile, re-keys on a key-mapped attribute), delete,
 * and events. Attribute writes are JSON Merge Patch: a key sets, null clears, absent keys stay.
 */
import { z } from "zod";
import { VersionIdSchema } from "../../app/destinations/apsis/client/schemas";
import type { SandboxAccount, SectionDefinitions } from "./account";
import { type AttributeValue, coerceAttributeValue } from "./attribute-values";
import type { AttributeConfig } from "./config";
import { ApsisProblem, parseBody } from "./problem";
import { KEY_ATTRIBUTES, type Profile } from "./profiles";
import type { Route } from "./routes";

const PatchSchema = z.record(z.string(), z.unknown());
const EventsSchema = z.object({
  items: z.array(z.object({ event_time: z.iso.datetime({ offset: true }), version_id: VersionIdSchema, data: z.record(z.string(), z.unknown()) })).min(1),
});

const ProfileRefSchema = z.object({ keyspace_discriminator: z.string().min(1), profile_key: z.string().min(1) });
/** "Merges two profiles" [SEEN]; a stray field (Drupal's time_zone) is ignored [INFERRED]. */
const MergeSchema = z.object({ profiles: z.array(ProfileRefSchema).length(2) });

const ATTRIBUTES_PATH = "/audience/keyspaces/{keyspace}/profiles/{profileKey}/sections/{section}/attributes";

export const profileRoutes: Route[] = [
  {
    method: "POST",
    template: "/audience/keyspaces/{keyspace}/sections/{section}/profiles",
    body: "json",
    handle: ({ account, params, body }) => {
      const { profile_key: profileKey } = parseBody(z.object({ profile_key: z.string().min(1) }), body);
      account.requireKeyspace(params.keyspace);
      const section = account.section(params.section);
      if (account.data.find(params.keyspace, profileKey)) throw new ApsisProblem(409, `Profile '${profileKey}' already exists in keyspace '${params.keyspace}'`);
      const profile = account.data.create(params.keyspace, profileKey);
      // "In the section … the value is set for the attribute mapped to the keyspace."
      const mapped = section.attributes.get(KEY_ATTRIBUTES[params.keyspace]);
      if (mapped) profile.section(params.section).attributes.set(mapped.discriminator, profileKey);
      return { status: 201 };
    },
  },
  {
    method: "PATCH",
    template: ATTRIBUTES_PATH,
    body: "merge-patch",
    handle: ({ account, params, body }) => {
      account.requireKeyspace(params.keyspace);
      const writes = resolveWrites(account.section(params.section), parseBody(PatchSchema, body), "version id");
      const profile = account.data.find(params.keyspace, params.profileKey) ?? account.data.create(params.keyspace, params.profileKey);
      applyWrites(account, profile, params.section, writes, { rekey: false });
      return { status: 204 };
    },
  },
  {
    method: "PATCH",
    template: `/v2${ATTRIBUTES_PATH}`,
    body: "merge-patch",
    handle: ({ account, params, body }) => {
      account.requireKeyspace(params.keyspace);
      const writes = resolveWrites(account.section(params.section), parseBody(PatchSchema, body), "discriminator");
      applyWrites(account, account.data.get(params.keyspace, params.profileKey), params.section, writes, { rekey: true });
      return { status: 204 };
    },
  },
  {
    method: "PUT",
    template: "/audience/profiles/merges",
    body: "json",
    handle: ({ account, body }) => {
      const [first, second] = parseBody(MergeSchema, body).profiles.map((p) => ({ keyspace: p.keyspace_discriminator, profileKey: p.profile_key }));
      account.requireKeyspace(first.keyspace);
      account.requireKeyspace(second.keyspace);
      account.data.merge(first, second);
      // Success has an empty body [SEEN]; Drupal expects 204 [SEEN].
      return { status: 204 };
    },
  },
  {
    method: "DELETE",
    template: "/audience/keyspaces/{keyspace}/profiles/{profileKey}",
    handle: ({ account, params }) => {
      account.requireKeyspace(params.keyspace);
      account.data.delete(account.data.get(params.keyspace, params.profileKey));
      return { status: 204 };
    },
  },
  {
    method: "POST",
    template: "/audience/keyspaces/{keyspace}/profiles/{profileKey}/sections/{section}/events",
    body: "json",
    handle: ({ account, params, body }) => {
      account.requireKeyspace(params.keyspace);
      const section = account.section(params.section);
      const { items } = parseBody(EventsSchema, body);
      const events = items.map(({ event_time, version_id, data }) => {
        const definition = section.eventsByVersionId.get(version_id);
        if (!definition) throw new ApsisProblem(400, `Unknown event version id '${version_id}' in section '${params.section}'`);
        return { discriminator: definition.discriminator, versionId: version_id, eventTime: event_time, data };
      });
      account.data.get(params.keyspace, params.profileKey).section(params.section).events.push(...events);
      return { status: 204 };
    },
  },
];

interface AttributeWrite {
  attribute: AttributeConfig;
  /** null clears */
  value: AttributeValue | null;
}

/** Every key of the patch as a known attribute with a value of its type, or 400 for the first that is not. */
function resolveWrites(section: SectionDefinitions, patch: Record<string, unknown>, keyedBy: "version id" | "discriminator"): AttributeWrite[] {
  return Object.entries(patch).map(([key, raw]) => {
    const attribute = keyedBy === "discriminator" ? section.attributes.get(key) : section.attributesByVersionId.get(key);
    if (!attribute) throw new ApsisProblem(400, `Unknown attribute ${keyedBy} '${key}' in section '${section.config.discriminator}'`);
    if (raw === null) return { attribute, value: null };
    const coerced = coerceAttributeValue(attribute.type, raw);
    if ("error" in coerced) throw new ApsisProblem(400, `Attribute '${attribute.discriminator}' (${attribute.type}): ${coerced.error}`);
    return { attribute, value: coerced.value };
  });
}

/**
 * Applies all writes or none. With `rekey` (v2), a new value for a key-mapped attribute (email, mobile, crm id)
 * moves the profile's key in that keyspace, if it has one there: 409 when another profile holds the value
 * (INFERRED: the docs' sentence is cut off), 400 when clearing it.
 */
function applyWrites(account: SandboxAccount, profile: Profile, section: string, writes: AttributeWrite[], { rekey }: { rekey: boolean }): void {
  const rekeys = !rekey
    ? []
    : writes.flatMap(({ attribute, value }) => {
        const keyspace = Object.keys(KEY_ATTRIBUTES).find((candidate) => KEY_ATTRIBUTES[candidate] === attribute.discriminator);
        if (keyspace === undefined || !profile.keys.has(keyspace)) return [];
        if (value === null) throw new ApsisProblem(400, `'${attribute.discriminator}' is the profile's key in '${keyspace}' and cannot be cleared`);
        const holder = account.data.find(keyspace, String(value));
        if (holder && holder !== profile) throw new ApsisProblem(409, `'${value}' is already the key of another profile in '${keyspace}'`);
        return [{ keyspace, profileKey: String(value) }];
      });
  for (const { keyspace, profileKey } of rekeys) account.data.setKey(profile, keyspace, profileKey);
  const { attributes } = profile.section(section);
  for (const { attribute, value } of writes) {
    if (value === null) attributes.delete(attribute.discriminator);
    else attributes.set(attribute.discriminator, value);
  }
}
