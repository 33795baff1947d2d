/**
 * The web process (`npm start`, and the demo and test stack): the built Remix app behind express, as remix-serve
 * serves it (compression, the build's assets for a year, public/ for an hour, PORT and HOST), with three
 * differences that are why it exists (docs/decisions/015-embedded-requests-and-shopify-tokens.md):
 *  - the access log never holds a token: Shopify opens every page with its session token in the URL (`id_token`),
 *    and OAuth, webhooks and the login carry `code`, `hmac`, `session`, `state`, …; their values are redacted;
 *  - a state-changing request from another site's page (its Origin is not ours) is refused with a clear 403
 *    before Remix sees it, instead of Remix's bare 500 (its own CSRF check) or, for data requests that Remix
 *    does not check, the action running;
 *  - `clientAddress` (the socket's peer) is in Remix's load context, for the /ops console's lockout.
 * On SIGTERM/SIGINT it stops accepting connections, lets the requests in flight finish, then closes the app's
 * Redis and database connections (entry.server.tsx's closeAppConnections), so the process exits by itself.
 *
 * Usage: node server.mjs [build/index.js]
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import { installGlobals } from "@remix-run/node";
import compression from "compression";
import express from "express";
import morgan from "morgan";
import sourceMapSupport from "source-map-support";
import { exitWithLauncher } from "./scripts/exit-with-launcher.mjs";

// Started by `npm start`: a SIGKILL of npm takes this process with it.
exitWithLauncher();

process.env.NODE_ENV = process.env.NODE_ENV ?? "production";

// Stack traces point into app/ sources, as with remix-serve.
sourceMapSupport.install({
  retrieveSourceMap(source) {
    if (!source.startsWith("file://")) return null;
    const mapPath = `${fileURLToPath(source)}.map`;
    return existsSync(mapPath) ? { url: source, map: readFileSync(mapPath, "utf8") } : null;
  },
});

/** Query parameters whose values are credentials: these names, and any name containing one of the words. */
const SECRET_PARAMETERS = new Set(["id_token", "session", "hmac", "signature", "code", "state", "token", "password"]);
const SECRET_WORDS = /token|secret|password|signature|hmac|session/i;
/** A JWT wherever it appears (in the path, or inside another parameter's value). */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const REDACTED = "REDACTED";
/** A parameter's value may be a URL with its own query (the bounce page's `shopify-reload`): redacted as well. */
const NESTED_URL_DEPTH = 2;

function redactQuery(query, depth) {
  const pairs = [...new URLSearchParams(query)].map(([name, value]) => {
    const secret = SECRET_PARAMETERS.has(name.toLowerCase()) || SECRET_WORDS.test(name);
    return [name, secret ? REDACTED : redactUrl(value, depth - 1)];
  });
  return new URLSearchParams(pairs).toString();
}

/** The request URL as it may be logged: no credential in its query, no JWT anywhere. */
function redactUrl(url, depth = NESTED_URL_DEPTH) {
  const queryAt = url.indexOf("?");
  if (queryAt === -1 || depth < 0) return url.replace(JWT, REDACTED);
  return `${url.slice(0, queryAt).replace(JWT, REDACTED)}?${redactQuery(url.slice(queryAt + 1), depth)}`;
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/**
 * Routes called from other origins on purpose: the Shopify admin extension's endpoint (/api/…) answers CORS and
 * authenticates every call by its `Authorization: Bearer` session token, which no cross-site form can send.
 */
const CROSS_ORIGIN_PREFIXES = ["/api/"];

/** The path as Remix will route it (@remix-run/express builds a URL the same way): /api/../app is /app. */
function routedPath(req) {
  try {
    return new URL(`http://localhost${req.originalUrl}`).pathname;
  } catch {
    return ""; // Not a path Remix can route: no exemption.
  }
}

/**
 * Whether a browser sent this state-changing request from another site. The comparison is Remix's own
 * (throwIfPotentialCSRFAttack: the Origin's host against X-Forwarded-Host, else Host), so nothing Remix would
 * refuse with a 500 gets past this; unlike Remix it covers data requests (`?_data=`) and resource routes too.
 * A request without Origin is not a browser's cross-site one (browsers send Origin with every cross-origin POST);
 * the embedded routes refuse such writes anyway unless they carry the session token in the Authorization header.
 */
function isCrossSiteWrite(req) {
  if (!STATE_CHANGING.has(req.method)) return false;
  const origin = req.get("origin");
  if (origin === undefined) return false;
  if (CROSS_ORIGIN_PREFIXES.some((prefix) => routedPath(req).startsWith(prefix))) return false;
  const host = req.get("x-forwarded-host")?.split(",")[0]?.trim() || req.get("host");
  let originHost;
  try {
    originHost = new URL(origin).host;
  } catch {
    return true; // "null" (a sandboxed or privacy-stripped page) or garbage: not our page.
  }
  return !host || originHost !== host;
}

const buildPath = resolve(process.argv[2] ?? "build/index.js");
const build = await import(pathToFileURL(buildPath).href);
installGlobals({ nativeFetch: build.future.v3_singleFetch });

const app = express();
app.disable("x-powered-by");
app.use(compression());
app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }));
app.use(express.static("public", { maxAge: "1h" }));
// morgan's "tiny" format, with the URL redacted.
morgan.token("redacted-url", (req) => redactUrl(req.originalUrl ?? req.url));
app.use(morgan(":method :redacted-url :status :res[content-length] - :response-time ms"));
app.use((req, res, next) => {
  if (!isCrossSiteWrite(req)) return next();
  res
    .status(403)
    .set({ "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" })
    .send("This request came from another website and was refused. Open the app from your Shopify admin and try again.");
});
app.all(
  "*",
  createRequestHandler({
    build,
    mode: process.env.NODE_ENV,
    getLoadContext: (req) => ({ clientAddress: req.socket.remoteAddress }),
  }),
);

const port = Number(process.env.PORT) || 3000;
const onListen = () => console.log(`[server] http://${process.env.HOST || "localhost"}:${port}`);
const server = process.env.HOST ? app.listen(port, process.env.HOST, onListen) : app.listen(port, onListen);

/**
 * Lingering close. A body refused before it was read (413, app/utils/request-body.server.ts) is answered with
 * `Connection: close`, and Node then destroys the socket as soon as the answer is flushed: with the client's
 * upload still arriving, the kernel answers it with a reset, which can destroy our answer before the client has
 * read it (the client sees EPIPE/ECONNRESET instead of the 413 and its message). So the socket's sending side is
 * closed (FIN after the answer) and what still arrives is read and dropped (Node's parser discards the refused
 * body) for at most LINGER_MS, then the socket is destroyed. Nothing is buffered, and a client cannot hold it longer.
 */
const LINGER_MS = 2_000;
server.on("connection", (socket) => {
  socket.destroySoon = function lingeringClose() {
    this.end();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
});

/** Requests still running this long after the signal are cut off (webhooks answer in milliseconds). */
const SHUTDOWN_GRACE_MS = 10_000;
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.close(async (error) => {
      if (error) console.error(error);
      await build.entry.module.closeAppConnections?.().catch((closeError) => console.error(closeError));
    });
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  });
}
