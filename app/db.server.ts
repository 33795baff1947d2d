import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { createRequire } from "node:module";
import type { PrismaClient as SqliteClient } from "../prisma/generated/sqlite/index.js";
import { parseEnv } from "./env.server";

/**
 * Both generated clients come from one schema (prisma/schema.prisma) and differ only in their SQL
 * dialect, so the SQLite client's type describes both (docs/decisions/003-sqlite-and-postgresql.md).
 */
export type Db = SqliteClient;
/** The client inside an interactive transaction. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];
export type { Prisma } from "../prisma/generated/sqlite/index.js";

export function isPostgresUrl(url: string) {
  return /^postgres(ql)?:\/\//.test(url);
}

/** Turns a `file:` URL into a path (relative paths are relative to the working directory). */
export function sqlitePath(url: string) {
  return url.replace(/^file:/, "").replace(/\?.*$/, "");
}

// The generated clients are loaded at run time, not bundled: the Remix compiler bundles every relative
// import, and the clients' CommonJS internals cannot run inside the ESM server bundle.
// This module sits one folder below the repository root both as source (app/) and bundled (build/).
const loadAtRunTime = createRequire(import.meta.url);
const generatedClient = (dialect: "sqlite" | "postgresql"): { PrismaClient: new (options: object) => Db } =>
  loadAtRunTime(`../prisma/generated/${dialect}/index.js`);

export function createDb(url: string): Db {
  if (isPostgresUrl(url)) {
    const { PrismaClient: PostgresClient } = generatedClient("postgresql");
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) });
  }
  // WAL + busy timeout: the web and worker processes share the file (docs/decisions/003-sqlite-and-postgresql.md).
  const { PrismaClient: SqliteClient } = generatedClient("sqlite");
  return new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: sqlitePath(url), timeout: 10_000 }) });
}

declare global {
  // eslint-disable-next-line no-var
  var __db: Db | undefined;
}

/** The process-wide client (kept across Remix dev reloads). */
export function getDb(): Db {
  globalThis.__db ??= createDb(parseEnv().DATABASE_URL);
  return globalThis.__db;
}
