/**
 * `npm run bench:adestra` (also part of `npm run bench`): an Adestra send of a seeded store, 10k and 100k customers, against the sandboxes with no
 * artificial latency. The sandboxes run in this (parent) process; the app side — service, BullMQ worker,
 * Shopify bulk export reader, Adestra client — runs in a child process per measurement, so its peak memory
 * (maxRSS) is the app's alone. Reports profiles per second and peak memory, and their ratios 100k : 10k, so
 * memory growth with store size is visible. Each size also measures a second, identical send (all unchanged).
 *   npm run bench:adestra             (sizes 10000,100000; BENCH_SIZES=2000,20000 to change; BENCH_RUNS=3)
 */
import { randomBytes } from "node:crypto";
import { demoAdestraAccount, startAdestraSandbox } from "../sandbox/adestra/server";
import { startShopifySandbox } from "../sandbox/shopify/server";
import { runChild } from "./run-child";

const SHOP = "bench-store.myshopify.com";
const API_KEY = "bench-api-key";
const API_SECRET = "bench-api-secret";

type ChildResult = { profiles: number; firstSendSeconds: number; secondSendSeconds: number; maxRssMb: number; sent: number; unchanged: number };

async function measure(customers: number): Promise<ChildResult> {
  const shopify = await startShopifySandbox({
    port: 0,
    app: { apiKey: API_KEY, apiSecret: API_SECRET, url: "http://127.0.0.1:9" },
    stores: [{ domain: SHOP, name: "Bench", ianaTimezone: "Europe/Stockholm", customers, seed: 11 }],
    // Shopify Plus bucket: the bench measures our pipeline, not the store's plan.
    throttle: { maximumAvailable: 20_000, restoreRate: 1_000 },
  });
  const adestra = await startAdestraSandbox({ accounts: [demoAdestraAccount()] });
  try {
    return (await runChild("bench/adestra-send-child.ts", {
      REDIS_PREFIX: `bench-${randomBytes(4).toString("hex")}`,
      SHOPIFY_API_KEY: API_KEY,
      SHOPIFY_API_SECRET: API_SECRET,
      SHOPIFY_ADMIN_TRANSPORT_URL: shopify.url,
      ADESTRA_BASE_URL: adestra.xmlrpcUrl,
      ADESTRA_REQUESTS_PER_SECOND: "1000",
      BENCH_SANDBOX_URL: shopify.url,
    })) as ChildResult;
  } finally {
    await shopify.close();
    await adestra.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sizes = (process.env.BENCH_SIZES ?? "10000,100000").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 1);

const rows: { customers: number; profiles: number; rate: number; rate2: number; rss: number; minRss: number; maxRss: number }[] = [];
for (const customers of sizes) {
  const results: ChildResult[] = [];
  for (let i = 0; i < runs; i++) {
    results.push(await measure(customers));
    console.error(`  ${customers}: run ${i + 1}/${runs} ${JSON.stringify(results.at(-1))}`);
  }
  rows.push({
    customers,
    profiles: results[0].profiles,
    rate: median(results.map((r) => r.profiles / r.firstSendSeconds)),
    rate2: median(results.map((r) => r.profiles / r.secondSendSeconds)),
    rss: median(results.map((r) => r.maxRssMb)),
    minRss: Math.min(...results.map((r) => r.maxRssMb)),
    maxRss: Math.max(...results.map((r) => r.maxRssMb)),
  });
}

console.log(`\nAdestra send, "All profiles", no date range; medians of ${runs} run(s) per size (min–max peak memory)`);
console.log("customers  profiles sent  first send /s  unchanged send /s  app peak RSS MB");
for (const r of rows) {
  console.log(`${String(r.customers).padStart(9)}  ${String(r.profiles).padStart(13)}  ${r.rate.toFixed(0).padStart(13)}  ${r.rate2.toFixed(0).padStart(17)}  ${r.rss.toFixed(0)} (${r.minRss.toFixed(0)}–${r.maxRss.toFixed(0)})`);
}
if (rows.length >= 2) {
  const [a, b] = [rows[0], rows.at(-1)!];
  console.log(`\nratios ${b.customers}:${a.customers} — store size ${(b.customers / a.customers).toFixed(1)}x, ` +
    `peak memory ${(b.rss / a.rss).toFixed(2)}x, throughput ${(b.rate / a.rate).toFixed(2)}x`);
}
