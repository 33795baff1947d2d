/**
 * Set-up child of bench/apsis-realtime.ts, run against the bench's database, Redis prefix and sandboxes before
 * the web server and worker start. Every shop is set up as the APSIS integration tests do: invited, installed,
 * an offline session from the Shopify sandbox (token exchange), connected to its own APSIS sandbox account,
 * sync conditions (country SE → Section Sweden, everyone else → Global, so every customer is written), guessed
 * attribute mappings, email + SMS consent mapped, and real-time sync on. Prints one JSON line: the shop ids.
 *   BENCH_SETUP = JSON { sandboxUrl, shops: [{ domain, ianaTimezone, clientId, clientSecret }] }
 */
import { DEMO_APSIS } from "../sandbox/apsis/server";
import { installOfflineSession } from "../tests/integration/shopify/sandbox-session";

type SetupShop = { domain: string; ianaTimezone: string; clientId: string; clientSecret: string };
const setup = JSON.parse(process.env.BENCH_SETUP ?? "null") as { sandboxUrl: string; shops: SetupShop[] } | null;
if (!setup) throw new Error("BENCH_SETUP is not set: this script is run by bench/apsis-realtime.ts");

const { parseEnv } = await import("../app/env.server");
const env = parseEnv();
const shops = await import("../app/models/shop.server");
const { sessionStorage } = await import("../app/shopify.server");
const connection = await import("../app/destinations/apsis/connection.server");
const mapping = await import("../app/destinations/apsis/mapping.server");
const { saveApsisRealtimeSettings } = await import("../app/models/apsis-realtime-settings.server");
const { guessMappings } = await import("../app/destinations/apsis/rules/guess-mappings");
const { getRedis } = await import("../app/redis.server");
const { closeQueues } = await import("../app/queues/enqueue.server");
const { getDb } = await import("../app/db.server");

const must = <T extends { ok: boolean }>(what: string, result: T) => {
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result)}`);
  return result;
};

async function setUpShop(shop: SetupShop): Promise<{ domain: string; id: string }> {
  await shops.setInvitation({ shop: shop.domain, invited: true, actor: "bench", via: "cli" });
  await shops.recordInstall({ shop: shop.domain, name: shop.domain, ianaTimezone: shop.ianaTimezone, currencyCode: "SEK" });
  await installOfflineSession({
    sandboxUrl: setup!.sandboxUrl, shop: shop.domain, apiKey: env.SHOPIFY_API_KEY, apiSecret: env.SHOPIFY_API_SECRET,
    storeSession: (s) => sessionStorage.storeSession(s),
  });
  const context = await shops.resolveShopContext({ shop: shop.domain });
  must(`connect ${shop.domain}`, await connection.connectApsis({ shop: context, region: "eu", clientId: shop.clientId, clientSecret: shop.clientSecret }));
  const { sections } = await connection.getApsisAccountDefinitions({ shop: context });
  const section = (name: string) => sections.find((s) => s.name === name)!;
  must(`conditions ${shop.domain}`, await mapping.saveSyncConditions({
    shop: context,
    conditions: [
      { section: section("Sweden").discriminator, field: "country", operator: "equals", value: "SE" },
      { section: section("Global").discriminator, always: true },
    ],
  }));
  for (const s of [section("Sweden"), section("Global")]) {
    must(`attributes ${shop.domain}`, await mapping.saveAttributeMappings({ shop: context, section: s.discriminator, mappings: guessMappings(s.attributes) }));
    const topic = (name: string) => s.topics.find((t) => t.name === name)!.discriminator;
    must(`consents ${shop.domain}`, await mapping.saveConsentMappings({
      shop: context, section: s.discriminator, email: [topic("Newsletter"), topic("Offers")], sms: [topic("SMS offers")],
    }));
  }
  const saved = await saveApsisRealtimeSettings({
    shopId: context.id,
    settings: {
      realtimeEnabled: true,
      purchaseEventsEnabled: true,
      onCustomerDelete: "delete_profile",
      purchaseEvents: { [DEMO_APSIS.swedenSection]: DEMO_APSIS.purchaseEvent, [DEMO_APSIS.globalSection]: DEMO_APSIS.purchaseEvent },
    },
  });
  if (!saved) throw new Error(`real-time settings of ${shop.domain} were not saved`);
  return { domain: shop.domain, id: context.id };
}

// A few shops at a time: each waits mostly on the sandboxes (token exchange, APSIS definitions).
const done: { domain: string; id: string }[] = [];
const queue = [...setup.shops];
await Promise.all(
  Array.from({ length: 6 }, async () => {
    for (let shop = queue.shift(); shop; shop = queue.shift()) done.push(await setUpShop(shop));
  }),
);
await closeQueues();
getRedis().disconnect();
await getDb().$disconnect();
console.log(JSON.stringify({ shops: done }));
process.exit(0);
