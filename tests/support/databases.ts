/**
 * Real databases for integration tests: one migrated template per dialect per test run (global setup),
 * and a fresh copy of it per test file (setup-integration.ts), so files never see each other's rows.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import pg from "pg";

export const ARTIFACTS = resolve("tests/.artifacts");
export const POSTGRES_ADMIN_URL = process.env.POSTGRES_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
/** Per test run (global-setup.ts sets VITEST_RUN_ID before the workers start), read when used. */
const postgresTemplate = () => `profile_sync_template_${process.env.VITEST_RUN_ID ?? "local"}`;
const sqliteTemplate = () => join(ARTIFACTS, `template-${process.env.VITEST_RUN_ID ?? "local"}.sqlite`);

export function postgresUrl(database: string) {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

function migrate(url: string) {
  execFileSync("node_modules/.bin/tsx", ["scripts/db.ts", "migrate"], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

async function adminQuery(sql: string) {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function prepareTemplates(dialects: ("sqlite" | "postgres")[]) {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (dialects.includes("sqlite")) {
    rmSync(sqliteTemplate(), { force: true });
    migrate(`file:${sqliteTemplate()}`);
  }
  if (dialects.includes("postgres")) {
    await adminQuery(`DROP DATABASE IF EXISTS ${postgresTemplate()} WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE ${postgresTemplate()}`);
    migrate(postgresUrl(postgresTemplate()));
  }
}

export async function dropTemplates() {
  rmSync(sqliteTemplate(), { force: true });
  await adminQuery(`DROP DATABASE IF EXISTS ${postgresTemplate()} WITH (FORCE)`).catch(() => undefined);
}

/** A fresh database for one test file; returns its URL and a function that drops it. */
export async function createTestDatabase(dialect: "sqlite" | "postgres", name: string) {
  if (dialect === "sqlite") {
    const file = join(ARTIFACTS, `${name}.sqlite`);
    copyFileSync(sqliteTemplate(), file);
    return {
      url: `file:${file}`,
      drop: async () => {
        for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
      },
    };
  }
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${postgresTemplate()}`);
  return {
    url: postgresUrl(name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
