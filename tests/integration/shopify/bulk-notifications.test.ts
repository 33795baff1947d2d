import { describe, expect, it } from "vitest";
import { createBulkOperationNotifications, markBulkOperationFinished } from "../../../app/shopify/bulk-notifications.server";
import { waitForBulkOperation } from "../../../app/shopify/bulk-operation";
import type { ShopifyGraphql } from "../../../app/shopify/graphql-client";
import { getRedis } from "../../../app/redis.server";
import { parseEnv } from "../../../app/env.server";

const NEVER = 10 * 60_000; // longer than the test timeout: only a notification can end these waits

function context() {
  return { redis: getRedis(), prefix: parseEnv().REDIS_PREFIX };
}

describe("bulk operation finish notifications over Redis", () => {
  it("a waiter wakes when the webhook job marks the operation finished", async () => {
    const notifications = createBulkOperationNotifications(context());
    const waiting = notifications.waitForFinish({ id: "gid://shopify/BulkOperation/1", timeoutMs: NEVER });
    setTimeout(() => void markBulkOperationFinished({ ...context(), id: "gid://shopify/BulkOperation/1", status: "completed" }), 100);
    await expect(waiting).resolves.toBe(true);
  });

  it("a finish recorded before anyone waited is found at once", async () => {
    await markBulkOperationFinished({ ...context(), id: "gid://shopify/BulkOperation/2", status: "completed" });
    await expect(createBulkOperationNotifications(context()).waitForFinish({ id: "gid://shopify/BulkOperation/2", timeoutMs: NEVER })).resolves.toBe(true);
  });

  it("another operation's finish does not wake the waiter; the timeout does", async () => {
    const notifications = createBulkOperationNotifications(context());
    const waiting = notifications.waitForFinish({ id: "gid://shopify/BulkOperation/3", timeoutMs: 300 });
    await markBulkOperationFinished({ ...context(), id: "gid://shopify/BulkOperation/4", status: "completed" });
    await expect(waiting).resolves.toBe(false);
  });

  it("an aborted wait rejects", async () => {
    const controller = new AbortController();
    const waiting = createBulkOperationNotifications(context()).waitForFinish({ id: "gid://shopify/BulkOperation/5", timeoutMs: NEVER, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(waiting).rejects.toThrow(/abort/i);
  });

  it("waitForBulkOperation returns as soon as the webhook arrives, not at the next poll", async () => {
    const id = "gid://shopify/BulkOperation/6";
    let status = "RUNNING";
    const graphql: ShopifyGraphql = async () => ({
      bulkOperation: { id, status, errorCode: null, objectCount: "3", url: status === "COMPLETED" ? "https://x/r.jsonl" : null },
    });
    setTimeout(() => {
      status = "COMPLETED";
      void markBulkOperationFinished({ ...context(), id, status: "completed" });
    }, 200);
    const done = await waitForBulkOperation({ graphql, id, pollIntervalMs: NEVER, notifications: createBulkOperationNotifications(context()) });
    expect(done).toEqual({ id, url: "https://x/r.jsonl", objectCount: 3 });
  });
});
