/**
 * The Shopify sandbox: a local HTTP server standing in for Shopify (a store's Admin API, OAuth token
 * endpoint, bulk files, webhooks to the app, and the admin frame with an App Bridge stand-in), so the app
 * runs and is tested end to end with no Shopify account and no network. See README.md.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IANAZone } from "luxon";
import { z } from "zod";
import { BulkOperations } from "./bulk/bulk-operations";
import type { SandboxContext } from "./context";
import { adminSchema, ADMIN_API_VERSION } from "./graphql/schema";
import { sendJson } from "./http";
import { handleAdminBlock, matchAdminBlockRoute } from "./routes/admin-blocks";
import { handleAdminEntry, handleAppBridgeScript, handleHome, handleSessionToken, handleSessionTokenPreflight } from "./routes/admin";
import { type CustomerAdmin, createCustomerAdmin, matchCustomerRoute } from "./routes/customers";
import { BULK_URL_TTL_SECONDS, type BulkFileSigner, bulkFileUrl, handleBulkFile } from "./routes/bulk-files";
import { handleGraphql } from "./routes/graphql";
import { handleAccessToken } from "./routes/oauth";
import { emptyStats, type ShopRuntime, type ShopStats } from "./shop-runtime";
import { SandboxStore } from "./store";
import { DEFAULT_THROTTLE, LeakyBucket } from "./throttle";
import { ShopTokens } from "./tokens";
import { WebhookPayloads } from "./webhooks/payloads";
import { WebhookSender } from "./webhooks/sender";

export type { SandboxStoreConfig } from "./store";
export type { SandboxStore } from "./store";
export type { WebhookSender } from "./webhooks/sender";
export type { ShopStats } from "./shop-runtime";

const StoreSchema = z.object({
  domain: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "a *.myshopify.com domain"),
  name: z.string().min(1),
  ianaTimezone: z.string().refine((zone) => IANAZone.isValidZone(zone), "an IANA time zone"),
  currencyCode: z.string().regex(/^[A-Z]{3}$/).optional(),
  customers: z.number().int().min(0).max(50_000_000),
  seed: z.number().int(),
  now: z.iso.datetime().optional(),
});

const OptionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().default("127.0.0.1"),
  app: z.object({
    apiKey: z.string().min(1),
    apiSecret: z.string().min(1),
    url: z.url(),
    /** The scopes access tokens carry (comma-separated, as Shopify reports them). */
    scopes: z.string().default("read_customers,read_orders"),
  }),
  stores: z.array(StoreSchema).min(1),
  throttle: z.object({ maximumAvailable: z.number().positive(), restoreRate: z.number().min(0) }).default(DEFAULT_THROTTLE),
  accessTokenTtlSeconds: z.number().int().positive().default(3600),
  /** Where bulk JSONL files go; default a temporary directory removed by close(). */
  dataDir: z.string().optional(),
  /** How long bulk file URLs stay valid (Shopify: 7 days). */
  bulkUrlTtlSeconds: z.number().int().positive().default(BULK_URL_TTL_SECONDS),
  /** One line per request and per webhook attempt (the CLI's --verbose). */
  log: z.custom<(line: string) => void>((value) => typeof value === "function").optional(),
});

export type ShopifySandboxOptions = z.input<typeof OptionsSchema>;

export interface ShopifySandbox {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `${url}/app-bridge.js` */
  appBridgeUrl: string;
  /** `${url}/admin/${shop}`: opens the app as that shop's merchant. */
  adminUrl(shop: string): string;
  store(shop: string): SandboxStore;
  webhooks: WebhookSender;
  stats(shop: string): ShopStats;
  /** Makes every access token issued so far for the shop expired (refresh tokens stay valid). */
  expireAccessTokens(shop: string): void;
  /** Test fault: from now on the first download of each bulk file is cut after `bytes` bytes (null: off). */
  cutBulkDownloads(bytes: number | null): void;
  close(): Promise<void>;
}

export async function startShopifySandbox(input: ShopifySandboxOptions): Promise<ShopifySandbox> {
  const options = OptionsSchema.parse(input);
  adminSchema(); // half a second, once: better at start than on the first request
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "shopify-sandbox-")));
  const log = options.log ?? (() => {});

  const shops = new Map<string, ShopRuntime>();
  const context: SandboxContext = { app: options.app, url: "", shops };
  const runtimeOf = (shop: string): ShopRuntime => {
    const runtime = shops.get(shop);
    if (!runtime) throw new Error(`The Shopify sandbox has no shop '${shop}' (it has ${[...shops.keys()].join(", ")}).`);
    return runtime;
  };
  const payloads = new WebhookPayloads((shop) => runtimeOf(shop).store);
  const webhooks = new WebhookSender(options.app, payloads, (attempt) =>
    log(`webhook ${attempt.topic} ${attempt.shop} -> ${attempt.status}${attempt.error ? ` (${attempt.error})` : ""}`),
  );
  const signer: BulkFileSigner = { key: randomBytes(32), dataDir, baseUrl: () => context.url, ttlSeconds: options.bulkUrlTtlSeconds, cutDownloadsAfterBytes: null, cut: new Set() };
  const customerAdmin = createCustomerAdmin(context, webhooks);

  for (const config of options.stores) {
    if (shops.has(config.domain)) throw new Error(`The store ${config.domain} is configured twice.`);
    const store = new SandboxStore(config);
    shops.set(config.domain, {
      store,
      tokens: new ShopTokens(options.app.scopes, options.accessTokenTtlSeconds),
      bucket: new LeakyBucket(options.throttle),
      bulk: new BulkOperations({
        runtime: () => runtimeOf(config.domain),
        dataDir,
        fileUrl: (fileName) => bulkFileUrl(signer, fileName),
        onFinish: async (operation) => {
          await webhooks.send(payloads.bulkOperationsFinish(config.domain, operation));
        },
      }),
      stats: emptyStats(),
      onCustomersMerged: (merge) => {
        webhooks.send(payloads.customersMerge(config.domain, merge)).catch((error: Error) => log(`webhook customers/merge failed: ${error.message}`));
      },
    });
  }

  const server = createServer((request, response) => {
    const started = Date.now();
    response.on("finish", () => log(`${request.method} ${request.url?.split("?")[0]} -> ${response.statusCode} ${Date.now() - started}ms`));
    route(context, signer, customerAdmin, webhooks, request, response).catch((error: Error) => {
      log(`error: ${error.stack ?? error.message}`);
      if (!response.headersSent) sendJson(response, 500, { errors: "Internal Server Error" });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  context.url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;

  return {
    url: context.url,
    appBridgeUrl: `${context.url}/app-bridge.js`,
    adminUrl: (shop) => `${context.url}/admin/${shop}`,
    store: (shop) => runtimeOf(shop).store,
    webhooks,
    stats: (shop) => ({ ...runtimeOf(shop).stats }),
    expireAccessTokens: (shop) => runtimeOf(shop).tokens.expireAccessTokens(),
    cutBulkDownloads(bytes) {
      signer.cutDownloadsAfterBytes = bytes;
      signer.cut.clear();
    },
    async close() {
      await Promise.all([...shops.values()].map((runtime) => runtime.bulk.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const STORE_PATH = /^\/store\/([^/]+)\/admin\/(.*)$/;

async function route(
  context: SandboxContext,
  signer: BulkFileSigner,
  customerAdmin: CustomerAdmin,
  webhooks: WebhookSender,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", context.url);
  const { pathname } = url;
  const method = request.method ?? "GET";
  const notFound = () => sendJson(response, 404, { errors: "Not Found" });

  const storeMatch = STORE_PATH.exec(pathname);
  if (storeMatch) {
    const runtime = context.shops.get(storeMatch[1]);
    const rest = storeMatch[2];
    if (!runtime) return notFound();
    if (rest === "oauth/access_token" && method === "POST") return handleAccessToken(context, runtime, request, response);
    const graphql = /^api\/([^/]+)\/graphql\.json$/.exec(rest);
    if (graphql && method === "POST") {
      if (graphql[1] !== ADMIN_API_VERSION) return sendJson(response, 404, { errors: `Not Found: the Shopify sandbox serves Admin API ${ADMIN_API_VERSION} only` });
      return handleGraphql(runtime, request, response, webhooks);
    }
    return notFound();
  }
  if (method === "OPTIONS" && pathname === "/session-token") return handleSessionTokenPreflight(context, request.headers.origin, response);
  // The admin's customer pages (GET and POST): routes/customers.ts.
  const customers = matchCustomerRoute(pathname);
  if (customers) return customerAdmin.handle(customers, request, response, url);
  if (method !== "GET") return notFound();
  if (pathname === "/") return handleHome(context, response);
  const adminBlock = matchAdminBlockRoute(pathname);
  if (adminBlock) return handleAdminBlock(context, adminBlock, response);
  if (pathname === "/app-bridge.js") return handleAppBridgeScript(response);
  if (pathname === "/session-token") return handleSessionToken(context, url, request.headers.origin, response);
  const admin = /^\/admin\/([^/]+)\/?$/.exec(pathname);
  if (admin && context.shops.has(admin[1])) return handleAdminEntry(context, admin[1], response);
  const bulkFile = /^\/bulk\/([\w.-]+\.jsonl)$/.exec(pathname);
  if (bulkFile) return handleBulkFile(signer, bulkFile[1], url, request.headers.range, response);
  return notFound();
}
