/**
 * `npm run bench:adestra` (also part of `npm run bench`): Adestra sends of seeded stores against the Shopify
 * and Adestra sandboxes, each size both ways in the same run, side by side: contact by contact (the
 * per-record path, ADESTRA_IMPORT_THRESHOLD above the store) and through contact.import (decision 031: the app
 * serves the files, Adestra's sandbox fetches them, the list is read to confirm). The sandboxes run in this
 * (parent) process; the app side — service, BullMQ worker, import-file route, Shopify bulk export reader,
 * Adestra client — in a child process per measurement, so its peak memory (maxRSS) is the app's alone.
 * Reports profiles/s, requests made to Adestra, seconds per phase, peak RSS, the speed-up, and a second,
 * identical send (all unchanged). Both paths run under one request pace (Adestra publishes no limit; the app's
 * production default is 20 requests/s, which would hold the per-record path's two calls per contact at 10
 * profiles/s: the requests column says what each path would cost at any pace).
 *   BENCH_SIZES=10000,100000 (comma-separated), BENCH_RUNS=1 (medians across runs),
 *   BENCH_ADESTRA_RPS=1000 (ADESTRA_REQUESTS_PER_SECOND for both paths),
 *   BENCH_PER_RECORD_MAX=100000: larger stores are not sent contact by contact; their per-record figure is the
 *   largest measured one's profiles/s, marked "extrapolated".
 */
import { randomBytes } from "node:crypto";
import { demoAdestraAccount, startAdestraSandbox } from "../sandbox/adestra/server";
import { startShopifySandbox } from "../sandbox/shopify/server";
import { runChild } from "./run-child";
import { type Path, phaseLine, sideBySide } from "./side-by-side";

const SHOP = "bench-store.myshopify.com";
const API_KEY = "bench-api-key";
const API_SECRET = "bench-api-secret";

type ChildResult = { profiles: number; sent: number; failed: number; unchanged: number; firstSendSeconds: number; secondSendSeconds: number; phases: Record<string, number>; maxRssMb: number };
type Result = ChildResult & { requests: number; served: Record<string, number> };

async function measure(customers: number, path: Path): Promise<Result> {
  const shopify = await startShopifySandbox({
    port: 0,
    app: { apiKey: API_KEY, apiSecret: API_SECRET, url: "http://127.0.0.1:9" },
    stores: [{ domain: SHOP, name: "Bench", ianaTimezone: "Europe/Stockholm", customers, seed: 11 }],
    // Shopify Plus bucket: the bench measures our pipeline, not the store's plan.
    throttle: { maximumAvailable: 20_000, restoreRate: 1_000 },
  });
  const adestra = await startAdestraSandbox({ accounts: [demoAdestraAccount()] });
  try {
    const child = (await runChild("bench/adestra-send-child.ts", {
      REDIS_PREFIX: `bench-${randomBytes(4).toString("hex")}`,
      SHOPIFY_API_KEY: API_KEY,
      SHOPIFY_API_SECRET: API_SECRET,
      SHOPIFY_ADMIN_TRANSPORT_URL: shopify.url,
      ADESTRA_BASE_URL: adestra.xmlrpcUrl,
      ADESTRA_REQUESTS_PER_SECOND: process.env.BENCH_ADESTRA_RPS ?? "1000",
      ADESTRA_IMPORT_THRESHOLD: path === "import" ? "1" : String(customers + 1),
      ADESTRA_IMPORT_POLL_MS: "1000",
      BENCH_SANDBOX_URL: shopify.url,
    })) as ChildResult;
    const { requests, served } = adestra.account("demo").stats();
    return { ...child, requests, served };
  } finally {
    await shopify.close();
    await adestra.close();
  }
}

const sizes = (process.env.BENCH_SIZES ?? "10000,100000").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 1);
const perRecordMax = Number(process.env.BENCH_PER_RECORD_MAX ?? 100_000);

console.log(`Adestra send, "All profiles", no date range, per-record path and import path side by side; medians of ${runs} run(s); ` +
  `${process.env.BENCH_ADESTRA_RPS ?? "1000"} requests/s to Adestra`);
console.log("customers  path        profiles  failed  seconds  profiles/s  unchanged send /s  requests  app peak RSS MB  seconds per phase");
const measured = await sideBySide({
  sizes, runs, perRecordMax, measure,
  rateOf: (r) => r.sent / r.firstSendSeconds,
  row: (r, rate) => [
    String(r.sent).padStart(8), String(r.failed).padStart(6), r.firstSendSeconds.toFixed(1).padStart(7), rate.toFixed(1).padStart(10),
    (r.unchanged / r.secondSendSeconds).toFixed(0).padStart(17), String(r.requests).padStart(8), r.maxRssMb.toFixed(0).padStart(15), `  ${phaseLine(r.phases)}`,
  ].join("  "),
});
const imported = measured.filter((m) => m.path === "import");
if (imported.length >= 2) {
  const [a, b] = [imported[0], imported.at(-1)!];
  console.log(`\nimport path peak memory ${b.customers}:${a.customers}: ${(b.result.maxRssMb / a.result.maxRssMb).toFixed(2)}x for a ${(b.customers / a.customers).toFixed(0)}x store`);
}
