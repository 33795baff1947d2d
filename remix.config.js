/** Remix 2, classic compiler (see docs/decisions/001-remix-classic-compiler-and-polaris-react.md). */
/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.*"],
  serverModuleFormat: "esm",
  serverPlatform: "node",
  // Prisma's generated clients and the native SQLite driver must stay outside the bundle.
  serverDependenciesToBundle: [/^@shopify\/polaris/],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    // Off: every route is in the client manifest from the start. With lazy discovery, a fetcher loading a route
    // not yet discovered (the Data Sync preview) while an action's revalidation ran threw "404 Not Found" into
    // the page's error boundary (seen in the browser tests after "Create list"). Decision 030.
    v3_lazyRouteDiscovery: false,
    v3_singleFetch: false,
  },
};
