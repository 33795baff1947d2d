/**
 * Runs the APSIS One sandbox on its own with the demo account:
 *   npx tsx sandbox/apsis/cli.ts [--port 3003] [--host 127.0.0.1] [--verbose]
 */
import { parseArgs } from "node:util";
import { DEMO_APSIS, demoApsisAccount, startApsisSandbox } from "./server";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3003" },
    host: { type: "string", default: "127.0.0.1" },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (values.help) {
  console.log("Usage: tsx sandbox/apsis/cli.ts [--port 3003] [--host 127.0.0.1] [--verbose]");
  process.exit(0);
}

const sandbox = await startApsisSandbox({
  port: Number(values.port),
  host: values.host,
  accounts: [demoApsisAccount()],
  log: values.verbose ? (line) => console.log(`[apsis] ${line}`) : undefined,
}).catch((error: Error) => {
  console.error(`The APSIS sandbox could not start: ${error.message}`);
  process.exit(1);
});

console.log(`APSIS One sandbox listening on ${sandbox.url}`);
console.log(`  client id ${DEMO_APSIS.clientId}`);
console.log(`  client secret ${DEMO_APSIS.clientSecret}`);
console.log(`  keyspaces ${DEMO_APSIS.shopifyKeyspace}, ${DEMO_APSIS.emailKeyspace}`);
console.log(`  sections ${DEMO_APSIS.globalSection} (Global), ${DEMO_APSIS.swedenSection} (Sweden)`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await sandbox.close();
    process.exit(0);
  });
}
