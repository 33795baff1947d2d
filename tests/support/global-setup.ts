import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { ensureAdminSchema } from "../../scripts/fetch-shopify-schema";
import { buildIfStale } from "../../scripts/stack";
import { dropTemplates, prepareTemplates } from "./databases";

/** Once per project run: the Shopify schema file, the production build of the app and a migrated template database. */
export default async function setup(project: TestProject) {
  process.env.VITEST_RUN_ID ??= randomBytes(4).toString("hex");
  ensureAdminSchema();
  buildIfStale();
  const dialect = project.config.env?.TEST_DATABASE === "postgres" ? "postgres" : "sqlite";
  await prepareTemplates([dialect]);
  return async () => {
    await dropTemplates();
  };
}
