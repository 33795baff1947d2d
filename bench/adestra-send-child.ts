/**
 * The app side of bench/adestra-send.ts: one shop, one worker, the import-file route over HTTP (Adestra's
 * sandbox fetches the files from it), two identical sends; prints one JSON line.
 */
import { serveAdestraImportFiles } from "../tests/support/adestra-import-files";
import { installOfflineSession } from "../tests/integration/shopify/sandbox-session";
import { followRun } from "./follow-run";

const SHOP = "bench-store.myshopify.com";
// Before the app's env is read: the file URLs handed to contact.import point at this process.
const files = await serveAdestraImportFiles();
process.env.SHOPIFY_APP_URL = files.url;
const { parseEnv } = await import("../app/env.server");
const env = parseEnv();
const shops = await import("../app/models/shop.server");
const { sessionStorage } = await import("../app/shopify.server");
const connection = await import("../app/destinations/adestra/connection.server");
const lists = await import("../app/destinations/adestra/lists.server");
const send = await import("../app/destinations/adestra/send.server");
const runs = await import("../app/models/sync-run.server");
const { startWorkers } = await import("../app/queues/worker.server");
const { handlers } = await import("../app/jobs/handlers.server");
const { createRedis } = await import("../app/redis.server");
const { closeQueues } = await import("../app/queues/enqueue.server");

await shops.setInvitation({ shop: SHOP, invited: true, actor: "bench", via: "cli" });
await shops.recordInstall({ shop: SHOP, name: "Bench", ianaTimezone: "Europe/Stockholm" });
await installOfflineSession({
  sandboxUrl: process.env.BENCH_SANDBOX_URL!, shop: SHOP, apiKey: env.SHOPIFY_API_KEY, apiSecret: env.SHOPIFY_API_SECRET,
  storeSession: (s) => sessionStorage.storeSession(s),
});
const shop = await shops.resolveShopContext({ shop: SHOP });
const connected = await connection.connectAdestra({ shop, accountName: "demo", username: "shopify", password: "sandbox-password" });
if (!connected.ok) throw new Error(JSON.stringify(connected));
const chosen = await connection.chooseAdestraTables({ shop, coreTableId: 1, unsubListId: 10 });
if (!chosen.ok) throw new Error(JSON.stringify(chosen));
const created = await lists.createAdestraList({ shop, name: "Bench list" });
if (!created.ok) throw new Error(JSON.stringify(created));
const listId = created.list.id;

const redis = createRedis(env.REDIS_URL);
const workers = startWorkers({ connection: redis, prefix: env.REDIS_PREFIX, handlers, concurrency: { webhooks: 1, sync: 1 } });

async function timedSend() {
  const started = performance.now();
  const { runId } = await send.startSend({ shop, trigger: "ops", choices: { profileGroup: "all", listId } });
  return followRun(runs.getSyncRunSummary, runId, started);
}

const first = await timedSend();
const second = await timedSend();
await workers.close();
await closeQueues();
redis.disconnect();
files.server.close();
console.log(JSON.stringify({
  profiles: first.run.matched,
  sent: first.run.created + first.run.updated,
  failed: first.run.failed,
  unchanged: second.run.unchanged,
  firstSendSeconds: first.seconds,
  secondSendSeconds: second.seconds,
  phases: first.phases,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
}));
process.exit(0);
