import { defineConfig } from "vitest/config";

/**
 * Test tiers (docs/decisions/008-test-tiers.md):
 *  - unit: pure code next to it (app/, sandbox/, scripts/, extensions/); no server, no network
 *  - sandbox: tests/sandbox, each sandbox (Shopify, Adestra, APSIS One) started on a free port and driven
 *    over real HTTP, as its clients do; no database
 *  - integration-sqlite / integration-postgres: tests/integration against real Redis, a real database
 *    (a fresh migrated copy per test file) and the sandboxes over HTTP; the same files run on both databases
 *  - e2e: tests/e2e, the built app in headless Chromium
 */
const integration = (database: "sqlite" | "postgres") => ({
  extends: true as const,
  test: {
    name: `integration-${database}`,
    include: ["tests/integration/**/*.test.ts"],
    env: { TEST_DATABASE: database },
    setupFiles: ["tests/support/setup-integration.ts"],
    globalSetup: ["tests/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

export default defineConfig({
  test: {
    restoreMocks: true,
    setupFiles: ["tests/support/setup-env.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["app/**/*.test.{ts,tsx}", "sandbox/**/*.test.ts", "scripts/**/*.test.ts", "extensions/**/*.test.ts"],
          setupFiles: ["tests/support/setup-unit.ts"],
        },
      },
      {
        extends: true,
        test: { name: "sandbox", include: ["tests/sandbox/**/*.test.ts"] },
      },
      integration("sqlite"),
      integration("postgres"),
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["tests/support/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
