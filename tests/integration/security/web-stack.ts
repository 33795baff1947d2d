/**
 * The whole app as it runs in production, for attack tests: the built web app (server.mjs under remix-serve) and
 * the worker as real processes (scripts/stack.ts), on this test file's database and Redis prefix, against the
 * Shopify, Adestra and APSIS One sandboxes in this process (so their state can be inspected). Requests reach the
 * web process over HTTP as the embedded admin sends them (a session token signed for one shop in the
 * Authorization header, Remix's `?_data=` for loader and action answers), or as any browser does (browserFetch).
 */
import { freePort, startStack } from "../../../scripts/stack";
import type { SandboxStoreConfig } from "../../../sandbox/shopify/server";
import { mintSessionToken } from "../../../sandbox/shopify/tokens";

/** The Shopify library answers bots (Node's own user agent among them) with 410 Gone: we are the admin's browser. */
export const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/** The ops console's users ("username:password"). */
export const OPS_USERS = { cs: "cs@example.com:correct-horse-battery", other: "other@example.com:other-password-456" };

/** `fetch` as a browser: with a browser's user agent (the caller's headers win). */
export function browserFetch(url: string | URL, init: RequestInit = {}) {
  return fetch(url, { ...init, headers: { "User-Agent": BROWSER, ...(init.headers as Record<string, string> | undefined) } });
}

/** A route's answer; a body that is not JSON is kept as `{ text }` for the failure message. */
export type Answer = { status: number; headers: Headers; body: Record<string, any> };

type EmbeddedInit = { method?: string; body?: BodyInit | null; headers?: Record<string, string>; duplex?: "half" };

export async function startWeb({ stores, invite, connectAdestra = [] }: { stores: SandboxStoreConfig[]; invite: string[]; connectAdestra?: string[] }) {
  // The stack migrates this database in a process of its own: SQLite's migration engine wants it to itself.
  await globalThis.__db?.$disconnect();
  globalThis.__db = undefined;
  const stack = await startStack({
    appPort: await freePort(),
    sandboxPort: await freePort(),
    databaseUrl: process.env.DATABASE_URL!,
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    redisPrefix: process.env.REDIS_PREFIX!,
    // This process's key too: a test can seal a secret the app opens, and open what the app sealed.
    encryptionKey: process.env.CREDENTIALS_ENCRYPTION_KEY!,
    opsCredentials: `${OPS_USERS.cs},${OPS_USERS.other}`,
    stores,
    invite,
    connectAdestra,
    quiet: true,
  });

  /** A session token for `shop`, signed as Shopify's admin signs them (the sandbox checks the claims a real one has). */
  const sessionToken = (shop: string) => mintSessionToken({ shop, apiKey: stack.env.SHOPIFY_API_KEY!, apiSecret: stack.env.SHOPIFY_API_SECRET! });

  /** A route's loader (GET) or action as the embedded page's fetcher calls it, from the app's own origin. */
  async function embedded(shop: string, path: string, init: EmbeddedInit = {}): Promise<Answer> {
    const url = new URL(path, stack.appUrl);
    // Remix answers a route's data as JSON when asked with ?_data=<route id> (/app/apsis → routes/app.apsis).
    if (!url.pathname.startsWith("/api/")) url.searchParams.set("_data", `routes/${url.pathname.slice(1).replace(/\//g, ".")}`);
    const response = await browserFetch(url, {
      ...init,
      headers: { Authorization: `Bearer ${sessionToken(shop)}`, Origin: stack.appUrl, ...init.headers },
      redirect: "manual",
    } as RequestInit);
    const text = await response.text();
    let body: Record<string, any>;
    try {
      body = JSON.parse(text);
    } catch {
      body = { text };
    }
    return { status: response.status, headers: response.headers, body };
  }

  /** An embedded page's action with these form fields. */
  const post = (shop: string, path: string, fields: Record<string, string>) => embedded(shop, path, { method: "POST", body: new URLSearchParams(fields) });

  return { stack, sessionToken, embedded, post, close: () => stack.stop() };
}
export type Web = Awaited<ReturnType<typeof startWeb>>;
