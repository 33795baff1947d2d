/**
 * The app's webhook routes behind a real HTTP server in the test process, so the Shopify sandbox's webhook
 * sender delivers to them as Shopify would (real HMAC, real headers, real HTTP). Route modules are imported on
 * the first delivery, after the stack has set the environment they read.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebhookTopic } from "../../../app/shopify/webhook-topics";

async function toRequest(incoming: IncomingMessage, base: string) {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === "string") headers.set(name, value);
  return new Request(new URL(incoming.url ?? "/", base), { method: incoming.method, headers, body: Buffer.concat(chunks) });
}

export async function startWebhookEndpoint() {
  const server = createServer(async (incoming, outgoing) => {
    const { ROUTES } = await import("../webhooks/deliveries");
    const topic = (incoming.url ?? "").replace(/^\/webhooks\//, "") as WebhookTopic;
    const route = ROUTES[topic];
    if (!route) {
      outgoing.writeHead(404).end();
      return;
    }
    let response: Response;
    try {
      response = await route.action({ request: await toRequest(incoming, url), params: {}, context: {} });
    } catch (thrown) {
      if (!(thrown instanceof Response)) {
        outgoing.writeHead(500).end(String(thrown));
        return;
      }
      response = thrown;
    }
    outgoing.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
