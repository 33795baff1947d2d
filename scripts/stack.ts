/**
 * Starts the whole app locally against the sandboxes: Redis (reused, or started if `redis-server` exists),
 * a migrated database, the Shopify sandbox, the Adestra sandbox (its demo account), the built Remix app
 * (server.mjs) and the worker, as real separate processes talking HTTP and Redis. Used by `npm run demo` and
 * by the end-to-end tests.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, statSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { demoAdestraAccount, startAdestraSandbox, type AdestraSandbox } from "../sandbox/adestra/server";
import { demoApsisAccount, startApsisSandbox, type ApsisSandbox } from "../sandbox/apsis/server";
import { startShopifySandbox, type SandboxStoreConfig, type ShopifySandbox } from "../sandbox/shopify/server";

export type StackOptions = {
  appPort: number;
  sandboxPort: number;
  /** The Adestra sandbox's port; 0 or unset: any free port. */
  adestraPort?: number;
  /** The APSIS One sandbox's port; 0 or unset: any free port. */
  apsisPort?: number;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  encryptionKey: string;
  opsCredentials: string;
  stores: SandboxStoreConfig[];
  /** Shops customer success has enabled before the merchant opens the app. */
  invite: string[];
  /**
   * Shops connected to the Adestra sandbox's demo account (core table and unsub list chosen) before the
   * merchant opens the app (the demo). Tests that exercise the Settings page leave it empty.
   */
  connectAdestra?: string[];
  /** Inherit the children's output (demo) or keep it for error reports (tests). */
  quiet: boolean;
};

export type Stack = {
  appUrl: string;
  sandbox: ShopifySandbox;
  /** The Adestra sandbox (demo account "demo"); its inspection API shows what the app wrote. */
  adestra: AdestraSandbox;
  /** The APSIS One sandbox (its demo account, DEMO_APSIS); its inspection API shows the profiles the app wrote. */
  apsis: ApsisSandbox;
  env: NodeJS.ProcessEnv;
  logs: () => string;
  stop: () => Promise<void>;
};

/**
 * How long stop() waits for a process to shut down gracefully: the worker finishes or checkpoints its job;
 * the web server only has to finish its requests (it may hold Redis and database connections open).
 */
const STOP_GRACE_MS: Record<string, number> = { worker: 30_000, web: 5_000 };
const DEFAULT_STOP_GRACE_MS = 10_000;

const DEMO_API_KEY = "sandbox-api-key";
// Not a secret: the sandbox signs with it and nothing outside this machine trusts it.
const DEMO_API_SECRET = "sandbox-api-secret-not-for-production";

export async function startStack(options: StackOptions): Promise<Stack> {
  const children: ChildProcess[] = [];
  const names = new Map<ChildProcess, string>();
  let output = "";
  const spawnChild = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv) => {
    const child = spawn(command, args, { env, stdio: options.quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
    child.stdout?.on("data", (d) => (output += `[${name}] ${d}`));
    child.stderr?.on("data", (d) => (output += `[${name}] ${d}`));
    children.push(child);
    names.set(child, name);
    return child;
  };

  await ensureRedis(options.redisUrl, spawnChild);
  const appUrl = `http://127.0.0.1:${options.appPort}`;
  const sandbox = await startShopifySandbox({
    port: options.sandboxPort,
    app: { apiKey: DEMO_API_KEY, apiSecret: DEMO_API_SECRET, url: appUrl },
    stores: options.stores,
  });
  const adestra = await startAdestraSandbox({ port: options.adestraPort ?? 0, accounts: [demoAdestraAccount()] }).catch(async (error) => {
    await sandbox.close();
    throw error;
  });
  const apsis = await startApsisSandbox({ port: options.apsisPort ?? 0, accounts: [demoApsisAccount()] }).catch(async (error) => {
    await Promise.all([sandbox.close(), adestra.close()]);
    throw error;
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(options.appPort),
    HOST: "127.0.0.1",
    SHOPIFY_API_KEY: DEMO_API_KEY,
    SHOPIFY_API_SECRET: DEMO_API_SECRET,
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_ADMIN_TRANSPORT_URL: sandbox.url,
    APP_BRIDGE_URL: sandbox.appBridgeUrl,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.redisPrefix,
    CREDENTIALS_ENCRYPTION_KEY: options.encryptionKey,
    OPS_CONSOLE_CREDENTIALS: options.opsCredentials,
    ADESTRA_BASE_URL: adestra.xmlrpcUrl,
    APSIS_BASE_URL: apsis.url,
  };
  const stop = async () => {
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
    const exited = running.map((c) => new Promise((r) => c.once("exit", r)));
    for (const child of running) child.kill("SIGTERM");
    // A process that has not shut down gracefully in time is killed, and named, so a test run never hangs on it.
    const timers = running.map((child) => {
      const name = names.get(child) ?? "?";
      const grace = STOP_GRACE_MS[name] ?? DEFAULT_STOP_GRACE_MS;
      return setTimeout(() => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        output += `[stack] ${name} did not exit within ${grace / 1000}s of SIGTERM: killed\n`;
        child.kill("SIGKILL");
      }, grace);
    });
    await Promise.all(exited);
    for (const timer of timers) clearTimeout(timer);
    await Promise.all([sandbox.close(), adestra.close(), apsis.close()]);
  };
  try {
    runStep("migrate the database", "node_modules/.bin/tsx", ["scripts/db.ts", "migrate"], env, options.quiet);
    for (const shop of options.invite) {
      runStep(`invite ${shop}`, "node_modules/.bin/tsx", ["scripts/ops.ts", "invite", shop, "--by", "sandbox set-up"], env, true);
    }
    if (options.connectAdestra?.length) {
      // Not spawnSync: the Adestra sandbox answering the connection check runs in this process's event loop.
      await runStepAsync("connect to the Adestra sandbox", "node_modules/.bin/tsx", ["scripts/demo-connect-adestra.ts", ...options.connectAdestra], env);
    }
    buildIfStale(options.quiet);
    spawnChild("web", process.execPath, ["server.mjs", "./build/index.js"], env);
    spawnChild("worker", process.execPath, ["--enable-source-maps", "build/worker.js"], env);
    await waitForHealthy(`${appUrl}/healthz`, children);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return { appUrl, sandbox, adestra, apsis, env, logs: () => output, stop };
}

function runStep(what: string, command: string, args: string[], env: NodeJS.ProcessEnv, quiet: boolean) {
  const result = spawnSync(command, args, { env, stdio: quiet ? "pipe" : "inherit", encoding: "utf8" });
  if (result.status !== 0) throw new Error(`could not ${what}:\n${result.stdout ?? ""}${result.stderr ?? ""}`);
}

function runStepAsync(what: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`could not ${what}:\n${output}`))));
  });
}

function newestMtime(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
    const path = join(dir, entry.name);
    return Math.max(max, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }, 0);
}

/**
 * Builds the app for production when the build is stale. Always NODE_ENV=production (a build made under a test
 * runner's NODE_ENV=test has React's development JSX runtime, which the production server cannot render), and
 * one build at a time on this machine (test files and stacks starting together would write build/ at once).
 */
export function buildIfStale(quiet = true) {
  if (!buildIsStale()) return;
  runStep("build the app", "flock", [join(tmpdir(), "profile-sync-remix-build.lock"), "npm", "run", "build"], { ...process.env, NODE_ENV: "production" }, quiet);
}

/** The build (web app and worker) is redone when app or worker code, the Prisma clients, the configs or the lock are newer. */
function buildIsStale() {
  if (!existsSync("build/index.js") || !existsSync("build/worker.js")) return true;
  const built = Math.min(statSync("build/index.js").mtimeMs, statSync("build/worker.js").mtimeMs);
  return ["app", "workers", "prisma/generated"].some((dir) => newestMtime(dir) > built) ||
    ["remix.config.js", "package-lock.json", "scripts/build-worker.mjs"].some((f) => statSync(f).mtimeMs > built);
}

async function waitForHealthy(url: string, children: ChildProcess[]) {
  for (let i = 0; i < 300; i++) {
    const exited = children.find((c) => c.exitCode !== null);
    if (exited) throw new Error(`a process exited during start-up (${exited.spawnargs.join(" ")})`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`the app did not answer ${url} within a minute`);
}

/** Reuses a reachable Redis; otherwise starts `redis-server` (stopped with the stack) for a local URL, or explains what to do. */
async function ensureRedis(
  url: string,
  spawnChild: (name: string, command: string, args: string[], env: NodeJS.ProcessEnv) => ChildProcess,
): Promise<void> {
  if (await redisAnswers(url)) return;
  const { hostname, port } = new URL(url);
  const local = ["127.0.0.1", "localhost", "::1"].includes(hostname);
  const hasServer = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
  if (!local || !hasServer) {
    throw new Error(
      `Redis is not reachable at ${url}${local ? " and redis-server is not installed" : ""}.\n` +
        "Start one (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis && redis-server)\n" +
        "or set REDIS_URL to a Redis you can reach.",
    );
  }
  spawnChild("redis", "redis-server", ["--port", port || "6379", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], process.env);
  for (let i = 0; i < 50 && !(await redisAnswers(url)); i++) await sleep(100);
}

/** Whether a Redis answers PING at `url` (within a second). */
export async function redisAnswers(url: string) {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * A port that is free now and that the kernel will not hand out meanwhile: it is picked below the ephemeral
 * range (/proc/sys/net/ipv4/ip_local_port_range), from which every `listen(0)` and every outgoing connection
 * (to Redis, PostgreSQL, the sandboxes) takes its port. A port from `listen(0)` could be taken by one of those
 * between the pick and the web process binding it, seconds later (EADDRINUSE, seen in CI). Random, so parallel
 * test files rarely try the same one, and tried by binding it.
 */
export async function freePort(): Promise<number> {
  const ephemeralLow = ephemeralRangeStart();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (ephemeralLow - 10_000));
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port found between 10000 and ${ephemeralLow}`);
}

function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 11_000) return low;
  } catch {
    // Not Linux: the IANA dynamic range starts at 49152.
  }
  return 32_768;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
