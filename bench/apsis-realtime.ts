/**
 * `npm run bench:realtime` (also part of `npm run bench`): APSIS One real-time sync under load, end to end.
 *
 * The real app runs as in production: the built Remix web server (server.mjs) and one worker process
 * (build/worker.js, the bundle `npm run build` makes of workers/index.ts), real HTTP, real Redis (a prefix of
 * its own, deleted at the end) and a fresh SQLite file (or, when DATABASE_URL is a postgresql:// URL, a fresh
 * database on that server, dropped at the end). The sandboxes run in this process, webhooks are posted by a
 * child process: Shopify with
 * BENCH_SHOPS small stores (BENCH_SHOP_CUSTOMERS customers each) and one store of BENCH_FULL_SYNC_CUSTOMERS
 * customers; APSIS One with one account per shop, enforcing its documented limits (100 requests/s per account,
 * 10/s per profile). Every shop is set up as the tests do (bench/apsis-realtime-setup.ts): conditions SE →
 * Sweden, everyone else → Global, guessed mappings, consent mapped, real-time sync on.
 *
 *  A. real-time alone: BENCH_RATE customers/update webhooks per second for BENCH_SECONDS, open loop (sent on
 *     schedule, not waiting for answers), each for a random customer of a random small shop whose last name was
 *     changed in the sandbox store just before. Then, once every receipt is final, the delay from delivery to
 *     APSIS write of each (WebhookReceipt processedAt − receivedAt): p50/p95/p99. Preceded by A0, the same at
 *     BENCH_LOW_RATE for BENCH_BASELINE_SECONDS: the baseline of an unloaded pipeline.
 *  B. the same while a Full Sync of the big store runs (started, waited for until it writes, its pace alone
 *     measured for BENCH_FULL_SYNC_SOLO_SECONDS first): the same percentiles, ratios B/A, and the Full Sync's
 *     profiles/s alone and during the load. The Full Sync is then cancelled (as a disconnect does).
 *  C. webhook answers at BENCH_BURST_RATE requests/s for BENCH_BURST_SECONDS, against a baseline at
 *     BENCH_LOW_RATE/s in the same run, sent from a child process (bench/apsis-realtime-load.ts): client-side
 *     response time p50/p95/p99, status counts (all must be 200), ratios. The worker keeps running meanwhile.
 *
 * The coalescing window REALTIME_COALESCE_MS (default 1500 ms) is part of the delay by design. Other knobs:
 * WORKER_CONCURRENCY, WORKER_REALTIME_CONCURRENCY (the worker's), BENCH_WORKERS (worker processes, 1),
 * BENCH_SEED, BENCH_DRAIN_TIMEOUT_SECONDS (240), BENCH_KEEP_LOGS=1 (keep the processes' logs and the database).
 * Also reported, to tell the app's limits from the machine's: CPU per delivery of each process, BullMQ's job
 * timestamps (the webhook job's queue wait and run), and this process's event-loop delay (the sandboxes' health).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { type ApsisSandbox, type ApsisSandboxAccountConfig, demoApsisAccount, startApsisSandbox } from "../sandbox/apsis/server";
import { seededCustomerId } from "../sandbox/shopify/seed";
import { type SandboxStoreConfig, type ShopifySandbox, startShopifySandbox } from "../sandbox/shopify/server";
import type { WebhookDelivery } from "../sandbox/shopify/webhooks/payloads";
import { buildIfStale, freePort, redisAnswers } from "../scripts/stack";
import { type IpcMessage, type IpcResults, type LoadFile, type LoadResult, post, type PreparedDelivery } from "./apsis-realtime-load";

// ---- configuration

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return value;
};
const CONFIG = {
  shops: Math.floor(num("BENCH_SHOPS", 50)),
  shopCustomers: Math.floor(num("BENCH_SHOP_CUSTOMERS", 200)),
  fullSyncCustomers: Math.floor(num("BENCH_FULL_SYNC_CUSTOMERS", 100_000)),
  seconds: num("BENCH_SECONDS", 30),
  baselineSeconds: num("BENCH_BASELINE_SECONDS", 10),
  rate: num("BENCH_RATE", 100),
  soloSeconds: num("BENCH_FULL_SYNC_SOLO_SECONDS", 15),
  burstRate: num("BENCH_BURST_RATE", 500),
  lowRate: num("BENCH_LOW_RATE", 20),
  burstSeconds: num("BENCH_BURST_SECONDS", 10),
  drainTimeoutSeconds: num("BENCH_DRAIN_TIMEOUT_SECONDS", 240),
  workers: Math.floor(num("BENCH_WORKERS", 1)),
  seed: Math.floor(num("BENCH_SEED", 1)),
  coalesceMs: Number(process.env.REALTIME_COALESCE_MS ?? 1500),
  workerConcurrency: Number(process.env.WORKER_CONCURRENCY ?? 8),
  realtimeConcurrency: Number(process.env.WORKER_REALTIME_CONCURRENCY ?? 32),
};
const POSTGRES = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "");
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const API = { apiKey: "bench-api-key", apiSecret: "bench-api-secret" };
const SMALL = Array.from({ length: CONFIG.shops }, (_, i) => ({ domain: `bench-rt-${String(i + 1).padStart(2, "0")}.myshopify.com`, seed: 1000 + i }));
const BIG = { domain: "bench-rt-big.myshopify.com", seed: 11 };
const FINAL = ["processed", "ignored", "failed"];

const log = (line: string) => console.error(`[bench] ${line}`);
const ok = (statuses: Record<string, number>) => statuses["200"] ?? 0;

// ---- small helpers

/** Nearest-rank percentile of an ascending array. */
const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] : NaN);
const ascending = (xs: number[]) => [...xs].sort((a, b) => a - b);

/**
 * A percentile of the delays of processed deliveries together with the lower bounds of those never finished
 * (censored): exact when it lies below every lower bound, otherwise itself only a lower bound ("≥").
 */
function delayPct(phase: { delays: number[]; censored: number[] }, p: number) {
  const value = pct(ascending([...phase.delays, ...phase.censored]), p);
  const lowerBound = phase.censored.length > 0 && value >= phase.censored[0];
  return { value, lowerBound, text: `${lowerBound ? "≥" : ""}${(value / 1000).toFixed(2)}` };
}

/** mulberry32: the same customers are picked for the same BENCH_SEED. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


// ---- processes (every one started here is stopped by cleanup(), also on failure and Ctrl+C)

type Proc = { name: string; child: ChildProcess; logFile: string; graceMs: number };
const procs: Proc[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
let tempDir = "";

function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, graceMs = 10_000): Proc {
  const logFile = join(tempDir, `${name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(command, args, { env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const proc = { name, child, logFile, graceMs };
  procs.push(proc);
  return proc;
}

const running = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;

async function stopProcess(p: Proc) {
  if (!running(p)) return;
  const exited = new Promise((resolve) => p.child.once("exit", resolve));
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => {
    if (!running(p)) return;
    log(`${p.name} did not exit within ${p.graceMs / 1000}s of SIGTERM: killed`);
    p.child.kill("SIGKILL");
  }, p.graceMs);
  await exited;
  clearTimeout(timer);
}

/** CPU time (ms) of a process and its descendants (tsx runs the script in a child node process); Linux only. */
const CLK_TCK = process.platform === "linux" ? Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100 : 100;
function treeCpuMs(pid: number | undefined): number {
  if (process.platform !== "linux" || !pid) return NaN;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [p, s] of stats) if (s.ppid === tree[i]) tree.push(p);
  return (tree.reduce((sum, p) => sum + (stats.get(p)?.ticks ?? 0), 0) * 1000) / CLK_TCK;
}

const tail = (file: string, lines = 30) => (existsSync(file) ? readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "");

/** Runs a process to its end; rejects with its output when it fails. */
async function runToEnd(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const proc = { name, child, logFile: "", graceMs: 5_000 };
  procs.push(proc);
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  const code = await new Promise((resolve) => child.once("exit", resolve));
  procs.splice(procs.indexOf(proc), 1);
  if (code !== 0) throw new Error(`${name} exited ${code}:\n${out}${err}`);
  return out;
}

const lastJsonLine = (out: string) => JSON.parse(out.trim().split("\n").pop()!);

let cleaningUp: Promise<void> | undefined;
function cleanup() {
  cleaningUp ??= (async () => {
    await Promise.all(procs.filter(running).map(stopProcess));
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        log(`clean-up: ${(error as Error).message}`);
      }
    }
    if (tempDir && !process.env.BENCH_KEEP_LOGS) rmSync(tempDir, { recursive: true, force: true });
  })();
  return cleaningUp;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything`);
    void cleanup().then(() => process.exit(130));
  });
}

// ---- the run

type Receipt = { eventId: string; status: string; detail: string | null; receivedAt: Date; processedAt: Date | null };

async function main() {
  tempDir = mkdtempSync(join(tmpdir(), "bench-realtime-"));
  if (!(await redisAnswers(REDIS_URL))) {
    const { hostname, port } = new URL(REDIS_URL);
    const local = ["127.0.0.1", "localhost"].includes(hostname);
    if (!local || spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status !== 0) {
      throw new Error(`Redis is not reachable at ${REDIS_URL}: start one or set REDIS_URL.`);
    }
    startProcess("redis", "redis-server", ["--port", port || "6379", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], process.env);
    for (let i = 0; i < 50 && !(await redisAnswers(REDIS_URL)); i++) await sleep(100);
  }
  const redisPrefix = `bench-rt-${randomBytes(4).toString("hex")}`;
  cleanups.push(async () => {
    // The run's queues and keys (completed jobs are otherwise kept a day).
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${redisPrefix}:*`, "COUNT", 1000);
        if (keys.length) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
    } finally {
      redis.disconnect();
    }
  });

  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  log(`starting the sandboxes: ${CONFIG.shops} stores of ${CONFIG.shopCustomers} customers and one of ${CONFIG.fullSyncCustomers}`);
  const shopify: ShopifySandbox = await startShopifySandbox({
    port: 0,
    app: { ...API, url: appUrl },
    stores: [...SMALL, BIG].map((s): SandboxStoreConfig => ({
      domain: s.domain, name: s.domain, ianaTimezone: "Europe/Stockholm", currencyCode: "SEK",
      customers: s === BIG ? CONFIG.fullSyncCustomers : CONFIG.shopCustomers, seed: s.seed,
    })),
    // A Plus-sized bucket, as the other benches and the APSIS tests: this is about our pipeline and APSIS.
    throttle: { maximumAvailable: 20_000, restoreRate: 1_000 },
  });
  cleanups.push(() => shopify.close());
  const accounts = [...SMALL, BIG].map((s) => ({ shop: s.domain, clientId: randomUUID(), clientSecret: randomBytes(32).toString("base64url") }));
  const apsis: ApsisSandbox = await startApsisSandbox({
    port: 0,
    accounts: accounts.map((a): ApsisSandboxAccountConfig => ({ ...demoApsisAccount(), clientId: a.clientId, clientSecret: a.clientSecret })),
  });
  cleanups.push(() => apsis.close());
  const accountOf = new Map(accounts.map((a) => [a.shop, apsis.account(a.clientId)]));

  let databaseUrl = `file:${join(tempDir, "bench.sqlite")}`;
  if (POSTGRES) {
    // A fresh database on the server DATABASE_URL names, dropped at the end.
    const { default: pg } = await import("pg");
    const adminUrl = process.env.DATABASE_URL!;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const name = `bench_rt_${randomBytes(4).toString("hex")}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    cleanups.unshift(async () => {
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    });
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(appPort),
    HOST: "127.0.0.1",
    SHOPIFY_API_KEY: API.apiKey,
    SHOPIFY_API_SECRET: API.apiSecret,
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_ADMIN_TRANSPORT_URL: shopify.url,
    APP_BRIDGE_URL: shopify.appBridgeUrl,
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    CREDENTIALS_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    APSIS_BASE_URL: apsis.url,
    REALTIME_COALESCE_MS: String(CONFIG.coalesceMs),
    WORKER_CONCURRENCY: String(CONFIG.workerConcurrency),
    WORKER_REALTIME_CONCURRENCY: String(CONFIG.realtimeConcurrency),
  };
  log(`migrating a fresh ${POSTGRES ? "PostgreSQL" : "SQLite"} database`);
  await runToEnd("migrate", "node_modules/.bin/tsx", ["scripts/db.ts", "migrate"], env);
  log("building the app if stale (remix build)");
  buildIfStale();

  log(`setting up ${CONFIG.shops + 1} shops (bench/apsis-realtime-setup.ts)`);
  const setupStarted = performance.now();
  const setup = lastJsonLine(
    await runToEnd("setup", "node_modules/.bin/tsx", ["bench/apsis-realtime-setup.ts"], {
      ...env,
      BENCH_SETUP: JSON.stringify({
        sandboxUrl: shopify.url,
        shops: accounts.map((a) => ({ domain: a.shop, ianaTimezone: "Europe/Stockholm", clientId: a.clientId, clientSecret: a.clientSecret })),
      }),
    }),
  ) as { shops: { domain: string; id: string }[] };
  log(`  ${setup.shops.length} shops set up in ${((performance.now() - setupStarted) / 1000).toFixed(0)} s`);

  const web = startProcess("web", process.execPath, ["server.mjs", "./build/index.js"], env, 5_000);
  const workers = Array.from({ length: CONFIG.workers }, (_, i) => startProcess(`worker${CONFIG.workers > 1 ? i + 1 : ""}`, process.execPath, ["--enable-source-maps", "build/worker.js"], env, 30_000));
  const worker = workers[0];
  for (let i = 0; ; i++) {
    const dead = [web, ...workers].find((p) => !running(p));
    if (dead) throw new Error(`${dead.name} exited during start-up:\n${tail(dead.logFile)}`);
    if (await fetch(`${appUrl}/healthz`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error(`the web server did not answer ${appUrl}/healthz within a minute:\n${tail(web.logFile)}`);
    await sleep(200);
  }
  for (const w of workers) {
    for (let i = 0; !readFileSync(w.logFile, "utf8").includes("worker ready"); i++) {
      if (!running(w) || i > 300) throw new Error(`the worker did not start:\n${tail(w.logFile)}`);
      await sleep(200);
    }
  }

  // This process reads the outcome from the database and drives the Full Sync with the app's own modules.
  Object.assign(process.env, env);
  const { getDb } = await import("../app/db.server");
  const runs = await import("../app/models/sync-run.server");
  const fullSyncService = await import("../app/destinations/apsis/full-sync.server");
  const { resolveShopContext } = await import("../app/models/shop.server");
  const queues = await import("../app/queues/enqueue.server");
  const { getRedis } = await import("../app/redis.server");
  cleanups.push(async () => {
    await queues.closeQueues();
    getRedis().disconnect();
    await getDb().$disconnect();
  });
  const db = getDb();

  const pick = rng(CONFIG.seed);
  let changes = 0;
  /**
   * Which customers (seed indexes) of each small shop a phase changes. A and B get equal, disjoint halves, so
   * both write the same mix of new profiles (a customer's first write) and updates; A0 gets the first tenth.
   */
  type Range = [from: number, to: number];
  const a0End = Math.max(1, Math.floor(CONFIG.shopCustomers / 10));
  const half = Math.floor((CONFIG.shopCustomers - a0End) / 2);
  const RANGES: Record<"a0" | "a" | "b" | "all", Range> = {
    a0: [0, a0End],
    a: [a0End, a0End + half],
    b: [a0End + half, CONFIG.shopCustomers],
    all: [0, CONFIG.shopCustomers],
  };

  /** A change to a random customer (in `range`) of a random small shop, made in the sandbox store, and its delivery. */
  function nextDelivery(range: Range = RANGES.all): PreparedDelivery {
    const shop = SMALL[Math.floor(pick() * SMALL.length)];
    const id = seededCustomerId(shop.seed, range[0] + Math.floor(pick() * (range[1] - range[0])));
    shopify.store(shop.domain).updateCustomer(id, { lastName: `Bench${++changes}` });
    const d: WebhookDelivery = shopify.webhooks.build.customersUpdate(shop.domain, id);
    return { topic: d.topic, shop: d.shop, eventId: d.eventId, triggeredAt: d.triggeredAt, body: JSON.stringify(d.payload) };
  }

  /**
   * Open loop at `rate`/s for `seconds`: each change is made in the sandbox store here, and its delivery posted
   * at once by a sender child (bench/apsis-realtime-load.ts --ipc), whose answer times do not depend on this
   * process's event loop (busy serving the worker's Shopify and APSIS requests). Returns the event ids, the
   * answers, and this process's event-loop delay during the load (the sandboxes' health).
   */
  async function steadyLoad(rate: number, seconds: number, range: Range) {
    const sender = spawn(process.execPath, ["--import", "tsx", "bench/apsis-realtime-load.ts", "--ipc"], { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const senderProc = { name: "sender", child: sender, logFile: "", graceMs: 5_000 };
    procs.push(senderProc);
    const nextMessage = () =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        sender.once("message", resolve);
        sender.once("exit", (code) => reject(new Error(`the sender child exited (${code})`)));
      });
    const ready = nextMessage();
    sender.send({ init: { url: appUrl, secret: API.apiSecret } } satisfies IpcMessage);
    await ready;

    const count = Math.round(rate * seconds);
    const eventIds: string[] = [];
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const t0 = performance.now();
    let lateMs = 0;
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      lateMs = Math.max(lateMs, performance.now() - due);
      const delivery = nextDelivery(range);
      eventIds.push(delivery.eventId);
      sender.send({ delivery } satisfies IpcMessage);
    }
    const sendSeconds = (performance.now() - t0) / 1000;
    loopDelay.disable();
    const finished = nextMessage();
    sender.send({ done: true } satisfies IpcMessage);
    const { results } = (await finished) as IpcResults;
    procs.splice(procs.indexOf(senderProc), 1);
    const statuses: Record<string, number> = {};
    for (const [, status] of results) statuses[status] = (statuses[status] ?? 0) + 1;
    return {
      eventIds,
      responseMs: results.map(([, , ms]) => ms),
      statuses,
      sendSeconds,
      maxLateMs: lateMs,
      loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    };
  }

  async function receiptsOf(eventIds: string[]): Promise<Receipt[]> {
    const rows: Receipt[] = [];
    for (let i = 0; i < eventIds.length; i += 500) {
      rows.push(...(await db.webhookReceipt.findMany({
        where: { eventId: { in: eventIds.slice(i, i + 500) } },
        select: { eventId: true, status: true, detail: true, receivedAt: true, processedAt: true },
      })));
    }
    return rows;
  }

  /**
   * Waits until every recorded delivery's receipt is final and no more are being recorded (a delivery the sender
   * gave up on after 5 s may still be recorded late, or never: Shopify would retry it), or the drain timeout.
   */
  async function drain(eventIds: string[], timeoutSeconds = CONFIG.drainTimeoutSeconds) {
    const started = performance.now();
    let lastRecorded = -1;
    for (;;) {
      let recorded = 0;
      let open = 0;
      for (let i = 0; i < eventIds.length; i += 500) {
        const chunk = eventIds.slice(i, i + 500);
        recorded += await db.webhookReceipt.count({ where: { eventId: { in: chunk } } });
        open += await db.webhookReceipt.count({ where: { eventId: { in: chunk }, status: { notIn: FINAL } } });
      }
      const waited = (performance.now() - started) / 1000;
      if ((open === 0 && recorded === lastRecorded) || waited > timeoutSeconds) return { receipts: await receiptsOf(eventIds), drainSeconds: waited };
      lastRecorded = recorded;
      await sleep(500);
    }
  }

  const apsisTotals = () => {
    let requests = 0;
    let status429 = 0;
    for (const s of SMALL) {
      const stats = accountOf.get(s.domain)!.stats();
      requests += stats.requests;
      status429 += stats.status429;
    }
    return { requests, status429 };
  };

  /**
   * Where the time went, from BullMQ's own timestamps of the webhook jobs that finished in [fromMs, toMs]: their
   * wait in the queue and their run. (The customer sync jobs are erased on completion, as per-customer real-time
   * jobs are: app/queues/enqueue.server.ts; their share is in the delay and the worker's CPU.)
   */
  async function jobTimings(fromMs: number, toMs: number) {
    const webhookJobs = (await queues.getQueue("webhooks").getJobs(["completed"], 0, -1)).filter(
      (j) => j.name === "webhooks.process-delivery" && j.finishedOn && j.processedOn && j.finishedOn >= fromMs && j.finishedOn <= toMs,
    );
    return {
      webhookWait: ascending(webhookJobs.map((j) => j.processedOn! - j.timestamp)),
      webhookRun: ascending(webhookJobs.map((j) => j.finishedOn! - j.processedOn!)),
    };
  }

  const cpuNow = () => ({ web: treeCpuMs(web.child.pid), worker: workers.reduce((sum, w) => sum + treeCpuMs(w.child.pid), 0), bench: process.cpuUsage() });
  const cpuSince = (start: ReturnType<typeof cpuNow>, count: number, seconds: number) => {
    const end = cpuNow();
    const benchMs = (end.bench.user + end.bench.system - start.bench.user - start.bench.system) / 1000;
    return {
      webMsPer: (end.web - start.web) / count,
      workerMsPer: (end.worker - start.worker) / count,
      benchMsPer: benchMs / count,
      workerCores: (end.worker - start.worker) / 1000 / seconds,
      webCores: (end.web - start.web) / 1000 / seconds,
    };
  };

  /** PostgreSQL only: transactions committed in the bench database so far (each statement outside one counts). */
  const dbTransactions = async () => {
    if (!POSTGRES) return NaN;
    await sleep(1_100); // the server's statistics are flushed about once a second
    const [row] = await db.$queryRawUnsafe<{ n: number }[]>("SELECT xact_commit::int AS n FROM pg_stat_database WHERE datname = current_database()");
    return row.n;
  };

  async function realtimePhase(name: string, rate: number, seconds: number, range: Range) {
    const before = apsisTotals();
    const transactionsBefore = await dbTransactions();
    log(`${name}: ${rate} webhooks/s for ${seconds} s`);
    const startedAt = Date.now();
    const cpuStart = cpuNow();
    const load = await steadyLoad(rate, seconds, range);
    const loadEndedAt = Date.now();
    const { receipts } = await drain(load.eventIds);
    const drainedAt = Date.now();
    const cpu = cpuSince(cpuStart, load.eventIds.length, (Date.now() - startedAt) / 1000);
    const loadAverage = loadavg()[0];
    const after = apsisTotals();
    const timings = await jobTimings(startedAt, Date.now());
    // Includes this process's own polling of the receipts (a few per second).
    const transactionsPer = ((await dbTransactions()) - transactionsBefore) / load.eventIds.length;
    const processed = receipts.filter((r) => r.status === "processed" && r.processedAt);
    const delays = ascending(processed.map((r) => r.processedAt!.getTime() - r.receivedAt.getTime()));
    const created = processed.filter((r) => /profile created/.test(r.detail ?? "")).length;
    const updated = processed.filter((r) => /profile updated/.test(r.detail ?? "")).length;
    const failed = receipts.filter((r) => r.status === "failed");
    // Recorded deliveries not final when the drain timed out: their delay is at least the time waited so far.
    const censored = ascending(receipts.filter((r) => !FINAL.includes(r.status)).map((r) => drainedAt - r.receivedAt.getTime()));
    const result = {
      name,
      deliveries: load.eventIds.length,
      sendSeconds: load.sendSeconds,
      statuses: load.statuses,
      answerMs: ascending(load.responseMs),
      processed: processed.length,
      created,
      updated,
      failed: failed.length,
      failedSample: [...new Set(failed.map((r) => r.detail))].slice(0, 3),
      ignored: receipts.filter((r) => r.status === "ignored").length,
      /** Never recorded: the sender gave up after 5 s and the app did not record it later (Shopify would retry). */
      notRecorded: load.eventIds.length - receipts.length,
      unfinished: receipts.filter((r) => !FINAL.includes(r.status)).length,
      delays,
      censored,
      /** From the end of the load until every receipt was final (or the drain timed out). */
      drainSeconds: (drainedAt - loadEndedAt) / 1000,
      apsisRequests: after.requests - before.requests,
      apsis429: after.status429 - before.status429,
      cpu,
      loadAverage,
      timings,
      transactionsPer,
      maxLateMs: load.maxLateMs,
      loopDelayMs: load.loopDelayMs,
    };
    log(`  ${ok(result.statuses)} answered 200, ${receipts.length} recorded, ${result.processed} processed (profiles: ${created} created, ${updated} updated, the rest unchanged), ${result.failed} failed, ${result.unfinished} unfinished; ` +
      `p50 ${delayPct(result, 0.5).text} s, p95 ${delayPct(result, 0.95).text} s, p99 ${delayPct(result, 0.99).text} s; all final ${result.drainSeconds.toFixed(1)} s after the load ended; ` +
      `CPU per delivery: web ${cpu.webMsPer.toFixed(1)} ms, worker ${cpu.workerMsPer.toFixed(1)} ms, sandboxes+bench ${cpu.benchMsPer.toFixed(1)} ms; load average ${loadAverage.toFixed(1)}; ` +
      `sandboxes' event-loop delay p99 ${load.loopDelayMs.p99.toFixed(0)} ms, sending at most ${load.maxLateMs.toFixed(0)} ms late`);
    return result;
  }

  // Warm-up (not measured): one delivery per shop, so every shop's APSIS token, Shopify session and Section
  // plans are fetched once, as in a running system.
  log("warm-up: one delivery per shop");
  const warm: PreparedDelivery[] = SMALL.map((shop) => {
    const id = seededCustomerId(shop.seed, 0);
    shopify.store(shop.domain).updateCustomer(id, { lastName: "Warm" });
    const d = shopify.webhooks.build.customersUpdate(shop.domain, id);
    return { topic: d.topic, shop: d.shop, eventId: d.eventId, triggeredAt: d.triggeredAt, body: JSON.stringify(d.payload) };
  });
  await Promise.all(warm.map((d) => post(appUrl, API.apiSecret, d)));
  const warmed = await drain(warm.map((d) => d.eventId), 120);
  const warmFailed = warmed.receipts.filter((r) => r.status !== "processed");
  if (warmFailed.length) throw new Error(`warm-up deliveries did not all process: ${JSON.stringify(warmFailed.slice(0, 3))}\n${tail(worker.logFile)}`);

  const phaseA0 = await realtimePhase(`A0: real-time alone at ${CONFIG.lowRate}/s`, CONFIG.lowRate, CONFIG.baselineSeconds, RANGES.a0);
  const phaseA = await realtimePhase(`A: real-time alone at ${CONFIG.rate}/s`, CONFIG.rate, CONFIG.seconds, RANGES.a);

  // ---- B: the same while the big shop's Full Sync writes
  log(`B: starting the Full Sync of ${CONFIG.fullSyncCustomers} customers (${BIG.domain})`);
  const { runId } = await fullSyncService.startFullSync({ shop: await resolveShopContext({ shop: BIG.domain }), trigger: "ops" });
  const fsStarted = performance.now();
  type Counters = { at: number; written: number; seen: number; status: string };
  const fsCounters = async (): Promise<Counters> => {
    const run = await runs.getSyncRunSummary({ runId });
    if (!run) throw new Error("the Full Sync's run disappeared");
    return { at: performance.now(), written: run.created + run.updated, seen: run.seen, status: run.status };
  };
  let c0 = await fsCounters();
  while (c0.written === 0) {
    if (!["queued", "running"].includes(c0.status)) throw new Error(`the Full Sync ended before writing (${c0.status}):\n${tail(worker.logFile)}`);
    if (performance.now() - fsStarted > 600_000) throw new Error(`the Full Sync did not write within 10 minutes:\n${tail(worker.logFile)}`);
    await sleep(250);
    c0 = await fsCounters();
  }
  const fsFirstWriteSeconds = (c0.at - fsStarted) / 1000;
  log(`  writing ${fsFirstWriteSeconds.toFixed(1)} s after the start (export read); its pace alone for ${CONFIG.soloSeconds} s`);
  await sleep(CONFIG.soloSeconds * 1000);
  const c1 = await fsCounters();
  const phaseB = await realtimePhase(`B: ${CONFIG.rate}/s during the Full Sync`, CONFIG.rate, CONFIG.seconds, RANGES.b);
  // Counters are saved every second or 100 records: the sample at the end of the drain covers the load window.
  const c2 = await fsCounters();
  const fsSolo = (c1.written - c0.written) / ((c1.at - c0.at) / 1000);
  const fsDuring = (c2.written - c1.written) / ((c2.at - c1.at) / 1000);
  const fsAccount = accountOf.get(BIG.domain)!.stats();
  if (!["queued", "running"].includes(c2.status)) log(`  note: the Full Sync was ${c2.status} by the end of phase B`);
  // Stopped as a disconnect does: the run is cancelled and its job stops at its next progress save.
  await runs.finishSyncRun({ run: { runId }, status: "cancelled", errorCode: "bench", errorMessage: "stopped by the bench" });
  for (let i = 0; (await queues.getQueue("sync").getActiveCount()) > 0; i++) {
    if (i > 120) throw new Error("the Full Sync job did not stop within a minute of its run being cancelled");
    await sleep(500);
  }

  // ---- C: webhook answers at a low rate (baseline) and at the burst rate
  async function answerPhase(rate: number) {
    const deliveries = Array.from({ length: Math.round(rate * CONFIG.burstSeconds) }, () => nextDelivery());
    const file = join(tempDir, `load-${rate}.json`);
    const content: LoadFile = { url: appUrl, secret: API.apiSecret, ratePerSecond: rate, deliveries };
    writeFileSync(file, JSON.stringify(content));
    log(`C: ${rate} webhooks/s for ${CONFIG.burstSeconds} s (from a child process)`);
    const webCpuStart = treeCpuMs(web.child.pid);
    const result = lastJsonLine(await runToEnd(`load-${rate}`, "node_modules/.bin/tsx", ["bench/apsis-realtime-load.ts", file], env)) as LoadResult;
    // Includes the load child's start-up (a second or two with the web server idle).
    const webCpuMsPer = (treeCpuMs(web.child.pid) - webCpuStart) / result.sent;
    const loadAverage = loadavg()[0];
    const answerMs = ascending(result.responseMs);
    log(`  statuses ${JSON.stringify(result.statuses)}; p50 ${pct(answerMs, 0.5).toFixed(1)} ms, p99 ${pct(answerMs, 0.99).toFixed(1)} ms; generator lag p99 ${result.lagMs.p99.toFixed(1)} ms`);
    return { rate, ...result, answerMs, achievedRate: result.sent / result.seconds, webCpuMsPer, loadAverage };
  }
  const low = await answerPhase(CONFIG.lowRate);
  await sleep(2_000);
  const burst = await answerPhase(CONFIG.burstRate);

  // ---- report
  const ratio = (b: number, a: number) => `${(b / a).toFixed(2)}x`;
  const pad = (v: string | number, n: number) => String(v).padStart(n);
  const delayRatio = (b: typeof phaseA, a: typeof phaseA, p: number) => {
    const [x, y] = [delayPct(b, p), delayPct(a, p)];
    return `${x.lowerBound || y.lowerBound ? "~" : ""}${(x.value / y.value).toFixed(2)}x`;
  };
  console.log(
    `\nAPSIS One real-time sync: ${CONFIG.shops} shops x ${CONFIG.shopCustomers} customers, each its own APSIS account (100 req/s, 10/s per profile); ` +
      `${CONFIG.rate} customers/update webhooks/s for ${CONFIG.seconds} s, open loop; REALTIME_COALESCE_MS=${CONFIG.coalesceMs}; ` +
      `${CONFIG.workers} worker process(es) (WORKER_CONCURRENCY=${CONFIG.workerConcurrency}, real-time ${CONFIG.realtimeConcurrency}, sync ${Math.max(1, Math.floor(CONFIG.workerConcurrency / 4))}); ` +
      `${POSTGRES ? "PostgreSQL" : "SQLite"}`,
  );
  console.log("\ndelay from delivery to APSIS write (receipt processedAt - receivedAt)");
  console.log("phase                                 deliveries  answered 200  not recorded  processed  created/updated  failed  unfinished   p50 s   p95 s   p99 s   max s  all final after load s  answer p99 ms  APSIS req  429s");
  for (const p of [phaseA0, phaseA, phaseB]) {
    console.log([
      p.name.padEnd(36), pad(p.deliveries, 10), pad(ok(p.statuses), 12), pad(p.notRecorded, 12), pad(p.processed, 9), pad(`${p.created}/${p.updated}`, 15), pad(p.failed, 6), pad(p.unfinished, 10),
      pad(delayPct(p, 0.5).text, 6), pad(delayPct(p, 0.95).text, 6), pad(delayPct(p, 0.99).text, 6), pad(delayPct(p, 1).text, 6),
      pad(p.drainSeconds.toFixed(1), 22), pad(pct(p.answerMs, 0.99).toFixed(1), 13), pad(p.apsisRequests, 9), pad(p.apsis429, 4),
    ].join("  "));
    if (p.failedSample.length) console.log(`  failed: ${p.failedSample.join(" | ")}`);
  }
  console.log(
    `ratio A/A0 (${CONFIG.rate}/s : ${CONFIG.lowRate}/s): ${[0.5, 0.95, 0.99].map((p) => `p${Math.round(p * 100)} ${delayRatio(phaseA, phaseA0, p)}`).join(", ")}\n` +
      `ratio B/A (with : without the Full Sync): ${[0.5, 0.95, 0.99].map((p) => `p${Math.round(p * 100)} ${delayRatio(phaseB, phaseA, p)}`).join(", ")}` +
      ([phaseA0, phaseA, phaseB].some((p) => p.censored.length) ? " (a percentile marked ≥ is a lower bound: deliveries still unfinished at the drain timeout)" : ""),
  );
  console.log("\nwhere the time went (BullMQ job timestamps, median / p95 ms) and CPU per delivery");
  console.log(`phase                                 webhook job wait     run  CPU ms/delivery web  worker  sandboxes+bench  worker cores  load avg  sandboxes' loop delay p99/max ms${POSTGRES ? "  DB transactions/delivery" : ""}`);
  for (const p of [phaseA0, phaseA, phaseB]) {
    const t = p.timings;
    const mp = (xs: number[]) => `${pct(xs, 0.5).toFixed(0)} / ${pct(xs, 0.95).toFixed(0)}`;
    console.log([
      p.name.padEnd(36), pad(mp(t.webhookWait), 16), pad(mp(t.webhookRun), 7),
      pad(p.cpu.webMsPer.toFixed(1), 19), pad(p.cpu.workerMsPer.toFixed(1), 6), pad(p.cpu.benchMsPer.toFixed(1), 15), pad(p.cpu.workerCores.toFixed(2), 12),
      pad(p.loadAverage.toFixed(1), 8), pad(`${p.loopDelayMs.p99.toFixed(0)} / ${p.loopDelayMs.max.toFixed(0)}`, 32), ...(POSTGRES ? [pad(p.transactionsPer.toFixed(1), 24)] : []),
    ].join("  "));
  }
  console.log(
    `\nFull Sync of ${CONFIG.fullSyncCustomers} customers (own APSIS account): first write ${fsFirstWriteSeconds.toFixed(1)} s after the start; ` +
      `alone ${fsSolo.toFixed(1)} profiles/s, during phase B ${fsDuring.toFixed(1)} profiles/s (${ratio(fsDuring, fsSolo)}); ` +
      `${c2.written} profiles written (${c2.seen} customers read) when cancelled; its account: ${fsAccount.requests} requests, ${fsAccount.status429} 429s`,
  );
  console.log("\nwebhook answers, client side (separate process), open loop");
  console.log("rate/s  achieved/s  requests  200s  other statuses          p50 ms  p95 ms  p99 ms  max ms  generator lag p99 ms  web CPU ms/request  load avg");
  for (const c of [low, burst]) {
    const other = Object.entries(c.statuses).filter(([k]) => k !== "200").map(([k, v]) => `${k}:${v}`).join(" ") || "-";
    console.log([
      pad(c.rate, 6), pad(c.achievedRate.toFixed(0), 10), pad(c.sent, 8), pad(ok(c.statuses), 4), other.padEnd(22),
      pad(pct(c.answerMs, 0.5).toFixed(1), 6), pad(pct(c.answerMs, 0.95).toFixed(1), 6), pad(pct(c.answerMs, 0.99).toFixed(1), 6),
      pad((c.answerMs.at(-1) ?? NaN).toFixed(0), 6), pad(c.lagMs.p99.toFixed(1), 20), pad(c.webCpuMsPer.toFixed(1), 18), pad(c.loadAverage.toFixed(1), 8),
    ].join("  "));
  }
  console.log(
    `ratio ${CONFIG.burstRate}/s : ${CONFIG.lowRate}/s: p50 ${ratio(pct(burst.answerMs, 0.5), pct(low.answerMs, 0.5))}, ` +
      `p95 ${ratio(pct(burst.answerMs, 0.95), pct(low.answerMs, 0.95))}, p99 ${ratio(pct(burst.answerMs, 0.99), pct(low.answerMs, 0.99))}`,
  );
  const problems = [
    ...[phaseA0, phaseA, phaseB]
      .filter((p) => p.failed || p.unfinished || ok(p.statuses) !== p.deliveries)
      .map((p) => `${p.name}: answers ${JSON.stringify(p.statuses)} (0 = no answer within 5 s), ${p.notRecorded} never recorded, ${p.failed} failed, ${p.unfinished} unfinished`),
    ...[low, burst].filter((c) => ok(c.statuses) !== c.sent).map((c) => `${c.rate}/s: not every answer was 200 (${JSON.stringify(c.statuses)})`),
  ];
  if (problems.length) console.log(`\nproblems:\n  ${problems.join("\n  ")}`);
  if (process.env.BENCH_KEEP_LOGS) console.log(`\nlogs and database kept in ${tempDir}`);
}

try {
  await main();
  await cleanup();
  process.exit(0);
} catch (error) {
  console.error(`\nbench:realtime failed: ${(error as Error).stack ?? error}`);
  for (const p of procs.filter((p) => p.logFile)) console.error(`--- ${p.name} log (tail) ---\n${tail(p.logFile)}`);
  await cleanup();
  process.exit(1);
}
