import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { parseEnv } from "./env.server";
import { closeQueues } from "./queues/enqueue.server";
import { addDocumentResponseHeaders, sessionStorage } from "./shopify.server";

// First thing at boot: a missing or malformed variable stops the server here, with every problem listed,
// instead of surfacing later as a confusing failure in some request.
const env = parseEnv();

export const streamTimeout = 5000;

/**
 * Called by server.mjs once it has stopped accepting connections and the requests in flight have finished
 * (SIGTERM/SIGINT): the app's own connections (Redis for the queues and locks, the database) would otherwise keep
 * the process alive forever. Closing them lets the process exit by itself.
 */
export async function closeAppConnections() {
  await closeQueues();
  await globalThis.__redis?.quit();
  await globalThis.__db?.$disconnect();
}

// Shopify tokens stored before they were encrypted at rest are encrypted now, not only when their shop comes back.
// Every web process does it at start-up; the rewrite is a compare-and-set, so two at once are harmless.
sessionStorage.encryptStoredTokens().then(
  (count) => count && console.log(`Encrypted the Shopify tokens of ${count} stored session(s)`),
  (error) => console.warn("Could not encrypt the stored Shopify sessions at start-up; they are encrypted when next read:", error),
);

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
    // Let the rejection of pending deferred data happen first (streamTimeout), then abort rendering. Unref'd: a
    // finished render must not keep a shutting-down process alive for these seconds.
    setTimeout(abort, streamTimeout + 1000).unref();
  });
}
