import type { Redis } from "ioredis";
import { setTimeout as delay } from "node:timers/promises";
import type { BulkOperationNotifications } from "./bulk-operation";

/** The key outlives the result URL (7 days), so a late waiter still finds it. */
const FINISHED_TTL_SECONDS = 7 * 24 * 3600;

/** One name for both the key (a finish that happened before anyone waited) and the channel (a finish now). */
function finishedKey({ prefix, id }: { prefix: string; id: string }) {
  return `${prefix}:shopify-bulk-finished:${id}`;
}

/**
 * Called by the bulk_operations/finish webhook job: records that `id` finished and wakes any waiter.
 * `status` is the webhook's (e.g. "completed"); waiters still read the outcome from Shopify.
 */
export async function markBulkOperationFinished({ redis, prefix, id, status }: { redis: Redis; prefix: string; id: string; status: string }) {
  const key = finishedKey({ prefix, id });
  await redis.multi().set(key, status, "EX", FINISHED_TTL_SECONDS).publish(key, status).exec();
}

/** Notifications for waitForBulkOperation. Each wait holds its own subscriber connection, closed after it. */
export function createBulkOperationNotifications({ redis, prefix }: { redis: Redis; prefix: string }): BulkOperationNotifications {
  return {
    async waitForFinish({ id, timeoutMs, signal }) {
      const key = finishedKey({ prefix, id });
      const subscriber = redis.duplicate();
      const stopTimer = new AbortController();
      try {
        const published = new Promise<true>((resolve) => subscriber.on("message", () => resolve(true)));
        await subscriber.subscribe(key);
        // Read after subscribing, so a finish between the two is seen one way or the other.
        if (await redis.exists(key)) return true;
        const timer = signal ? AbortSignal.any([signal, stopTimer.signal]) : stopTimer.signal;
        return await Promise.race([published, delay(timeoutMs, false, { signal: timer })]);
      } finally {
        stopTimer.abort();
        subscriber.disconnect();
      }
    },
  };
}
