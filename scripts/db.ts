/**
 * Database tooling for the two dialects generated from prisma/schema.prisma.
 *   tsx scripts/db.ts generate          write prisma/postgresql/schema.prisma, generate both clients
 *   tsx scripts/db.ts migrate           apply migrations to DATABASE_URL (SQLite file or PostgreSQL)
 * Adding a migration: docs/decisions/003-sqlite-and-postgresql.md ("Changing the schema").
 * Idempotent: generate and migrate do nothing when already done.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

const SQLITE_SCHEMA = "prisma/schema.prisma";
const PG_SCHEMA = "prisma/postgresql/schema.prisma";
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

function prisma(args: string[], url: string, opts: { capture?: boolean } = {}) {
  return execFileSync(prismaBin, args, {
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    stdio: opts.capture ? ["ignore", "pipe", "inherit"] : "inherit",
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

function migrate(url: string) {
  if (!isPostgres(url)) {
    const file = url.replace(/^file:/, "").replace(/\?.*$/, "");
    mkdirSync(dirname(file), { recursive: true });
    // WAL lets the web and worker processes read while the other writes; the setting persists in the file.
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.close();
  }
  prisma(["migrate", "deploy"], url);
}

const [command] = process.argv.slice(2);
const url = process.env.DATABASE_URL ?? DEFAULT_URL;
switch (command) {
  case "generate":
    generate();
    break;
  case "migrate":
    generate();
    migrate(url);
    break;
  default:
    console.error("usage: tsx scripts/db.ts generate|migrate");
    process.exit(2);
}
