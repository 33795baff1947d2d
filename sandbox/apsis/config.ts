/**
 * What a sandbox account is configured with: its API key, keyspaces, and per section the attribute, topic
 * and event definitions the definitions endpoints serve and the writes are checked against.
 */
import { z } from "zod";
import { CONSENT_CHANNELS, VersionIdSchema } from "../../app/destinations/apsis/client/schemas";
import { CONSENT_BINDINGS } from "./consent-store";

/** The attribute data types of APSIS's data model (help.apsis.one 6105174); the API's own names are INFERRED. */
export const ATTRIBUTE_TYPES = ["text", "boolean", "date", "number", "decimal", "timestamp"] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

const Discriminator = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, "a discriminator: letters, digits, . _ -");

const SectionConfigSchema = z.object({
  discriminator: Discriminator,
  name: z.string().min(1),
  attributes: z.array(z.object({ discriminator: Discriminator, name: z.string().min(1), type: z.enum(ATTRIBUTE_TYPES), versionId: VersionIdSchema })),
  topics: z
    .array(
      z.object({
        discriminator: Discriminator,
        name: z.string().min(1),
        folderDiscriminator: Discriminator,
        /** A channel-specific topic takes consent on this channel only; without it, on any channel. */
        channel: z.enum(CONSENT_CHANNELS).optional(),
      }),
    )
    .default([]),
  events: z.array(z.object({ discriminator: Discriminator, name: z.string().min(1), versionId: VersionIdSchema })).default([]),
});

export const AccountConfigSchema = z
  .object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    keyspaces: z.array(z.object({ discriminator: Discriminator, name: z.string().min(1) })).min(1),
    sections: z.array(SectionConfigSchema).min(1),
    /** Consent bound to the profile (Consent 2.0, the default) or to the channel's address (consent-store.ts). */
    consentBinding: z.enum(CONSENT_BINDINGS).default("profile"),
  })
  .refine((account) => {
    const ids = account.sections.flatMap((section) => [...section.attributes, ...section.events].map((definition) => definition.versionId));
    return new Set(ids).size === ids.length;
  }, "every attribute and event version id is unique in the account");

export type ApsisSandboxAccountConfig = z.input<typeof AccountConfigSchema>;
export type AccountConfig = z.output<typeof AccountConfigSchema>;
export type SectionConfig = AccountConfig["sections"][number];
export type AttributeConfig = SectionConfig["attributes"][number];
export type TopicConfig = SectionConfig["topics"][number];
export type EventConfig = SectionConfig["events"][number];
