import { Redis, type RedisOptions } from "ioredis";
import { parseEnv } from "./env.server";

/** BullMQ needs maxRetriesPerRequest: null on connections used by workers (blocking commands). */
export function createRedis(url: string, options: RedisOptions = {}) {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

declare global {
  // eslint-disable-next-line no-var
  var __redis: Redis | undefined;
}

export function getRedis(): Redis {
  globalThis.__redis ??= createRedis(parseEnv().REDIS_URL);
  return globalThis.__redis;
}

/** Every key this app writes outside BullMQ starts with this (BullMQ uses it as its prefix too). */
export function redisKey(...parts: string[]) {
  return [parseEnv().REDIS_PREFIX, ...parts].join(":");
}
