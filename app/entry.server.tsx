import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { parseEnv } from "./env.server";
import { closeQueues } from "./queues/enqueue.server";
import { addDocumentResponseHeaders } from "./shopify.server";

// First thing at boot: a missing or malformed variable stops the server here, with every problem listed,
// instead of surfacing later as a confusing failure in some request.
const env = parseEnv();

export const streamTimeout = 5000;

/**
 * remix-serve stops accepting connections on SIGTERM/SIGINT; the app's own connections (Redis for the queues
 * and locks, the database) would keep the process alive forever. They are closed a moment later, once the
 * requests in flight (webhooks answer in milliseconds) have finished, and the process then exits by itself.
 */
const CLOSE_AFTER_SIGNAL_MS = 1_000;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    setTimeout(async () => {
      await closeQueues();
      await globalThis.__redis?.quit();
      await globalThis.__db?.$disconnect();
    }, CLOSE_AFTER_SIGNAL_MS).unref();
  });
}

const CDN_APP_BRIDGE = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  addDocumentResponseHeaders(request, responseHeaders);
  // The library preloads the CDN's App Bridge; preload the one the page actually loads (APP_BRIDGE_URL, decision 006).
  if (env.APP_BRIDGE_URL !== CDN_APP_BRIDGE && responseHeaders.get("Link")?.includes(CDN_APP_BRIDGE)) {
    responseHeaders.set("Link", `<${env.APP_BRIDGE_URL}>; rel="preload"; as="script";`);
  }
  const userAgent = request.headers.get("user-agent");
  // Bots get the whole document at once; browsers get the shell as soon as it is ready.
  const callbackName = isbot(userAgent ?? "") ? "onAllReady" : "onShellReady";

  return new Promise<Response>((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} />, {
      [callbackName]: () => {
        const body = new PassThrough();
        const stream = createReadableStreamFromReadable(body);
        responseHeaders.set("Content-Type", "text/html");
        resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
        pipe(body);
      },
      onShellError(error: unknown) {
        reject(error);
      },
      onError(error: unknown) {
        responseStatusCode = 500;
        console.error(error);
      },
    });
    // Let the rejection of pending deferred data happen first (streamTimeout), then abort rendering.
    setTimeout(abort, streamTimeout + 1000);
  });
}
