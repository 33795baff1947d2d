/**
 * The app side of bench/apsis-full-sync.ts: one shop (country SE → Sweden, otherwise → Global, guessed
 * attribute mappings, email + SMS consent mapped), one worker, one Full Sync; prints one JSON line.
 */
import { DEMO_APSIS } from "../sandbox/apsis/server";
import { installOfflineSession } from "../tests/integration/shopify/sandbox-session";
import { followRun } from "./follow-run";

const SHOP = "bench-store.myshopify.com";
const { parseEnv } = await import("../app/env.server");
const env = parseEnv();
const shops = await import("../app/models/shop.server");
const { sessionStorage } = await import("../app/shopify.server");
const connection = await import("../app/destinations/apsis/connection.server");
const mapping = await import("../app/destinations/apsis/mapping.server");
const fullSync = await import("../app/destinations/apsis/full-sync.server");
const { guessMappings } = await import("../app/destinations/apsis/rules/guess-mappings");
const runs = await import("../app/models/sync-run.server");
const { startWorkers } = await import("../app/queues/worker.server");
const { handlers } = await import("../app/jobs/handlers.server");
const { createRedis } = await import("../app/redis.server");
const { closeQueues } = await import("../app/queues/enqueue.server");

const must = <T extends { ok: boolean }>(what: string, result: T) => {
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result)}`);
  return result;
};

await shops.setInvitation({ shop: SHOP, invited: true, actor: "bench", via: "cli" });
await shops.recordInstall({ shop: SHOP, name: "Bench", ianaTimezone: "Europe/Stockholm" });
await installOfflineSession({
  sandboxUrl: process.env.BENCH_SANDBOX_URL!, shop: SHOP, apiKey: env.SHOPIFY_API_KEY, apiSecret: env.SHOPIFY_API_SECRET,
  storeSession: (s) => sessionStorage.storeSession(s),
});
const shop = await shops.resolveShopContext({ shop: SHOP });
must("connect", await connection.connectApsis({ shop, region: "eu", clientId: DEMO_APSIS.clientId, clientSecret: DEMO_APSIS.clientSecret }));
const { sections } = await connection.getApsisAccountDefinitions({ shop });
const section = (name: string) => sections.find((s) => s.name === name)!;
must("conditions", await mapping.saveSyncConditions({
  shop,
  conditions: [
    { section: section("Sweden").discriminator, field: "country", operator: "equals", value: "SE" },
    { section: section("Global").discriminator, always: true },
  ],
}));
for (const s of [section("Sweden"), section("Global")]) {
  must("attributes", await mapping.saveAttributeMappings({ shop, section: s.discriminator, mappings: guessMappings(s.attributes) }));
  const topic = (name: string) => s.topics.find((t) => t.name === name)!.discriminator;
  must("consents", await mapping.saveConsentMappings({ shop, section: s.discriminator, email: [topic("Newsletter")], sms: [topic("SMS offers")] }));
}

const redis = createRedis(env.REDIS_URL);
const workers = startWorkers({ connection: redis, prefix: env.REDIS_PREFIX, handlers, concurrency: { webhooks: 1, sync: 1 } });
const started = performance.now();
const { runId } = await fullSync.startFullSync({ shop, trigger: "ops" });
const { seconds, run, phases } = await followRun(runs.getSyncRunSummary, runId, started);
await workers.close();
await closeQueues();
redis.disconnect();
console.log(JSON.stringify({ seconds, created: run.created, failed: run.failed, phases, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
process.exit(0);
