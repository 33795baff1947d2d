/**
 * Database tooling for the two dialects generated from prisma/schema.prisma.
 *   tsx scripts/db.ts generate          write prisma/postgresql/schema.prisma, generate both clients
 *   tsx scripts/db.ts migrate           apply migrations to DATABASE_URL (SQLite file or PostgreSQL)
 * Adding a migration: docs/decisions/003-sqlite-and-postgresql.md ("Changing the schema").
 * Idempotent: generate and migrate do nothing when already done.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pg from "pg";
import Database from "better-sqlite3";

const SQLITE_SCHEMA = "prisma/schema.prisma";
const PG_SCHEMA = "prisma/postgresql/schema.prisma";
const PG_MIGRATIONS = "prisma/postgresql/migrations";
const DEFAULT_URL = "file:./prisma/data/dev.sqlite";
const prismaBin = "node_modules/.bin/prisma";

function postgresSchemaText() {
  const source = readFileSync(SQLITE_SCHEMA, "utf8");
  const out = source
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('url      = "file:./data/dev.sqlite"', 'url      = "postgresql://localhost/placeholder"')
    .replace('output     = "./generated/sqlite"', 'output     = "../generated/postgresql"');
  if (out === source || !out.includes('"postgresql"') || !out.includes("generated/postgresql")) {
    throw new Error(`${SQLITE_SCHEMA}: the generator or datasource block changed; update scripts/db.ts`);
  }
  return `// GENERATED from prisma/schema.prisma by scripts/db.ts. Do not edit.\n${out}`;
}

function prisma(args: string[], url: string, opts: { capture?: boolean; quiet?: boolean } = {}) {
  return execFileSync(prismaBin, args, {
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    stdio: opts.capture ? ["ignore", "pipe", opts.quiet ? "pipe" : "inherit"] : "inherit",
    encoding: "utf8",
  });
}

function generate() {
  const pgText = postgresSchemaText();
  mkdirSync(dirname(PG_SCHEMA), { recursive: true });
  if (!existsSync(PG_SCHEMA) || readFileSync(PG_SCHEMA, "utf8") !== pgText) writeFileSync(PG_SCHEMA, pgText);
  const stamp = createHash("sha256").update(readFileSync(SQLITE_SCHEMA)).digest("hex");
  const stampFile = "prisma/generated/.schema-hash";
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return;
  prisma(["generate", "--schema", SQLITE_SCHEMA], DEFAULT_URL);
  prisma(["generate", "--schema", PG_SCHEMA], "postgresql://localhost/placeholder");
  writeFileSync(stampFile, stamp);
}

function isPostgres(url: string) {
  return /^postgres(ql)?:\/\//.test(url);
}

async function migrate(url: string) {
  if (isPostgres(url)) return migratePostgres(url);
  const file = url.replace(/^file:/, "").replace(/\?.*$/, "");
  mkdirSync(dirname(file), { recursive: true });
  // WAL lets the web and worker processes read while the other writes; the setting persists in the file.
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.close();
  // Prisma's own report names the schema's placeholder file, not the one migrated: say it here instead.
  try {
    const out = prisma(["migrate", "deploy"], url, { capture: true, quiet: true });
    console.log(`db: ${file}: ${/No pending migrations/.test(out) ? "up to date" : "migrations applied"}`);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    console.error(`db: migrating ${file} failed:\n${stdout ?? ""}${stderr ?? ""}`);
    process.exit(1);
  }
}

/**
 * PostgreSQL: `prisma migrate deploy` through the pg driver adapter fails in Prisma 6.19 ("Column type
 * 'name' could not be deserialized"), so the same committed migrations are applied here, each in a
 * transaction, and recorded in Prisma's own _prisma_migrations table (same columns and checksum), so
 * Prisma's tooling still reads the state correctly. docs/decisions/003-sqlite-and-postgresql.md.
 */
async function migratePostgres(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    // One migrator at a time (two processes starting together must not both apply a migration).
    await client.query("SELECT pg_advisory_lock(72707369)");
    const applied = new Map(
      (await client.query(`SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`)).rows
        .map((r) => [r.migration_name as string, r.checksum as string]),
    );
    const names = readdirSync(PG_MIGRATIONS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    for (const name of names) {
      const sql = readFileSync(join(PG_MIGRATIONS, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      if (applied.has(name)) {
        if (applied.get(name) !== checksum) throw new Error(`migration ${name} was edited after it was applied`);
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), checksum, name],
        );
        await client.query("COMMIT");
        console.log(`applied ${name}`);
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    }
  } finally {
    await client.end();
  }
}

const [command] = process.argv.slice(2);
const url = process.env.DATABASE_URL ?? DEFAULT_URL;
switch (command) {
  case "generate":
    generate();
    break;
  case "migrate":
    generate();
    await migrate(url);
    break;
  default:
    console.error("usage: tsx scripts/db.ts generate|migrate");
    process.exit(2);
}
