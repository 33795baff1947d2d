/**
 * Per test file: a fresh database (SQLite copy or PostgreSQL database from the migrated template) and a
 * private Redis key prefix, both removed afterwards. Runs before the file imports any app module.
 */
import { randomBytes } from "node:crypto";
import { afterAll } from "vitest";
import { createTestDatabase } from "./databases";

const id = `t_${randomBytes(6).toString("hex")}`;
const dialect = process.env.TEST_DATABASE === "postgres" ? "postgres" : "sqlite";
const database = await createTestDatabase(dialect, id);
process.env.DATABASE_URL = database.url;
process.env.REDIS_PREFIX = `test-${id}`;

afterAll(async () => {
  const { resetEnvCache } = await import("../../app/env.server");
  await globalThis.__db?.$disconnect();
  globalThis.__db = undefined;
  for (const queue of globalThis.__queues?.values() ?? []) await queue.close();
  globalThis.__queues = undefined;
  if (globalThis.__redis) {
    const keys = await globalThis.__redis.keys(`test-${id}:*`);
    if (keys.length) await globalThis.__redis.del(...keys);
    globalThis.__redis.disconnect();
    globalThis.__redis = undefined;
  }
  resetEnvCache();
  await database.drop();
});
