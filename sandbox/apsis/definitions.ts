/** The definitions endpoints (docs/apis/apsis-one-api.md §4): all GET, all `{"items": [...]}`, unpaginated. */
import type { Route } from "./routes";

const versions = (versionId: string) => [{ id: versionId, deprecated_at: null }];

export const definitionRoutes: Route[] = [
  {
    method: "GET",
    template: "/audience/keyspaces",
    handle: ({ account }) => ({ status: 200, body: { items: account.config.keyspaces.map(({ discriminator, name }) => ({ discriminator, name })) } }),
  },
  {
    method: "GET",
    template: "/audience/sections",
    handle: ({ account }) => ({
      status: 200,
      body: { items: account.config.sections.map(({ discriminator, name }, index) => ({ id: index + 1, discriminator, name })) },
    }),
  },
  {
    method: "GET",
    template: "/audience/sections/{section}/attributes",
    handle: ({ account, params }) => ({
      status: 200,
      body: {
        items: account.section(params.section).config.attributes.map(({ discriminator, name, type, versionId }) => ({ discriminator, name, type, versions: versions(versionId) })),
      },
    }),
  },
  {
    method: "GET",
    template: "/audience/sections/{section}/events",
    handle: ({ account, params }) => ({
      status: 200,
      body: { items: account.section(params.section).config.events.map(({ discriminator, name, versionId }) => ({ discriminator, name, versions: versions(versionId) })) },
    }),
  },
  {
    method: "GET",
    template: "/v2/audience/sections/{section}/topics",
    handle: ({ account, params }) => ({
      status: 200,
      body: {
        items: account.section(params.section).config.topics.map(({ discriminator, name, folderDiscriminator }) => ({ discriminator, name, folder_discriminator: folderDiscriminator })),
      },
    }),
  },
];
