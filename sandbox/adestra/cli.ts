/**
 * Runs the Adestra sandbox on its own with the demo account:
 *   npx tsx sandbox/adestra/cli.ts [--port 3002] [--host 127.0.0.1] [--requests-per-second N] [--verbose]
 */
import { parseArgs } from "node:util";
import { DEMO_ACCOUNT, demoAdestraAccount, startAdestraSandbox } from "./server";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3002" },
    host: { type: "string", default: "127.0.0.1" },
    "requests-per-second": { type: "string" },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log("Usage: tsx sandbox/adestra/cli.ts [--port 3002] [--host 127.0.0.1] [--requests-per-second N] [--verbose]");
  process.exit(0);
}

const perSecond = values["requests-per-second"];
const sandbox = await startAdestraSandbox({
  port: Number(values.port),
  host: values.host,
  accounts: [demoAdestraAccount()],
  rateLimit: perSecond ? { requestsPerSecond: Number(perSecond) } : undefined,
  log: values.verbose ? (line) => console.log(`[adestra] ${line}`) : undefined,
}).catch((error: Error) => {
  console.error(`The Adestra sandbox could not start: ${error.message}`);
  process.exit(1);
});

console.log(`Adestra sandbox listening on ${sandbox.xmlrpcUrl}`);
console.log(`  account "${DEMO_ACCOUNT.accountName}", username "${DEMO_ACCOUNT.username}", password "${DEMO_ACCOUNT.password}"`);
console.log("  core tables 1 Shopify customers, 2 Wholesale; lists 21 Existing newsletter (table 1), 22 Wholesale buyers (table 2); unsub list 10");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await sandbox.close();
    process.exit(0);
  });
}
