/**
 * The world of the cross-tenant matrix: the Shopify, Adestra and APSIS sandboxes in this process, two stores
 * each with its OWN Adestra account and APSIS One account, and the built web app (server.mjs) as its own OS
 * process on this file's database and Redis prefix, reached over real HTTP. No worker runs: what the web side
 * enqueues stays in the BullMQ queues, where the matrix looks for jobs of the wrong shop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { demoAdestraAccount, startAdestraSandbox, type AdestraSandbox, type AdestraSandboxAccountConfig } from "../../../sandbox/adestra/server";
import { DEMO_APSIS, demoApsisAccount, startApsisSandbox, type ApsisSandbox, type ApsisSandboxAccountConfig } from "../../../sandbox/apsis/server";
import { startShopifySandbox, type ShopifySandbox } from "../../../sandbox/shopify/server";
import { mintSessionToken } from "../../../sandbox/shopify/tokens";
import { buildIfStale, freePort } from "../../../scripts/stack";
import { installOfflineSession } from "../shopify/sandbox-session";

export type Tenant = {
  domain: string;
  seed: number;
  customers: number;
  ianaTimezone: string;
  adestra: { accountName: string; username: string; password: string; coreTable: number; otherTable: number; unsubList: number; list: number; listName: string };
  apsis: { clientId: string; clientSecret: string; keyspace: string; section: string; otherSection: string; sectionName: string };
};

/** Store A: the demo accounts as they are. */
export const TENANT_A: Tenant = {
  domain: "tm-store-a.myshopify.com",
  seed: 71,
  customers: 4,
  ianaTimezone: "Europe/Stockholm",
  adestra: { accountName: "demo", username: "shopify", password: "sandbox-password", coreTable: 1, otherTable: 2, unsubList: 10, list: 21, listName: "Existing newsletter" },
  apsis: { clientId: DEMO_APSIS.clientId, clientSecret: DEMO_APSIS.clientSecret, keyspace: DEMO_APSIS.shopifyKeyspace, section: DEMO_APSIS.globalSection, otherSection: DEMO_APSIS.swedenSection, sectionName: "Global" },
};

/** Store B: accounts of its own whose every id and name differs from A's, so any of them in an answer to A is a leak. */
export const TENANT_B: Tenant = {
  domain: "tm-store-b.myshopify.com",
  seed: 72,
  customers: 3,
  ianaTimezone: "America/New_York",
  adestra: { accountName: "zebra-b-account", username: "zebra-b-user", password: "zebra-b-password-secret", coreTable: 301, otherTable: 302, unsubList: 360, list: 341, listName: "Zebra B subscribers" },
  apsis: {
    clientId: "b0b0b0b0-1111-4222-8333-944445555666",
    clientSecret: "QuokkaB-client-secret-never-shown-to-anyone-else-0123456789abcd",
    keyspace: "com.apsis1.integrations.keyspaces.b0b0b0b0.shopify",
    section: "usercreated.sections.quokka-b0b0b0b0zz",
    otherSection: "usercreated.sections.wombat-b0b0b0b0zz",
    sectionName: "Quokka B Section",
  },
};

function adestraAccountOfB(): AdestraSandboxAccountConfig {
  const b = TENANT_B.adestra;
  return {
    accountName: b.accountName,
    username: b.username,
    password: b.password,
    coreTables: [{ id: b.coreTable, name: "Zebra B core table" }, { id: b.otherTable, name: "Zebra B wholesale" }],
    unsubLists: [{ id: b.unsubList, name: "Zebra B unsubscribes" }],
    lists: [{ id: b.list, name: b.listName, tableId: b.coreTable }],
  };
}

/** The demo account's structure with every discriminator and name of B's own. */
function apsisAccountOfB(): ApsisSandboxAccountConfig {
  const b = TENANT_B.apsis;
  const text = JSON.stringify(demoApsisAccount())
    .replaceAll(DEMO_APSIS.clientId, b.clientId)
    .replaceAll(DEMO_APSIS.clientSecret, b.clientSecret)
    .replaceAll(DEMO_APSIS.shopifyKeyspace, b.keyspace)
    .replaceAll(DEMO_APSIS.globalSection, b.section)
    .replaceAll(DEMO_APSIS.swedenSection, b.otherSection)
    .replaceAll('"Global"', JSON.stringify(b.sectionName))
    .replaceAll('"Sweden"', '"Wombat B Section"')
    .replaceAll("usercreated.topics.", "usercreated.topics.quokkab-")
    .replaceAll("usercreated.attributes.", "usercreated.attributes.quokkab-")
    .replaceAll("usercreated.targets.", "usercreated.targets.quokkab-")
    .replaceAll('"Newsletter"', '"Quokka B Newsletter"')
    .replaceAll('"Offers"', '"Quokka B Offers"')
    .replaceAll('"SMS offers"', '"Quokka B SMS"')
    .replaceAll(DEMO_APSIS.purchaseEvent, "com.apsis1.integrations.shopify.events.quokkab-order")
    .replaceAll('"Purchase"', '"Quokka B Purchase"');
  return JSON.parse(text) as ApsisSandboxAccountConfig;
}

/** Remix flat routes: a module file (not a test) or a folder holding route.tsx; the id is the name without extension. */
export function listRouteFiles(dir = "app/routes"): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => (e.isDirectory() ? readdirSync(`${dir}/${e.name}`).some((f) => /^route\.(tsx?|jsx?)$/.test(f)) : /\.(tsx?|jsx?)$/.test(e.name) && !/\.test\./.test(e.name)))
    .map((e) => (e.isDirectory() ? e.name : e.name.replace(/\.(tsx?|jsx?)$/, "")))
    .sort();
}

/** Every Prisma model name in the schema, so a snapshot that forgets a model fails. */
export function listModels(schema = "prisma/schema.prisma"): string[] {
  return [...readFileSync(schema, "utf8").matchAll(/^model (\w+) \{/gm)].map((m) => m[1]).sort();
}

export async function startTenantStack() {
  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  const shopify: ShopifySandbox = await startShopifySandbox({
    port: 0,
    app: { apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET!, url: appUrl },
    stores: [TENANT_A, TENANT_B].map((t) => ({ domain: t.domain, name: t.domain, ianaTimezone: t.ianaTimezone, customers: t.customers, seed: t.seed, currencyCode: "SEK" })),
    throttle: { maximumAvailable: 20_000, restoreRate: 1_000 },
  });
  const adestra: AdestraSandbox = await startAdestraSandbox({ accounts: [demoAdestraAccount(), adestraAccountOfB()] });
  const apsis: ApsisSandbox = await startApsisSandbox({ port: 0, accounts: [demoApsisAccount(), apsisAccountOfB()] });
  // Read by the app modules on first use, in this process and in the web process alike.
  Object.assign(process.env, {
    SHOPIFY_APP_URL: appUrl,
    SHOPIFY_ADMIN_TRANSPORT_URL: shopify.url,
    ADESTRA_BASE_URL: adestra.xmlrpcUrl,
    ADESTRA_REQUESTS_PER_SECOND: "1000",
    APSIS_BASE_URL: apsis.url,
  });

  const app = {
    db: await import("../../../app/db.server"),
    env: await import("../../../app/env.server"),
    shopify: await import("../../../app/shopify.server"),
    shops: await import("../../../app/models/shop.server"),
    adestraConnection: await import("../../../app/destinations/adestra/connection.server"),
    // The send's use-cases: start and status, the preview, the saved choices and Auto Send.
    send: {
      ...(await import("../../../app/destinations/adestra/send.server")),
      ...(await import("../../../app/destinations/adestra/send-preview.server")),
      ...(await import("../../../app/destinations/adestra/send-settings.server")),
    },
    apsisConnection: await import("../../../app/destinations/apsis/connection.server"),
    mapping: await import("../../../app/destinations/apsis/mapping.server"),
    realtimeSettings: await import("../../../app/destinations/apsis/realtime-settings.server"),
    fields: await import("../../../app/destinations/apsis/rules/guess-mappings"),
    queues: await import("../../../app/queues/enqueue.server"),
    redis: await import("../../../app/redis.server"),
  };

  let web: ChildProcess | undefined;
  let output = "";
  const close = async () => {
    if (web && web.exitCode === null && web.signalCode === null) {
      const exited = new Promise((resolve) => web!.once("exit", resolve));
      web.kill("SIGTERM");
      const timer = setTimeout(() => web!.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await Promise.all([shopify.close(), adestra.close(), apsis.close()]);
  };

  /** The built app as production runs it; rebuilt first when app code is newer (one build at a time on this machine). */
  const startWeb = async () => {
    buildIfStale();
    web = spawn(process.execPath, ["server.mjs", "./build/index.js"], {
      env: { ...process.env, NODE_ENV: "production", PORT: String(appPort), HOST: "127.0.0.1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    web.stdout!.on("data", (d) => (output += d));
    web.stderr!.on("data", (d) => (output += d));
    for (let i = 0; i < 300; i++) {
      if (web.exitCode !== null) throw new Error(`the web process exited during start-up:\n${output}`);
      if (await fetch(`${appUrl}/healthz`).then((r) => r.ok, () => false)) return;
      await sleep(200);
    }
    throw new Error(`the web process did not answer within a minute:\n${output}`);
  };

  /** A fresh session token of the shop, as App Bridge (or an admin UI extension) adds to each request. */
  const token = (shop: string) => mintSessionToken({ shop, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });

  return { appUrl, shopify, adestra, apsis, app, token, startWeb, logs: () => output, close };
}

export type TenantStack = Awaited<ReturnType<typeof startTenantStack>>;

/** Invited, installed, with an offline session: what customer success and the first visit leave behind. */
export async function setUpTenant(stack: TenantStack, tenant: Tenant) {
  const { app } = stack;
  await app.shops.setInvitation({ shop: tenant.domain, invited: true, actor: "cs@example.com", via: "cli" });
  await app.shops.recordInstall({ shop: tenant.domain, name: tenant.domain, ianaTimezone: tenant.ianaTimezone, currencyCode: "SEK" });
  await installOfflineSession({
    sandboxUrl: stack.shopify.url,
    shop: tenant.domain,
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    storeSession: (session) => app.shopify.sessionStorage.storeSession(session),
  });
  const shop = await app.shops.resolveShopContext({ shop: tenant.domain });
  const must = (what: string, result: { ok: boolean }) => {
    if (!result.ok) throw new Error(`${what} for ${tenant.domain}: ${JSON.stringify(result)}`);
  };
  const a = tenant.adestra;
  must("adestra connect", await app.adestraConnection.connectAdestra({ shop, accountName: a.accountName, username: a.username, password: a.password }));
  must("adestra tables", await app.adestraConnection.chooseAdestraTables({ shop, coreTableId: a.coreTable, unsubListId: a.unsubList }));
  must("auto send", await app.send.saveAutoSendSettings({ shop, choices: { profileGroup: "subscribers", listId: String(a.list) }, enabled: true }));
  const p = tenant.apsis;
  must("apsis connect", await app.apsisConnection.connectApsis({ shop, region: "eu", clientId: p.clientId, clientSecret: p.clientSecret }));
  const definitions = await app.apsisConnection.getApsisAccountDefinitions({ shop });
  const section = definitions.sections.find((s) => s.discriminator === p.section)!;
  must("conditions", await app.mapping.saveSyncConditions({ shop, conditions: [{ section: p.section, field: "tags", operator: "contains", value: `${tenant.domain}-vip-tag` }] }));
  must("attributes", await app.mapping.saveAttributeMappings({ shop, section: p.section, mappings: app.fields.guessMappings(section.attributes) }));
  const topic = section.topics.find((t) => t.channel !== "sms")!.discriminator;
  must("consents", await app.mapping.saveConsentMappings({ shop, section: p.section, email: [topic], sms: [] }));
  const event = section.events[0].discriminator;
  must(
    "realtime",
    await app.realtimeSettings.saveRealtimeSettings({ shop, realtimeEnabled: "true", purchaseEventsEnabled: "true", onCustomerDelete: "keep_profile", purchaseEvents: { [p.section]: event } }),
  );
  const row = (await app.shops.getShop({ shop: tenant.domain }))!;
  // A custom attribute: the default ones (com.apsis1.attributes.email, …) have the same id in every account.
  const attribute = section.attributes.find((x) => x.name === "Country")!.discriminator;
  return { row, topic, event, attribute, mappings: app.fields.guessMappings(section.attributes) };
}
