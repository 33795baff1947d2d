/**
 * Connects shops to the Adestra sandbox's demo account the way a merchant does in Settings: credentials
 * verified by Adestra, then the core table and unsub list chosen (the same services the Settings page calls).
 * Run by scripts/stack.ts for `npm run demo`, with the app's environment (DATABASE_URL, REDIS_URL,
 * ADESTRA_BASE_URL pointing at the sandbox, CREDENTIALS_ENCRYPTION_KEY); the shops must be invited.
 *
 *   tsx scripts/demo-connect-adestra.ts <shop.myshopify.com>...
 */
import { demoAdestraAccount } from "../sandbox/adestra/demo";
import { chooseAdestraTables, connectAdestra } from "../app/destinations/adestra/connection.server";
import { resolveShopContext } from "../app/models/shop.server";

async function main(shops: string[]) {
  if (!shops.length) throw new Error("usage: tsx scripts/demo-connect-adestra.ts <shop.myshopify.com>...");
  const account = demoAdestraAccount();
  const [coreTable] = account.coreTables;
  const [unsubList] = account.unsubLists;
  for (const domain of shops) {
    const shop = await resolveShopContext({ shop: domain });
    const connected = await connectAdestra({ shop, accountName: account.accountName, username: account.username, password: account.password });
    if (!connected.ok) throw new Error(`could not connect ${domain}: ${JSON.stringify(connected)}`);
    const chosen = await chooseAdestraTables({ shop, coreTableId: coreTable.id, unsubListId: unsubList.id });
    if (!chosen.ok) throw new Error(`could not choose the tables for ${domain}: ${JSON.stringify(chosen)}`);
    console.log(`${domain}: connected to Adestra account "${account.accountName}", core table "${coreTable.name}", unsub list ${unsubList.id}`);
  }
}

// Exit explicitly: the services hold a database client and a Redis connection (the rate limiter) open.
main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
