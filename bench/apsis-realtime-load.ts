/**
 * Sender child of bench/apsis-realtime.ts: posts webhook deliveries to the app's web server, signed and with the
 * headers as the Shopify sandbox's sender (sandbox/shopify/webhooks/sender.ts) sends them, with Shopify's 5 s
 * timeout. It runs in its own process so the client's timing does not share an event loop with the sandboxes.
 * Response time: from handing the request to fetch to the whole answer.
 *  - `tsx bench/apsis-realtime-load.ts <deliveries.json>`: posts prepared deliveries open loop (each at its
 *    scheduled time, whatever the earlier ones are doing) and prints one JSON line: response times, status
 *    counts, and how late the generator itself was against its schedule. The file:
 *    { url, secret, ratePerSecond, deliveries: [{ topic, shop, eventId, triggeredAt, body }] }
 *  - `node --import tsx bench/apsis-realtime-load.ts --ipc`: posts each delivery the parent sends over IPC at
 *    once ({ init: { url, secret } }, then { delivery }, then { done }); answers { ready } and at the end
 *    { results: [eventId, status, ms][] }.
 */
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { WEBHOOK_API_VERSION } from "../sandbox/shopify/webhooks/payloads";

export type PreparedDelivery = { topic: string; shop: string; eventId: string; triggeredAt: string; body: string };
export type LoadFile = { url: string; secret: string; ratePerSecond: number; deliveries: PreparedDelivery[] };
export type LoadResult = { sent: number; seconds: number; responseMs: number[]; statuses: Record<string, number>; lagMs: { p99: number; max: number } };

const TIMEOUT_MS = 5_000;

export function signedRequest(url: string, secret: string, d: PreparedDelivery): [string, RequestInit] {
  return [
    `${url.replace(/\/$/, "")}/webhooks/${d.topic}`,
    {
      method: "POST",
      body: d.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "x-shopify-hmac-sha256": createHmac("sha256", secret).update(d.body, "utf8").digest("base64"),
        "x-shopify-topic": d.topic,
        "x-shopify-shop-domain": d.shop,
        "x-shopify-api-version": WEBHOOK_API_VERSION,
        "x-shopify-webhook-id": randomUUID(),
        "x-shopify-event-id": d.eventId,
        "x-shopify-triggered-at": d.triggeredAt,
      },
    },
  ];
}

/** Posts one delivery; resolves to [HTTP status (0: no answer within 5 s or unreachable), response time ms]. */
export async function post(url: string, secret: string, d: PreparedDelivery): Promise<[number, number]> {
  const [target, init] = signedRequest(url, secret, d);
  const started = performance.now();
  try {
    const response = await fetch(target, init);
    await response.arrayBuffer();
    return [response.status, performance.now() - started];
  } catch {
    return [0, performance.now() - started];
  }
}

async function main(file: string) {
  const load = JSON.parse(readFileSync(file, "utf8")) as LoadFile;
  const responseMs: number[] = [];
  const statuses: Record<string, number> = {};
  const lags: number[] = [];
  const inFlight: Promise<void>[] = [];
  const interval = 1000 / load.ratePerSecond;
  const t0 = performance.now() + 50;
  for (let i = 0; i < load.deliveries.length; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    lags.push(Math.max(0, performance.now() - due));
    inFlight.push(
      post(load.url, load.secret, load.deliveries[i]).then(([status, ms]) => {
        responseMs.push(ms);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(inFlight);
  lags.sort((a, b) => a - b);
  const result: LoadResult = {
    sent: load.deliveries.length,
    seconds,
    responseMs,
    statuses,
    lagMs: { p99: lags[Math.min(lags.length - 1, Math.ceil(0.99 * lags.length) - 1)] ?? 0, max: lags.at(-1) ?? 0 },
  };
  console.log(JSON.stringify(result));
}

export type IpcMessage = { init: { url: string; secret: string } } | { delivery: PreparedDelivery } | { done: true };
export type IpcResults = { results: [eventId: string, status: number, ms: number][] };

function serveIpc() {
  let target = { url: "", secret: "" };
  const results: IpcResults["results"] = [];
  const inFlight = new Set<Promise<void>>();
  process.on("message", (message: IpcMessage) => {
    if ("init" in message) {
      target = message.init;
      process.send!({ ready: true });
    } else if ("delivery" in message) {
      const { eventId } = message.delivery;
      const request = post(target.url, target.secret, message.delivery).then(([status, ms]) => {
        results.push([eventId, status, ms]);
      });
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
    } else {
      void Promise.all(inFlight).then(() => process.send!({ results } satisfies IpcResults, () => process.exit(0)));
    }
  });
}

if (process.argv[1]?.endsWith("apsis-realtime-load.ts")) {
  if (process.argv[2] === "--ipc") serveIpc();
  else {
    await main(process.argv[2]);
    process.exit(0);
  }
}
