/**
 * Everything under the app's Redis prefix, read the way an attacker with a Redis dump would: every key's name
 * and every value of every type (strings, hashes, lists, sets, zsets, streams), so a test can say that no key
 * names a shop or holds a customer's address.
 */
import type { Redis } from "ioredis";

export type RedisEntry = { key: string; type: string; text: string };

async function valueText(redis: Redis, key: string, type: string): Promise<string> {
  switch (type) {
    case "string":
      return (await redis.getBuffer(key))?.toString("utf8") ?? "";
    case "hash":
      return JSON.stringify(await redis.hgetall(key));
    case "list":
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case "set":
      return JSON.stringify(await redis.smembers(key));
    case "zset":
      return JSON.stringify(await redis.zrange(key, 0, -1, "WITHSCORES"));
    case "stream":
      return JSON.stringify(await redis.xrange(key, "-", "+"));
    default:
      return "";
  }
}

export async function dumpRedis(redis: Redis, prefix: string): Promise<RedisEntry[]> {
  const entries: RedisEntry[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      entries.push({ key, type, text: await valueText(redis, key, type) });
    }
  } while (cursor !== "0");
  return entries.sort((a, b) => a.key.localeCompare(b.key));
}

/** The entries whose name or value mentions any of the needles (case-insensitive), with where. */
export function mentioning(entries: RedisEntry[], needles: string[]) {
  const lower = needles.filter(Boolean).map((n) => n.toLowerCase());
  return entries
    .filter((e) => lower.some((n) => e.key.toLowerCase().includes(n) || e.text.toLowerCase().includes(n)))
    .map((e) => `${e.type} ${e.key}: ${e.text.slice(0, 300)}`);
}
