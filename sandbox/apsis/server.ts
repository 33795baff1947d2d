/**
 * The APSIS One sandbox: a local HTTP server (node:http) that behaves as APSIS One's documented API does, so the
 * app's APSIS client runs and is tested with no APSIS account and no network. See README.md.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { APSIS_MAX_BODY_BYTES } from "../../app/destinations/apsis/client/event-batches";
import { TOKEN_PATH } from "../../app/destinations/apsis/client/token";
import { servesInspection } from "../inspection";
import { readBody, sendJson, sendText } from "../shopify/http";
import { type ApsisSandboxAccount, SandboxAccount } from "./account";
import type { ApsisSandboxAccountConfig } from "./config";
import { consentRoutes } from "./consents";
import { definitionRoutes } from "./definitions";
import { handleUpload, importRoutes, UPLOAD_PATH } from "./imports";
import { handleApsisInspection } from "./inspection";
import { ApsisProblem, sendProblem, tooManyRequests } from "./problem";
import { profileRoutes } from "./profile-routes";
import { matchRoute, type Route, type SandboxRuntime } from "./routes";
import { authenticate, handleToken } from "./tokens";

export type { ApsisSandboxAccount, ApsisSandboxLimits, ApsisSandboxProfile, ApsisSandboxSectionData, ApsisSandboxStats } from "./account";
export type { ApsisSandboxAccountConfig } from "./config";
export type { ApsisSandboxImport } from "./import-model";
export { DEMO_APSIS, demoApsisAccount } from "./demo";

const OptionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().default("127.0.0.1"),
  accounts: z.array(z.custom<ApsisSandboxAccountConfig>((value) => typeof value === "object" && value !== null)).min(1),
  /** Per account; over any of them the request is answered 429 with Retry-After (seconds). */
  limits: z
    .object({
      accountPerSecond: z.number().positive().default(100),
      profilePerSecond: z.number().positive().default(10),
      tokenPerMinute: z.number().positive().default(10),
      importsPerMinute: z.number().positive().default(10),
    })
    .prefault({}),
  /** Lifetime of issued tokens (APSIS: up to 24 hours). */
  tokenTtlSeconds: z.number().int().positive().default(86_400),
  /** How long an import's upload URL works. */
  uploadUrlTtlSeconds: z.number().int().positive().default(3_600),
  /** Time between an import's status steps (queued → in_progress → completed). */
  importStepMs: z.number().int().min(0).default(50),
  /** One line per request (the CLI's --verbose). */
  log: z.custom<(line: string) => void>((value) => typeof value === "function").optional(),
});

export type ApsisSandboxOptions = z.input<typeof OptionsSchema>;

export interface ApsisSandbox {
  /** http://127.0.0.1:PORT: the client's baseUrl. */
  url: string;
  account(clientId: string): ApsisSandboxAccount;
  close(): Promise<void>;
}

/**
 * APSIS's request body limit, "≤ 100 kB (else 413)" (docs/apis/apsis-one-api.md §9.1), read strictly: 100,000
 * bytes (kB, not KiB). The app's client splits below the same figure (client/event-batches.ts).
 */
const MAX_BODY_BYTES = APSIS_MAX_BODY_BYTES;

const ROUTES: Route[] = [...definitionRoutes, ...profileRoutes, ...consentRoutes, ...importRoutes];

export async function startApsisSandbox(input: ApsisSandboxOptions): Promise<ApsisSandbox> {
  const options = OptionsSchema.parse(input);
  const log = options.log ?? (() => {});
  const accounts = new Map<string, SandboxAccount>();
  for (const config of options.accounts) {
    const account = new SandboxAccount(config, options.limits);
    if (accounts.has(account.config.clientId)) throw new Error(`The client id ${account.config.clientId} is configured twice.`);
    accounts.set(account.config.clientId, account);
  }
  const timers = new Set<NodeJS.Timeout>();
  const runtime: SandboxRuntime = {
    url: "",
    uploadUrlTtlSeconds: options.uploadUrlTtlSeconds,
    importStepMs: options.importStepMs,
    schedule(task, ms) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        task();
      }, ms);
      timers.add(timer);
    },
  };

  const server = createServer((request, response) => {
    response.on("finish", () => log(`${request.method} ${request.url} → ${response.statusCode}`));
    handle(request, response).catch((error: Error) => {
      if (error instanceof ApsisProblem) return sendProblem(response, error);
      log(`error: ${error.stack ?? error.message}`);
      if (!response.headersSent) sendProblem(response, new ApsisProblem(500, "The sandbox failed: see its log"));
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://sandbox");
    const method = request.method ?? "GET";
    if (servesInspection(options.host, url.pathname)) return handleApsisInspection(request, response, url, accounts);
    if (url.pathname === TOKEN_PATH || url.pathname === UPLOAD_PATH) {
      if (method !== "POST") return sendText(response, 405, "text/plain", "Method Not Allowed", { allow: "POST" });
      if (url.pathname === TOKEN_PATH) return handleToken(request, response, { accounts, issuer: runtime.url, ttlSeconds: options.tokenTtlSeconds });
      return handleUpload(request, response, accounts, runtime);
    }

    const account = authenticate(request.headers.authorization, accounts);
    const match = matchRoute(ROUTES, method, url.pathname);
    if (!match || "allow" in match) {
      account.count(`${method} (unknown path)`);
      if (!match) throw new ApsisProblem(404, `No resource at ${url.pathname}`);
      throw new ApsisProblem(405, `${method} is not allowed here`, { allow: match.allow.join(", ") });
    }
    const { route, params } = match;
    const endpoint = `${route.method} ${route.template}`;
    account.count(endpoint);
    try {
      const failure = account.takeFailure(endpoint);
      if (failure) throw new ApsisProblem(failure, "Simulated failure (setFailure)");
      const accountWait = account.admit("account");
      if (accountWait > 0) throw tooManyRequests(`Account request limit reached (${options.limits.accountPerSecond} per second)`, accountWait);
      if (params.profileKey !== undefined) {
        const profileWait = account.admit("profile", `${params.keyspace}\n${params.profileKey}`);
        if (profileWait > 0) throw tooManyRequests(`Profile request limit reached (${options.limits.profilePerSecond} per second per profile key)`, profileWait);
      }
      const body = route.body ? await readJsonBody(request, route.body) : undefined;
      const reply = route.handle({ account, params, body, query: url.searchParams, sandbox: runtime });
      if (reply.body === undefined) response.writeHead(reply.status, { "content-length": 0 }).end();
      else sendJson(response, reply.status, reply.body);
    } catch (error) {
      if (error instanceof ApsisProblem && error.status === 429) account.count429();
      throw error;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  runtime.url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;

  return {
    url: runtime.url,
    account(clientId) {
      const account = accounts.get(clientId);
      if (!account) throw new Error(`The APSIS sandbox has no account with client id '${clientId}' (it has ${[...accounts.keys()].join(", ")}).`);
      return account;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A JSON body of at most 100 kB (413 beyond), of the content type the route takes (415 otherwise). */
async function readJsonBody(request: IncomingMessage, kind: "json" | "merge-patch"): Promise<unknown> {
  const contentType = request.headers["content-type"] ?? "";
  const accepted = kind === "merge-patch" ? ["application/merge-patch+json", "application/json"] : ["application/json"];
  if (!accepted.some((type) => contentType.startsWith(type))) throw new ApsisProblem(415, `Content-Type must be ${accepted.join(" or ")}`);
  const tooLarge = new ApsisProblem(413, `The request body is larger than ${MAX_BODY_BYTES / 1000} kB`);
  if (Number(request.headers["content-length"] ?? 0) > MAX_BODY_BYTES) throw tooLarge;
  const text = await readBody(request).catch(() => {
    throw tooLarge; // readBody gives up at 2 MB
  });
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw tooLarge;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApsisProblem(400, "The request body is not valid JSON");
  }
}
