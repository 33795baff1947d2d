/**
 * `npm run demo`: the full app (web + worker) against the local Shopify and Adestra sandboxes, SQLite, and
 * Redis, with a seeded store of 1,000 customers, already invited and connected to the Adestra sandbox's demo
 * account (core table "Shopify customers", unsub list 10), so Data Sync works at once. No Shopify or Adestra
 * account, no network.
 * The APSIS One sandbox runs too: connect it on the APSIS One page with the credentials printed at start.
 * Environment overrides: APP_PORT (3000), SANDBOX_PORT (3001), ADESTRA_PORT (3002), APSIS_PORT (3003), REDIS_URL,
 * DEMO_CUSTOMERS (1000).
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { DEMO_APSIS } from "../sandbox/apsis/server";
import { INSPECTION_PATH } from "../sandbox/inspection";
import { startStack } from "./stack";

const SHOP = "demo-store.myshopify.com";

/** Demo-only secrets, made once and kept in .data/ (gitignored) so the demo database stays readable. */
function demoSecrets(): { encryptionKey: string; opsPassword: string } {
  const file = ".data/demo-secrets.json";
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  mkdirSync(".data", { recursive: true });
  const secrets = { encryptionKey: randomBytes(32).toString("base64"), opsPassword: randomBytes(12).toString("base64url") };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

const secrets = demoSecrets();
const appPort = Number(process.env.APP_PORT ?? 3000);
const stack = await startStack({
  appPort,
  sandboxPort: Number(process.env.SANDBOX_PORT ?? 3001),
  adestraPort: Number(process.env.ADESTRA_PORT ?? 3002),
  apsisPort: Number(process.env.APSIS_PORT ?? 3003),
  databaseUrl: "file:./.data/demo.sqlite",
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  // Its own queues and schedulers per checkout: two demos on one Redis never take each other's jobs.
  redisPrefix: process.env.REDIS_PREFIX ?? `profile-sync-demo-${createHash("sha256").update(process.cwd()).digest("hex").slice(0, 8)}`,
  encryptionKey: secrets.encryptionKey,
  opsCredentials: `demo:${secrets.opsPassword}`,
  stores: [
    { domain: SHOP, name: "Demo Store", ianaTimezone: "Europe/Stockholm", currencyCode: "SEK", customers: Number(process.env.DEMO_CUSTOMERS ?? 1000), seed: 42 },
  ],
  invite: [SHOP],
  connectAdestra: [SHOP],
  quiet: false,
}).catch((error: Error) => {
  console.error(`\nThe demo could not start: ${error.message}`);
  process.exit(1);
});

console.log(`
  Demo is running. Open the app as the merchant of "${SHOP}":

      ${stack.sandbox.adminUrl(SHOP)}

  Customer success console: ${stack.appUrl}/ops   (user: demo, password: ${secrets.opsPassword})
  Adestra sandbox (XML-RPC): ${stack.adestra.xmlrpcUrl}   (account demo, user shopify, password sandbox-password)
  APSIS One sandbox: ${stack.apsis.url}   (connect it on the APSIS One page: region EU,
      client id ${DEMO_APSIS.clientId}
      client secret ${DEMO_APSIS.clientSecret})
  Shopify customers (edit one to send its webhooks; tick real-time sync on the APSIS One page first;
  a customer's page shows the app's "APSIS One sync" block, with Resync):
      ${stack.sandbox.adminUrl(SHOP)}/customers
  What the sandboxes hold (read-only pages, no credentials; add .json for JSON):
      APSIS One profiles, attributes, consents: ${stack.apsis.url}${INSPECTION_PATH}
      Adestra contacts, lists, unsub lists:     ${stack.adestra.url}${INSPECTION_PATH}
  Ctrl+C stops everything.
`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await stack.stop();
    process.exit(0);
  });
}
