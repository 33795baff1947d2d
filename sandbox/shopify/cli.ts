/**
 * Runs the Shopify sandbox on its own (`npm run sandbox -- …`):
 *   npx tsx sandbox/shopify/cli.ts --port 3001 --app-url http://127.0.0.1:3000 --api-key … --api-secret … \
 *     --store demo-store.myshopify.com:1000:42[:Europe/Stockholm[:SEK]] [--store …] [--verbose]
 * Defaults come from SHOPIFY_API_KEY, SHOPIFY_API_SECRET and SHOPIFY_APP_URL when set.
 */
import { parseArgs } from "node:util";
import { type SandboxStoreConfig, startShopifySandbox } from "./server";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3001" },
    host: { type: "string", default: "127.0.0.1" },
    "app-url": { type: "string", default: process.env.SHOPIFY_APP_URL ?? "http://127.0.0.1:3000" },
    "api-key": { type: "string", default: process.env.SHOPIFY_API_KEY ?? "sandbox-api-key" },
    "api-secret": { type: "string", default: process.env.SHOPIFY_API_SECRET ?? "sandbox-api-secret-not-for-production" },
    scopes: { type: "string" },
    store: { type: "string", multiple: true, default: ["demo-store.myshopify.com:1000:42"] },
    "access-token-ttl": { type: "string" },
    "throttle-max": { type: "string" },
    "throttle-rate": { type: "string" },
    "data-dir": { type: "string" },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log(
    "Usage: tsx sandbox/shopify/cli.ts [--port 3001] [--host 127.0.0.1] [--app-url URL] [--api-key KEY] [--api-secret SECRET]\n" +
      "  [--scopes read_customers,read_orders] [--store domain:customers:seed[:timezone[:currency]]]... [--access-token-ttl SECONDS]\n" +
      "  [--throttle-max POINTS --throttle-rate POINTS_PER_SECOND] [--data-dir DIR] [--verbose]",
  );
  process.exit(0);
}

function parseStore(spec: string): SandboxStoreConfig {
  const [domain, customers = "1000", seed = "42", ianaTimezone = "Europe/Stockholm", currencyCode = "SEK"] = spec.split(":");
  const handle = domain.replace(/\.myshopify\.com$/, "");
  const name = handle.replace(/(^|-)(\w)/g, (_match, dash: string, letter: string) => `${dash ? " " : ""}${letter.toUpperCase()}`);
  return { domain, name, ianaTimezone, currencyCode, customers: Number(customers), seed: Number(seed) };
}

const throttle =
  values["throttle-max"] || values["throttle-rate"]
    ? { maximumAvailable: Number(values["throttle-max"] ?? 2000), restoreRate: Number(values["throttle-rate"] ?? 100) }
    : undefined;

const sandbox = await startShopifySandbox({
  port: Number(values.port),
  host: values.host,
  app: { apiKey: values["api-key"], apiSecret: values["api-secret"], url: values["app-url"], scopes: values.scopes },
  stores: values.store.map(parseStore),
  throttle,
  accessTokenTtlSeconds: values["access-token-ttl"] ? Number(values["access-token-ttl"]) : undefined,
  dataDir: values["data-dir"],
  log: values.verbose ? (line) => console.log(`[sandbox] ${line}`) : undefined,
}).catch((error: Error) => {
  console.error(`The Shopify sandbox could not start: ${error.message}`);
  process.exit(1);
});

console.log(`Shopify sandbox listening on ${sandbox.url}`);
console.log(`  App Bridge stand-in: ${sandbox.appBridgeUrl}`);
for (const spec of values.store) console.log(`  Open the app as ${parseStore(spec).domain}: ${sandbox.adminUrl(parseStore(spec).domain)}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await sandbox.close();
    process.exit(0);
  });
}
