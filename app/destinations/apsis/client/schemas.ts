/**
 * What APSIS One's endpoints return, checked at the boundary. Field names are the API's own (snake_case), so
 * a reader can hold them against docs/apis/apsis-one-api.md. Version ids arrive as strings ("the API returns
 * version IDs as strings") but APSIS's PHP clients cast them, so numbers are accepted and turned into strings.
 */
import { z } from "zod";

export const VersionIdSchema = z.union([z.string().regex(/^\d+$/), z.int().nonnegative()]).transform(String);

const VersionsSchema = z.array(z.object({ id: VersionIdSchema, deprecated_at: z.string().nullable().default(null) }));

/** Every definitions endpoint answers {"items": [...]}, unpaginated. */
export const itemsOf = <Item extends z.ZodType>(item: Item) => z.object({ items: z.array(item) }).transform(({ items }) => items);

export const KeyspaceSchema = z.object({ discriminator: z.string(), name: z.string().optional() });
export type ApsisKeyspace = z.output<typeof KeyspaceSchema>;

export const SectionSchema = z.object({ discriminator: z.string(), name: z.string(), id: z.union([z.int(), z.string()]).optional() });
export type ApsisSection = z.output<typeof SectionSchema>;

/** `type` was not seen in any source (INFERRED); it is optional so an answer without it still passes. */
export const AttributeSchema = z.object({ discriminator: z.string(), name: z.string(), type: z.string().optional(), versions: VersionsSchema });
export type ApsisAttribute = z.output<typeof AttributeSchema>;

export const EventDefinitionSchema = z.object({
  discriminator: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  versions: VersionsSchema,
});
export type ApsisEventDefinition = z.output<typeof EventDefinitionSchema>;

/** Consent 2.0 topics (v2 endpoint); folder_discriminator per the docs, consent_list_discriminator on older accounts. */
export const TopicSchema = z.object({
  discriminator: z.string(),
  name: z.string(),
  folder_discriminator: z.string().optional(),
  consent_list_discriminator: z.string().optional(),
});
export type ApsisTopic = z.output<typeof TopicSchema>;

export const CONSENT_CHANNELS = ["com.apsis1.channels.email", "com.apsis1.channels.sms"] as const;
export type ApsisChannel = (typeof CONSENT_CHANNELS)[number];
export const CONSENT_TYPES = ["opt-in", "opt-out", "pending-opt-in", "confirmed-opt-in"] as const;
export type ApsisConsentType = (typeof CONSENT_TYPES)[number];

/** Clients read topic_discriminator; source, reason and modified_at "will always be returned" (docs); channel and type INFERRED. */
export const ConsentSchema = z.object({
  channel_discriminator: z.string(),
  topic_discriminator: z.string(),
  type: z.enum(CONSENT_TYPES),
  reason: z.string().optional(),
  source: z.string().optional(),
  modified_at: z.string().optional(),
});
export type ApsisConsent = z.output<typeof ConsentSchema>;

/**
 * The v2 import request (module-one Config.php `getJsonMappingData`): how CSV columns (`field_selector` = a
 * header) map to the profile key, attribute versions and consents. Used to type the client's input and by the
 * sandbox to check what it is sent.
 */
export const ImportBodySchema = z.object({
  keyspace_mapping: z.object({ keyspace_discriminator: z.string().min(1), field_selector: z.string().min(1) }),
  options: z.object({ update_existing_profiles: z.boolean().optional(), clear_existing_attributes: z.boolean().optional() }).optional(),
  attribute_mappings: z.array(z.object({ field_selector: z.string().min(1), attribute_version_id: VersionIdSchema })),
  consent_mappings: z
    .array(
      z.object({
        address_field_selector: z.string().min(1),
        consents: z.array(
          z.object({
            field_selector: z.string().min(1),
            channel_discriminator: z.string(),
            topic_discriminator: z.string(),
            type: z.enum(CONSENT_TYPES),
            resubscribe_if_opted_out: z.boolean().optional(),
          }),
        ),
      }),
    )
    .optional(),
});
export type ApsisImportBody = z.input<typeof ImportBodySchema>;

export const ImportCreatedSchema = z.object({
  import_id: z.union([z.string(), z.int()]).transform(String),
  file_upload_url: z.url(),
  file_upload_url_expires_at: z.string(),
  file_upload_body: z.record(z.string(), z.string()),
});
export type ApsisImportCreated = z.output<typeof ImportCreatedSchema>;

export const IMPORT_STATUSES = ["waiting_for_file", "queued", "in_progress", "completed", "error"] as const;

/** Only `result.status` was seen; whatever else the report holds is passed through unchecked. */
export const ImportStatusSchema = z.object({ result: z.looseObject({ status: z.enum(IMPORT_STATUSES) }) });
export type ApsisImportStatus = z.output<typeof ImportStatusSchema>;

export const TokenSchema = z.object({
  access_token: z.string().min(1),
  /** Deprecated by APSIS in favour of the JWT's exp; the fallback when exp cannot be read. */
  expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
});

