/**
 * Test stack for the APSIS One side: the Shopify sandbox and the APSIS sandbox over real HTTP, this file's
 * database and Redis prefix, and (unless asked not to) a real BullMQ worker running the app's handlers. The
 * app's modules are imported after the sandboxes are up, because the environment (sandbox URLs) is read on
 * first use. Expectations are computed from the Shopify sandbox's seed (seedCustomer), not from app code.
 */
import { expect } from "vitest";
import { DateTime } from "luxon";
import { type AdestraSandbox, demoAdestraAccount, startAdestraSandbox } from "../../../sandbox/adestra/server";
import { DEMO_APSIS, demoApsisAccount, startApsisSandbox, type ApsisSandbox, type ApsisSandboxOptions } from "../../../sandbox/apsis/server";
import { customerGid, type SandboxCustomer } from "../../../sandbox/shopify/customer";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import { startShopifySandbox, type SandboxStoreConfig, type ShopifySandbox } from "../../../sandbox/shopify/server";
import { installOfflineSession } from "../shopify/sandbox-session";
import type { ShopContext } from "../../../app/models/shop.server";
import { startWebhookEndpoint } from "./webhook-endpoint";
import { inProcessWorkers } from "../../support/in-process-workers";

export type Store = { domain: string; customers: number; seed: number; ianaTimezone: string };

export async function startStack({ stores, apsis: apsisOptions = {}, worker = true, adestra: withAdestra = false, shopifyScopes }: {
  stores: Store[];
  apsis?: Partial<ApsisSandboxOptions>;
  worker?: boolean;
  /** The Adestra sandbox too (its demo account), for what reaches both destinations (customers/merge). */
  adestra?: boolean;
  /** The scopes the Shopify sandbox grants the app (its default: read_customers,read_orders). */
  shopifyScopes?: string;
}) {
  // The sandbox's webhook sender delivers here: the app's webhook routes over real HTTP.
  const webhookEndpoint = await startWebhookEndpoint();
  const shopify: ShopifySandbox = await startShopifySandbox({
    port: 0,
    app: { apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET!, url: webhookEndpoint.url, ...(shopifyScopes ? { scopes: shopifyScopes } : {}) },
    stores: stores.map((s): SandboxStoreConfig => ({ domain: s.domain, name: s.domain, ianaTimezone: s.ianaTimezone, customers: s.customers, seed: s.seed, currencyCode: "SEK" })),
    // A Plus-sized bucket: these tests are about APSIS, not Shopify's throttle.
    throttle: { maximumAvailable: 20_000, restoreRate: 1_000 },
  });
  const apsis: ApsisSandbox = await startApsisSandbox({ port: 0, accounts: [demoApsisAccount()], ...apsisOptions });
  process.env.SHOPIFY_ADMIN_TRANSPORT_URL = shopify.url;
  process.env.APSIS_BASE_URL = apsis.url;
  const adestra: AdestraSandbox | null = withAdestra ? await startAdestraSandbox({ accounts: [demoAdestraAccount()] }) : null;
  if (adestra) {
    process.env.ADESTRA_BASE_URL = adestra.xmlrpcUrl;
    process.env.ADESTRA_REQUESTS_PER_SECOND ??= "1000";
  }

  const app = {
    db: await import("../../../app/db.server"),
    env: await import("../../../app/env.server"),
    shopify: await import("../../../app/shopify.server"),
    shops: await import("../../../app/models/shop.server"),
    runs: await import("../../../app/models/sync-run.server"),
    connection: await import("../../../app/destinations/apsis/connection.server"),
    mapping: await import("../../../app/destinations/apsis/mapping.server"),
    fullSync: await import("../../../app/destinations/apsis/full-sync.server"),
    fields: await import("../../../app/destinations/apsis/rules/guess-mappings"),
    queues: await import("../../../app/queues/enqueue.server"),
    redis: await import("../../../app/redis.server"),
  };
  const workers = inProcessWorkers({ webhooks: 2, realtime: 4, sync: 2 });
  if (worker) await workers.start();

  return {
    shopify,
    apsis,
    demo: apsis.account(DEMO_APSIS.clientId),
    adestra,
    app,
    failedJobs: workers.failedJobs,
    startWorker: workers.start,
    async close() {
      await workers.closeAll();
      await shopify.close();
      await apsis.close();
      await adestra?.close();
      await webhookEndpoint.close();
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

export const DEMO = DEMO_APSIS;

/** Connects the demo APSIS account (its Shopify integration keyspace is picked automatically). */
export async function connectDemo(stack: Stack, shop: ShopContext) {
  const connected = await stack.app.connection.connectApsis({ shop, region: "eu", clientId: DEMO.clientId, clientSecret: DEMO.clientSecret });
  if (!connected.ok) throw new Error(`connect failed: ${JSON.stringify(connected)}`);
  return connected;
}

/** The demo account's definitions by name, as the mapping page shows them. */
export async function demoDefinitions(stack: Stack, shop: ShopContext) {
  const definitions = await stack.app.connection.getApsisAccountDefinitions({ shop });
  const section = (name: string) => definitions.sections.find((s) => s.name === name)!;
  const attribute = (sectionName: string, name: string) => section(sectionName).attributes.find((a) => a.name === name)!.discriminator;
  const topic = (sectionName: string, name: string) => section(sectionName).topics.find((t) => t.name === name)!.discriminator;
  return { definitions, section, attribute, topic };
}

/**
 * The set-up the Full Sync tests use: customers in Sweden go to Section Sweden, other customers tagged vip to
 * Section Global, everyone else is not synced; both Sections get the guessed attribute mappings, email consent
 * on Newsletter and Offers, SMS consent on "SMS offers".
 */
export async function configureDemo(stack: Stack, shop: ShopContext) {
  const { definitions, section, topic } = await demoDefinitions(stack, shop);
  const conditions = [
    { section: DEMO.swedenSection, field: "country", operator: "equals", value: "SE" },
    { section: DEMO.globalSection, field: "tags", operator: "contains", value: "vip" },
  ];
  const saved = await stack.app.mapping.saveSyncConditions({ shop, conditions });
  if (!saved.ok) throw new Error(`conditions: ${JSON.stringify(saved)}`);
  for (const name of ["Sweden", "Global"]) {
    const s = section(name);
    const mappings = stack.app.fields.guessMappings(s.attributes);
    const attrs = await stack.app.mapping.saveAttributeMappings({ shop, section: s.discriminator, mappings });
    if (!attrs.ok) throw new Error(`attributes: ${JSON.stringify(attrs)}`);
    const consents = await stack.app.mapping.saveConsentMappings({
      shop,
      section: s.discriminator,
      email: [topic(name, "Newsletter"), topic(name, "Offers")],
      sms: [topic(name, "SMS offers")],
    });
    if (!consents.ok) throw new Error(`consents: ${JSON.stringify(consents)}`);
  }
  return { definitions, conditions };
}

/** The Section the set-up of configureDemo puts a seeded customer in, from the seed alone. */
export function expectedSection(c: SandboxCustomer): string | null {
  if (c.address?.countryCode === "SE") return DEMO.swedenSection;
  if (c.tags.includes("vip")) return DEMO.globalSection;
  return null;
}

export type ExpectedProfile = {
  customer: SandboxCustomer;
  gid: string;
  profileKey: string;
  section: string;
  /** topic name → consent type on the email channel / SMS channel */
  email: "opt-in" | "opt-out" | null;
  sms: "opt-in" | "opt-out" | null;
};

const typeOf = (state: string | undefined) => (state === "SUBSCRIBED" ? "opt-in" : state === "UNSUBSCRIBED" ? "opt-out" : null);

/** What a Full Sync of the seeded store must produce under configureDemo, from the seed. */
export function expectedFullSync(store: Store, customerAt: (index: number) => SandboxCustomer = (i) => seedCustomer(store.seed, i)) {
  const profiles: ExpectedProfile[] = [];
  let skipped = 0;
  for (let i = 0; i < store.customers; i++) {
    const c = customerAt(i);
    const section = expectedSection(c);
    if (!section) {
      skipped += 1;
      continue;
    }
    profiles.push({
      customer: c,
      gid: customerGid(c.id),
      profileKey: String(c.id),
      section,
      email: c.email ? typeOf(c.email.marketingState) : null,
      sms: c.phone ? typeOf(c.phone.marketingState) : null,
    });
  }
  return { profiles, skipped, matched: profiles.length };
}

/** The attributes the guessed mappings write, by attribute name, computed from the seed. */
export function expectedAttributesByName(c: SandboxCustomer, timeZone: string): Record<string, string | number | boolean | undefined> {
  const day = (iso: string | null | undefined) => (iso ? DateTime.fromISO(iso, { zone: "utc" }).setZone(timeZone).toISODate()! : undefined);
  return {
    Email: c.email?.address,
    "First name": c.firstName ?? undefined,
    "Last name": c.lastName ?? undefined,
    Mobile: c.phone ? c.phone.number.replace(/\D/g, "") : undefined,
    Country: c.address?.countryCode,
    City: c.address?.city,
    "Postal code": c.address?.zip,
    Language: c.locale.split("-")[0],
    Tags: c.tags.length ? c.tags.join(", ") : undefined,
    "Orders count": c.numberOfOrders,
    "Amount spent": c.amountSpentCents / 100,
    "Customer since": day(c.createdAt),
    "Last order date": day(c.lastOrder?.createdAt),
    "Accepts marketing": c.email?.marketingState === "SUBSCRIBED",
    "Shopify updated at": DateTime.fromISO(c.updatedAt, { zone: "utc" }).toISO({ suppressMilliseconds: true })!.replace("+00:00", "Z"),
  };
}

export async function waitForRun(stack: Stack, runId: string, { timeoutMs = 55_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await stack.app.runs.getSyncRunSummary({ runId });
    if (run && ["succeeded", "failed", "cancelled"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${run?.status} after ${timeoutMs} ms: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A ProfileLink row as a finished APSIS One sync leaves it (seeded straight into the database): the customer's profile in `section`, with the consent last written. */
export function seededProfileLink({ shopId, customerId, section, consent, lastSyncedAt }: { shopId: string; customerId: string; section: string; consent: object; lastSyncedAt: Date }) {
  return {
    shopId,
    destination: "apsis",
    target: `section:${section}`,
    customerId,
    destinationId: customerId.split("/").pop()!,
    payloadHash: "seeded",
    consent: JSON.stringify(consent),
    lastSyncedAt,
  };
}

/** Requests the sandbox counted that write something (anything but GET and the token). */
export function writeRequests(byEndpoint: Record<string, number>) {
  return Object.entries(byEndpoint)
    .filter(([endpoint]) => !endpoint.startsWith("GET ") && endpoint !== "POST /oauth/token")
    .reduce((sum, [, n]) => sum + n, 0);
}

/** The profile in APSIS is exactly what the seed says: one profile, in its Section only, attributes, consent. */
export function expectProfileInApsis(stack: Stack, names: Awaited<ReturnType<typeof demoDefinitions>>, store: Store, expected: ExpectedProfile) {
  const profile = stack.demo.profile(DEMO.shopifyKeyspace, expected.profileKey);
  expect(profile, `profile of ${expected.gid}`).toBeDefined();
  expect(Object.keys(profile!.sections)).toEqual([expected.section]);
  const data = profile!.sections[expected.section];
  const name = expected.section === DEMO.swedenSection ? "Sweden" : "Global";
  for (const [attributeName, value] of Object.entries(expectedAttributesByName(expected.customer, store.ianaTimezone))) {
    expect(data.attributes[names.attribute(name, attributeName)], `${attributeName} of ${expected.gid}`).toEqual(value);
  }
  const consent = (channel: string, topicName: string) => data.consents.find((c) => c.channel === channel && c.topic === names.topic(name, topicName))?.type ?? null;
  expect(consent("com.apsis1.channels.email", "Newsletter"), `email consent of ${expected.gid}`).toBe(expected.email);
  expect(consent("com.apsis1.channels.email", "Offers")).toBe(expected.email);
  expect(consent("com.apsis1.channels.sms", "SMS offers"), `sms consent of ${expected.gid}`).toBe(expected.sms);
  expect(data.consents).toHaveLength((expected.email ? 2 : 0) + (expected.sms ? 1 : 0));
}

/** Every ProfileLink of the shop is backed by a profile APSIS has, with data in the link's Section. */
export async function expectLinksBackedByApsis(stack: Stack, shopId: string) {
  const links = await stack.app.db.getDb().profileLink.findMany({ where: { shopId, destination: "apsis" } });
  for (const link of links) {
    const profile = stack.demo.profile(DEMO.shopifyKeyspace, link.destinationId!);
    expect(profile, `APSIS profile behind the link of ${link.customerId}`).toBeDefined();
    expect(Object.keys(profile!.sections)).toContain(link.target.slice("section:".length));
  }
  return links;
}

/** Real-time sync on for the shop (a deleted customer's profile deleted), purchase events on in both demo Sections when asked. */
export async function enableRealtime(shop: ShopContext, { purchaseEvents = false }: { purchaseEvents?: boolean } = {}) {
  const { saveApsisRealtimeSettings } = await import("../../../app/models/apsis-realtime-settings.server");
  const saved = await saveApsisRealtimeSettings({
    shopId: shop.id,
    settings: {
      realtimeEnabled: true,
      purchaseEventsEnabled: purchaseEvents,
      onCustomerDelete: "delete_profile",
      purchaseEvents: purchaseEvents ? { [DEMO.swedenSection]: DEMO.purchaseEvent, [DEMO.globalSection]: DEMO.purchaseEvent } : {},
    },
  });
  if (!saved) throw new Error("the real-time settings were not saved");
}

/** A shop set up, connected to the demo APSIS account, configured (configureDemo) and syncing in real time. */
export async function setUpRealtimeShop(stack: Stack, store: Store, options: { purchaseEvents?: boolean } = {}) {
  const shop = await setUpShop(stack, store);
  await connectDemo(stack, shop);
  await configureDemo(stack, shop);
  await enableRealtime(shop, options);
  return shop;
}
