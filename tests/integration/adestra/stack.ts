/**
 * Test stack for the Adestra send: the Shopify sandbox and the Adestra sandbox over real HTTP, this file's
 * database and Redis prefix, and a real BullMQ worker running the app's handlers. The app's modules are
 * imported after the sandboxes are up, because the environment (sandbox URLs) is read on first use.
 */
import type { SandboxCustomer } from "../../../sandbox/shopify/customer";
import { customerGid } from "../../../sandbox/shopify/customer";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import { startShopifySandbox, type SandboxStoreConfig, type ShopifySandbox } from "../../../sandbox/shopify/server";
import { demoAdestraAccount, startAdestraSandbox, type AdestraSandbox, type AdestraSandboxOptions } from "../../../sandbox/adestra/server";
import { activityWindow, decideCustomer } from "../../../app/destinations/adestra/rules/filter";
import type { SendChoices } from "../../../app/destinations/adestra/rules/choices";
import type { ShopContext } from "../../../app/models/shop.server";
import { installOfflineSession } from "../shopify/sandbox-session";
import { inProcessWorkers } from "../../support/in-process-workers";

export type Store = { domain: string; customers: number; seed: number; ianaTimezone: string };

/** `worker: false`: no worker in this process (a test starts its own, or worker processes, with startWorker). */
export async function startStack({ stores, adestra: adestraOptions = {}, worker = true }: { stores: Store[]; adestra?: Partial<AdestraSandboxOptions>; worker?: boolean }) {
  const shopify: ShopifySandbox = await startShopifySandbox({
    port: 0,
    app: { apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET!, url: "http://127.0.0.1:9" },
    stores: stores.map((s): SandboxStoreConfig => ({ domain: s.domain, name: s.domain, ianaTimezone: s.ianaTimezone, customers: s.customers, seed: s.seed })),
    // A Plus-sized bucket: these tests are about Adestra, not Shopify's throttle.
    throttle: { maximumAvailable: 20_000, restoreRate: 1_000 },
  });
  const adestra: AdestraSandbox = await startAdestraSandbox({ accounts: [demoAdestraAccount()], ...adestraOptions });
  process.env.SHOPIFY_ADMIN_TRANSPORT_URL = shopify.url;
  process.env.ADESTRA_BASE_URL = adestra.xmlrpcUrl;
  process.env.ADESTRA_REQUESTS_PER_SECOND ??= "1000";

  const app = {
    db: await import("../../../app/db.server"),
    env: await import("../../../app/env.server"),
    shopify: await import("../../../app/shopify.server"),
    shops: await import("../../../app/models/shop.server"),
    runs: await import("../../../app/models/sync-run.server"),
    connection: await import("../../../app/destinations/adestra/connection.server"),
    lists: await import("../../../app/destinations/adestra/lists.server"),
    // The send's use-cases: start and status, the preview, the saved choices and Auto Send.
    send: {
      ...(await import("../../../app/destinations/adestra/send.server")),
      ...(await import("../../../app/destinations/adestra/send-preview.server")),
      ...(await import("../../../app/destinations/adestra/send-settings.server")),
    },
    queues: await import("../../../app/queues/enqueue.server"),
    schedulers: await import("../../../app/destinations/adestra/auto-send-schedule.server"),
    redis: await import("../../../app/redis.server"),
  };
  const workers = inProcessWorkers({ webhooks: 1, sync: 2 });
  if (worker) await workers.start();

  return {
    shopify,
    adestra,
    demo: adestra.account("demo"),
    app,
    failedJobs: workers.failedJobs,
    startWorker: workers.start,
    async close() {
      await workers.closeAll();
      await shopify.close();
      await adestra.close();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

/**
 * An invited, installed shop with the store's timezone and an offline session from the Shopify sandbox; its
 * context (through the app's own gate), as a request's is.
 */
export async function setUpShop(stack: Stack, store: Store) {
  await stack.app.shops.setInvitation({ shop: store.domain, invited: true, actor: "cs@example.com", via: "cli" });
  await stack.app.shops.recordInstall({ shop: store.domain, name: store.domain, ianaTimezone: store.ianaTimezone, currencyCode: "SEK" });
  await installOfflineSession({
    sandboxUrl: stack.shopify.url,
    shop: store.domain,
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    storeSession: (session) => stack.app.shopify.sessionStorage.storeSession(session),
  });
  return stack.app.shops.resolveShopContext({ shop: store.domain });
}

/** Connects the demo Adestra account and chooses core table 1 and unsub list 10. */
export async function connectDemo(stack: Stack, shop: ShopContext) {
  const connected = await stack.app.connection.connectAdestra({ shop, accountName: "demo", username: "shopify", password: "sandbox-password" });
  if (!connected.ok) throw new Error(`connect failed: ${JSON.stringify(connected)}`);
  const chosen = await stack.app.connection.chooseAdestraTables({ shop, coreTableId: 1, unsubListId: 10 });
  if (!chosen.ok) throw new Error(`choose tables failed: ${JSON.stringify(chosen)}`);
}

const asShopify = (c: SandboxCustomer) => ({
  email: c.email?.address ?? null,
  emailMarketingState: c.email?.marketingState ?? null,
  updatedAt: c.updatedAt,
  lastOrderAt: c.lastOrder?.createdAt ?? null,
});

/** What a send of the seeded store must produce, computed from the seed with the send's own rule. */
export function expectedSend(store: Store, choices: Pick<SendChoices, "profileGroup" | "activityFrom" | "activityTo">) {
  const window = activityWindow({ ...choices, timeZone: store.ianaTimezone });
  const list: string[] = [];
  const unsub: string[] = [];
  const customerIds: string[] = [];
  let skipped = 0;
  for (let i = 0; i < store.customers; i++) {
    const c = seedCustomer(store.seed, i);
    const decision = decideCustomer({ customer: asShopify(c), profileGroup: choices.profileGroup, window });
    if (decision.action === "send") {
      list.push(c.email!.address);
      customerIds.push(customerGid(c.id));
    }
    if (decision.action === "no_email") skipped += 1;
    if (decision.suppress) unsub.push(c.email!.address.toLowerCase());
  }
  return { list: list.sort(), unsub: unsub.sort(), customerIds, matched: list.length, skipped };
}

export async function waitForRun(stack: Stack, runId: string, { timeoutMs = 50_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await stack.app.runs.getSyncRunSummary({ runId });
    if (run && ["succeeded", "failed", "cancelled"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run?.status} after ${timeoutMs} ms: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

