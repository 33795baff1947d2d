/**
 * `npm run bench:apsis` (also part of `npm run bench`): an APSIS One Full Sync of a seeded store (default 10k customers) against the Shopify
 * and APSIS sandboxes, the APSIS sandbox enforcing the documented limits (100 requests/s per account,
 * 10/s per profile). The app side runs in a child process (its peak RSS is its own). Reports the requests
 * per second the sync sustained as a share of APSIS's 100/s, the 429 answers it got, and profiles per second.
 *   BENCH_SIZES=10000 (comma-separated), BENCH_RUNS=1 (medians across runs)
 */
import { randomBytes } from "node:crypto";
import { DEMO_APSIS, demoApsisAccount, startApsisSandbox } from "../sandbox/apsis/server";
import { startShopifySandbox } from "../sandbox/shopify/server";
import { runChild } from "./run-child";

const SHOP = "bench-store.myshopify.com";
const API = { apiKey: "bench-api-key", apiSecret: "bench-api-secret" };

type Result = { seconds: number; created: number; failed: number; maxRssMb: number; requests: number; status429: number };

async function measure(customers: number): Promise<Result> {
  const shopify = await startShopifySandbox({
    port: 0,
    app: { ...API, url: "http://127.0.0.1:9" },
    stores: [{ domain: SHOP, name: "Bench", ianaTimezone: "Europe/Stockholm", customers, seed: 11 }],
    throttle: { maximumAvailable: 20_000, restoreRate: 1_000 },
  });
  const apsis = await startApsisSandbox({ port: 0, accounts: [demoApsisAccount()] });
  try {
    const child = await runChild("bench/apsis-full-sync-child.ts", {
      SHOPIFY_API_KEY: API.apiKey,
      SHOPIFY_API_SECRET: API.apiSecret,
      SHOPIFY_ADMIN_TRANSPORT_URL: shopify.url,
      APSIS_BASE_URL: apsis.url,
      BENCH_SANDBOX_URL: shopify.url,
      REDIS_PREFIX: `bench-${randomBytes(4).toString("hex")}`,
    });
    const stats = apsis.account(DEMO_APSIS.clientId).stats();
    return { ...(child as Omit<Result, "requests" | "status429">), requests: stats.requests, status429: stats.status429 };
  } finally {
    await shopify.close();
    await apsis.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sizes = (process.env.BENCH_SIZES ?? "10000").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 1);

console.log(`APSIS One Full Sync; medians of ${runs} run(s); APSIS limit 100 requests/s per account`);
console.log("customers  profiles  requests  requests/s  share of 100/s  429s  profiles/s  app peak RSS MB");
for (const customers of sizes) {
  const results: Result[] = [];
  for (let i = 0; i < runs; i++) results.push(await measure(customers));
  const rate = median(results.map((r) => r.requests / r.seconds));
  console.log([
    String(customers).padStart(9), String(results[0].created).padStart(8), String(median(results.map((r) => r.requests))).padStart(8),
    rate.toFixed(1).padStart(10), `${rate.toFixed(0)}%`.padStart(14), String(median(results.map((r) => r.status429))).padStart(4),
    median(results.map((r) => r.created / r.seconds)).toFixed(1).padStart(10), median(results.map((r) => r.maxRssMb)).toFixed(0).padStart(15),
  ].join("  "));
}
