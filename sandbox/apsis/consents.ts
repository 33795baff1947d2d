/**
 * Consent 2.0's endpoints (docs/apis/apsis-one-api.md §6.2): by profile and section, kept per the account's
 * consent binding (consent-store.ts: the profile's, by default, or its current address's). POST answers 201 (created), 204 (type changed) or 409 (same type); pending-opt-in and confirmed-opt-in are
 * set by APSIS's double opt-in, never through the API (400).
 */
import { z } from "zod";
import { CONSENT_CHANNELS, CONSENT_TYPES } from "../../app/destinations/apsis/client/schemas";
import type { SectionDefinitions } from "./account";
import { ApsisProblem, parseBody } from "./problem";
import type { Route } from "./routes";

const PATH = "/v2/audience/keyspaces/{keyspace}/profiles/{profileKey}/sections/{section}/consents";

const ConsentBodySchema = z.object({
  channel_discriminator: z.string(),
  topic_discriminator: z.string(),
  type: z.string(),
  reason: z.string().min(1),
  /** "we'll default to One API if not provided" */
  source: z.string().min(1).default("One API"),
});

export const consentRoutes: Route[] = [
  {
    method: "POST",
    template: PATH,
    body: "json",
    handle: ({ account, params, body }) => {
      account.requireKeyspace(params.keyspace);
      const section = account.section(params.section);
      const request = parseBody(ConsentBodySchema, body);
      const type = settableType(request.type);
      checkTopic(section, request.channel_discriminator, request.topic_discriminator);
      const profile = account.data.get(params.keyspace, params.profileKey);
      const change = account.data.consents.set(profile, params.section, {
        channel: request.channel_discriminator,
        topic: request.topic_discriminator,
        type,
        reason: request.reason,
        source: request.source,
        modifiedAt: new Date().toISOString(),
      });
      if (change === "same") throw new ApsisProblem(409, `The profile already has consent type '${type}' for this topic and channel`);
      return { status: change === "created" ? 201 : 204 };
    },
  },
  {
    method: "GET",
    template: PATH,
    handle: ({ account, params, query }) => {
      account.requireKeyspace(params.keyspace);
      account.section(params.section);
      const types = query.getAll("consent_types");
      const unknown = types.find((type) => !(CONSENT_TYPES as readonly string[]).includes(type));
      if (unknown !== undefined) throw new ApsisProblem(400, `Unknown consent type '${unknown}'`);
      const consents = [...account.data.consents.of(account.data.get(params.keyspace, params.profileKey), params.section).values()];
      const items = consents
        .filter((consent) => types.length === 0 || types.includes(consent.type))
        .map((consent) => ({
          channel_discriminator: consent.channel,
          topic_discriminator: consent.topic,
          type: consent.type,
          reason: consent.reason,
          source: consent.source,
          modified_at: consent.modifiedAt,
        }));
      return { status: 200, body: { items } };
    },
  },
];

/** opt-in or opt-out; the double-opt-in states and anything else are 400. */
export function settableType(type: string): "opt-in" | "opt-out" {
  if (type === "opt-in" || type === "opt-out") return type;
  if ((CONSENT_TYPES as readonly string[]).includes(type)) throw new ApsisProblem(400, `Consent type '${type}' cannot be set through the API`);
  throw new ApsisProblem(400, `Unknown consent type '${type}'`);
}

/** 400 for an unknown channel, a topic the section does not have, or a channel-specific topic on another channel. */
export function checkTopic(section: SectionDefinitions, channel: string, topicDiscriminator: string): void {
  if (!(CONSENT_CHANNELS as readonly string[]).includes(channel)) throw new ApsisProblem(400, `Unknown channel '${channel}'`);
  const topic = section.topics.get(topicDiscriminator);
  if (!topic) throw new ApsisProblem(400, `Unknown topic '${topicDiscriminator}' in section '${section.config.discriminator}'`);
  if (topic.channel && topic.channel !== channel) throw new ApsisProblem(400, `Topic '${topicDiscriminator}' takes consent on ${topic.channel} only`);
}
