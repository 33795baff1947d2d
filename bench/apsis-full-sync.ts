/**
 * `npm run bench:apsis` (also part of `npm run bench`): APSIS One Full Syncs of seeded stores against the
 * Shopify and APSIS sandboxes, the APSIS sandbox enforcing the documented limits (100 requests/s per account,
 * 10/s per profile, 10 imports a minute, three at once). Each size is synced both ways in the same run, side
 * by side: profile by profile (the per-record path, APSIS_IMPORT_THRESHOLD above the store) and through
 * APSIS's bulk import (decision 031). The app side runs in a child process (its peak RSS is its own).
 * Reports profiles/s, requests, 429s, seconds per phase, peak RSS, and the import path's speed-up.
 *   BENCH_SIZES=10000,100000,1000000 (comma-separated), BENCH_RUNS=1 (medians across runs),
 *   BENCH_PER_RECORD_MAX=10000: larger stores are not synced profile by profile (6 hours for 1M); their
 *   per-record figure is the largest measured one's profiles/s (the path is held at APSIS's 100 requests/s,
 *   so its pace does not depend on the store's size), marked "extrapolated".
 */
import { randomBytes } from "node:crypto";
import { DEMO_APSIS, demoApsisAccount, startApsisSandbox } from "../sandbox/apsis/server";
import { startShopifySandbox } from "../sandbox/shopify/server";
import { runChild } from "./run-child";
import { type Path, phaseLine, sideBySide } from "./side-by-side";

const SHOP = "bench-store.myshopify.com";
const API = { apiKey: "bench-api-key", apiSecret: "bench-api-secret" };

type Result = { seconds: number; created: number; failed: number; maxRssMb: number; requests: number; status429: number; phases: Record<string, number> };

async function measure(customers: number, path: Path): Promise<Result> {
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
      APSIS_IMPORT_THRESHOLD: path === "import" ? "1" : String(customers + 1),
      APSIS_IMPORT_POLL_MS: "1000",
    });
    const stats = apsis.account(DEMO_APSIS.clientId).stats();
    return { ...(child as Omit<Result, "requests" | "status429">), requests: stats.requests, status429: stats.status429 };
  } finally {
    await shopify.close();
    await apsis.close();
  }
}

const sizes = (process.env.BENCH_SIZES ?? "10000,100000,1000000").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 1);
const perRecordMax = Number(process.env.BENCH_PER_RECORD_MAX ?? 10_000);

console.log(`APSIS One Full Sync, per-record path and import path side by side; medians of ${runs} run(s); APSIS limits 100 requests/s, 10 imports/min, 3 at once`);
console.log("customers  path        profiles  failed  seconds  profiles/s  requests  429s  app peak RSS MB  seconds per phase");
await sideBySide({
  sizes, runs, perRecordMax, measure,
  rateOf: (r) => r.created / r.seconds,
  row: (r, rate) => [
    String(r.created).padStart(8), String(r.failed).padStart(6), r.seconds.toFixed(1).padStart(7), rate.toFixed(1).padStart(10),
    String(r.requests).padStart(8), String(r.status429).padStart(4), r.maxRssMb.toFixed(0).padStart(15), `  ${phaseLine(r.phases)}`,
  ].join("  "),
});
