import { z } from "zod";

/**
 * The one description of the process environment, parsed by both entry points
 * (web: entry.server.tsx, worker: workers/index.ts) and by the ops CLI.
 * Modules read the typed `env` returned by parseEnv(), never process.env.
 */
const key32 = z
  .string()
  .refine((v) => Buffer.from(v, "base64").length === 32, {
    message: "must be 32 random bytes, base64-encoded (generate one with: openssl rand -base64 32)",
  });

const opsCredentials = z
  .string()
  .default("")
  .transform((raw, ctx) => {
    const pairs = raw.split(",").map((s) => s.trim()).filter(Boolean);
    const out: { username: string; password: string }[] = [];
    for (const pair of pairs) {
      const at = pair.indexOf(":");
      if (at < 1 || at === pair.length - 1) {
        ctx.addIssue({ code: "custom", message: "each entry must be user:password, separated by commas" });
        return z.NEVER;
      }
      const password = pair.slice(at + 1);
      if (password.length < 12) {
        ctx.addIssue({ code: "custom", message: `the password of ${pair.slice(0, at)} must have at least 12 characters` });
        return z.NEVER;
      }
      out.push({ username: pair.slice(0, at), password });
    }
    return out;
  });

export const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  SHOPIFY_API_KEY: z.string().min(1, "is required: the app's client id from the Partner Dashboard"),
  SHOPIFY_API_SECRET: z.string().min(1, "is required: the app's client secret from the Partner Dashboard"),
  SHOPIFY_APP_URL: z.url("must be the app's public https URL"),
  SCOPES: z.string().default("read_customers,write_customers,read_orders,read_customer_merge"),
  /** file:… (SQLite, the default) or postgresql://… */
  DATABASE_URL: z
    .string()
    .default("file:./prisma/data/dev.sqlite")
    .refine((v) => v.startsWith("file:") || /^postgres(ql)?:\/\//.test(v), {
      message: "must start with file: (SQLite) or postgresql:// (PostgreSQL)",
    }),
  REDIS_URL: z.string().default("redis://127.0.0.1:6379").refine((v) => /^rediss?:\/\//.test(v), {
    message: "must start with redis:// or rediss://",
  }),
  /** Key prefix for every BullMQ and lock key, so several apps or test runs can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").default("profile-sync"),
  CREDENTIALS_ENCRYPTION_KEY: key32,
  /** Customer-success logins for the internal /ops pages: "alice@corp:long-password,bob@corp:other-password". */
  OPS_CONSOLE_CREDENTIALS: opsCredentials,
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(8),
  /**
   * Customers synced at once per worker process in real time. Each waits mostly on Shopify and APSIS (the
   * limits are shared in Redis, not per process), so this is higher than WORKER_CONCURRENCY.
   */
  WORKER_REALTIME_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(32),
  /**
   * A destination that does not answer is waited out (app/queues/outage.server.ts): the first pause (ms), the
   * longest pause it doubles up to (ms), and how long an outage is waited out before its jobs fail (hours).
   */
  OUTAGE_FIRST_PAUSE_MS: z.coerce.number().int().min(10).max(600_000).default(15_000),
  OUTAGE_MAX_PAUSE_MS: z.coerce.number().int().min(10).max(3_600_000).default(300_000),
  OUTAGE_BUDGET_HOURS: z.coerce.number().positive().max(24 * 14).default(72),
  /** How long real-time sync waits after a customer's first change, so a burst becomes one write (ms). */
  REALTIME_COALESCE_MS: z.coerce.number().int().min(0).max(60_000).default(1_500),
  /**
   * How often each shop with APSIS One real-time sync is reconciled: customers Shopify changed since the last
   * pass that no sync wrote are synced (app/destinations/apsis/reconcile.server.ts), seconds.
   */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  /**
   * Write-back (app/destinations/apsis/writeback.server.ts): how often each shop that switched it on gets a pass,
   * seconds, and how many linked profiles one pass checks (one APSIS request each, under the account's limits).
   */
  WRITEBACK_INTERVAL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(60),
  WRITEBACK_PROFILES_PER_PASS: z.coerce.number().int().min(1).max(10_000).default(600),
  /**
   * Sandbox only: send every Shopify Admin request (https://{shop}/admin/…) to this base URL instead.
   * Unset in production. See README "Running against the Shopify sandbox".
   */
  SHOPIFY_ADMIN_TRANSPORT_URL: z.url().optional(),
  /** The App Bridge script the embedded pages load; the sandbox serves a stand-in. */
  APP_BRIDGE_URL: z.url().default("https://cdn.shopify.com/shopifycloud/app-bridge.js"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Adestra's XML-RPC endpoint; the demo and tests point it at the Adestra sandbox. */
  ADESTRA_BASE_URL: z.url().default("https://app.adestra.com/api/xmlrpc"),
  /**
   * The most requests per second the app allows itself per Adestra account, shared by every worker process
   * (a pace in Redis). Adestra publishes no figure: its "too frequent" fault (304) halves the pace, which then
   * creeps back up to this (docs/decisions/023-adestra-adaptive-pace.md).
   */
  ADESTRA_REQUESTS_PER_SECOND: z.coerce.number().positive().max(1000).default(20),
  /** A send reads stores with more customers than this through a bulk export, smaller ones page by page. */
  ADESTRA_BULK_EXPORT_THRESHOLD: z.coerce.number().int().min(0).default(2000),
  /**
   * A send of a store with at least this many customers goes through Adestra's contact.import (a CSV the app
   * serves, app/destinations/adestra/imports.server.ts); smaller stores are written contact by contact.
   */
  ADESTRA_IMPORT_THRESHOLD: z.coerce.number().int().min(1).default(5000),
  /** Rows per Adestra import file. */
  ADESTRA_IMPORT_ROWS_PER_FILE: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
  /** The first wait before an Adestra import is checked on the list (doubling after each check, up to a minute). */
  ADESTRA_IMPORT_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(5000),
  /**
   * How long after contact.import the app waits for a file's contacts to show on the list (and how long the
   * file's URL is valid): the rows still missing then are failures. Adestra gives no import status.
   */
  ADESTRA_IMPORT_CONFIRM_MS: z.coerce.number().int().min(100).max(7 * 86_400_000).default(4 * 3_600_000),
  /**
   * Once some of an import file's contacts are on the list, how long the list may show no more of them before
   * the rest count as refused by Adestra (failures), instead of waiting for ADESTRA_IMPORT_CONFIRM_MS.
   */
  ADESTRA_IMPORT_SETTLE_MS: z.coerce.number().int().min(10).max(86_400_000).default(15 * 60_000),
  /**
   * APSIS One's API base URL for every shop, overriding the one of the region the merchant chose (EU
   * https://api.apsis.one, APAC https://api-apac.apsis.one). Unset in production; the demo and tests point it at
   * the APSIS sandbox.
   */
  APSIS_BASE_URL: z.url().optional(),
  /** An APSIS Full Sync reads stores with more customers than this through a bulk export, smaller ones page by page. */
  APSIS_BULK_EXPORT_THRESHOLD: z.coerce.number().int().min(0).default(2000),
  /** An APSIS Full Sync of a store with at least this many customers goes through APSIS's bulk import (decision 031). */
  APSIS_IMPORT_THRESHOLD: z.coerce.number().int().min(1).default(5000),
  /** How often an APSIS import in progress is asked how it stands. */
  APSIS_IMPORT_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(3000),
  /** Rows per APSIS import file (files also stay under APSIS's 50 MB). */
  APSIS_IMPORT_ROWS_PER_FILE: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
});

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSee .env.example for every variable.`);
    this.name = "EnvError";
  }
}

let cached: Env | undefined;

/** Parses process.env once; throws EnvError listing every problem (never the values). */
export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  if (cached && source === process.env) return cached;
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`));
  }
  if (source === process.env) cached = result.data;
  return result.data;
}

/** For tests that change process.env between cases. */
export function resetEnvCache() {
  cached = undefined;
}
