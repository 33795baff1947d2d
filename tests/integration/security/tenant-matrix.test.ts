/**
 * Issue 8, "Done means": for every route and action, shop A's credentials with shop B's ids — zero leaks, zero
 * writes. Two invited, connected stores, each with its own Adestra and APSIS One accounts, settings, runs and
 * customer links; the built web app over real HTTP; A's session token with every id of B the route takes
 * (lists, core tables, unsub lists, account logins, client ids, keyspaces, Sections, attributes, topics, events,
 * customers, runs), once as they are and once with B's domain and shop id added to the URL and the form.
 *
 * Each case asserts: a clean answer (never 5xx; a 422 where B's id is the thing asked for), nothing of B in it
 * (names, emails, counters, ids, tokens), and nothing of B changed — B's database rows, B's BullMQ jobs and
 * Redis keys, B's Adestra and APSIS accounts. Then A's own ids must work on the same route (so the matrix
 * cannot pass by refusing everything). A new route is one row in CASES; a route file no row or exemption
 * names fails the first test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import { seededProfileLink, writeRequests } from "../apsis/stack";
import { listModels, listRouteFiles, setUpTenant, startTenantStack, TENANT_A, TENANT_B, type Tenant, type TenantStack } from "./tenant-matrix-stack";

/** Routes no shop session reaches, with why; everything else in app/routes must have rows in CASES. */
const NOT_SHOP_SCOPED_BY_SESSION: Record<string, string> = {
  _index: "public landing page: redirects ?shop= to /app, reads no shop data",
  "auth.$": "the library's auth paths (bounce page, exit-iframe); authenticate.admin only, returns nothing of ours",
  "auth.login": "login form: validates a domain and redirects to that shop's admin, which then authenticates",
  "favicon[.]ico": "a redirect to the app's icon, nothing per shop",
  healthz: "liveness: answers ok or database unavailable, nothing per shop",
  "imports.adestra":
    "Adestra's import file: no session, the URL's HMAC-signed, expiring token names the shop, run and part it reads (tampered, expired, another shop's: app/destinations/adestra/import-file.server.test.ts, tests/integration/adestra/send-imports.test.ts)",
  ops: "customer-success console behind its own Basic auth, not a shop session (tests/integration/ops)",
  "webhooks.app.scopes_update": "HMAC-signed by Shopify, the shop is the signed delivery's (tests/integration/webhooks)",
  "webhooks.app.uninstalled": "HMAC-signed by Shopify, the shop is the signed delivery's",
  "webhooks.bulk_operations.finish": "HMAC-signed by Shopify, the shop is the signed delivery's",
  "webhooks.customers.create": "HMAC-signed by Shopify, the shop is the signed delivery's",
  "webhooks.customers.data_request": "HMAC-signed by Shopify (GDPR), the shop is the signed delivery's",
  "webhooks.customers.delete": "HMAC-signed by Shopify, the shop is the signed delivery's",
  "webhooks.customers.merge": "HMAC-signed by Shopify, the shop is the signed delivery's; both customers are checked against that shop's Shopify",
  "webhooks.customers.redact": "HMAC-signed by Shopify (GDPR), the shop is the signed delivery's",
  "webhooks.customers.update": "HMAC-signed by Shopify, the shop is the signed delivery's",
  "webhooks.customers_email_marketing_consent.update": "HMAC-signed by Shopify, the shop is the signed delivery's",
  "webhooks.customers_marketing_consent.update": "HMAC-signed by Shopify, the shop is the signed delivery's",
  "webhooks.orders.create": "HMAC-signed by Shopify, the shop is the signed delivery's",
  "webhooks.shop.redact": "HMAC-signed by Shopify (GDPR), the shop is the signed delivery's",
};

/** Every id a route can be handed, of one store. Secrets are the attacker's guesses, never B's real ones. */
type Ids = {
  domain: string;
  adestraAccount: string;
  adestraUser: string;
  adestraPassword: string;
  coreTable: number;
  unsubList: number;
  list: number;
  apsisClientId: string;
  apsisSecret: string;
  keyspace: string;
  section: string;
  attribute: string;
  mappings: { field: string; attribute: string }[];
  topic: string;
  event: string;
  customer: string;
  run: string;
};

type Request = { path: string; form?: Record<string, string>; json?: object };
type Case = {
  name: string;
  route: string;
  method: "GET" | "POST";
  request: (ids: Ids) => Request;
  /**
   * What A may get with B's ids. [422] where B's id is what the request asks for (it must be refused as unknown
   * in A's own account); A's own success status where the id is not an input of the route (it is ignored, and
   * the answer is A's own).
   */
  attack: number[];
  /** A's own ids: this status, and (for reads) this value of A in the answer. */
  own: number;
  ownShows?: (a: typeof TENANT_A) => string;
  /**
   * What a 2xx answer to B's ids must contain: by default A's own answer (ownShows), as the id was ignored; for
   * an id A's store simply has nothing under, A's empty state.
   */
  attackShows?: string;
};

const page = (route: string, path: string, query = "") => `${path}?${query ? `${query}&` : ""}_data=routes/${route}`;
const indexPage = (query = "") => `/app?index${query ? `&${query}` : ""}&_data=routes/app._index`;

/** One row per route × action × id kind. Destructive rows (disconnect) are last: they end A's setup. */
const CASES: Case[] = [
  // Loaders: the shop is the token's; ids in the URL are not inputs and must change nothing.
  { name: "layout", route: "app", method: "GET", request: (i) => ({ path: page("app", "/app", `runId=${i.run}`) }), attack: [200], own: 200, ownShows: (a) => a.domain },
  { name: "overview", route: "app._index", method: "GET", request: (i) => ({ path: indexPage(`runId=${i.run}&customerId=${encodeURIComponent(i.customer)}`) }), attack: [200], own: 200, ownShows: () => "A own run message" },
  { name: "activity", route: "app.activity", method: "GET", request: (i) => ({ path: page("app.activity", "/app/activity", `runId=${i.run}`) }), attack: [200], own: 200, ownShows: () => "A own run message" },
  { name: "send status (run id)", route: "app.data-sync.status", method: "GET", request: (i) => ({ path: `/app/data-sync/status?runId=${i.run}` }), attack: [200], own: 200, ownShows: () => "status" },
  { name: "full sync status (run id)", route: "app.apsis.status", method: "GET", request: (i) => ({ path: `/app/apsis/status?runId=${i.run}` }), attack: [200], own: 200, ownShows: () => "status" },
  { name: "send preview (list id)", route: "app.data-sync.preview", method: "GET", request: (i) => ({ path: `/app/data-sync/preview?profileGroup=all&listId=${i.list}&runId=${i.run}` }), attack: [200], own: 200, ownShows: () => "count" },
  { name: "Data Sync page (list id)", route: "app.data-sync", method: "GET", request: (i) => ({ path: page("app.data-sync", "/app/data-sync", `listId=${i.list}`) }), attack: [200], own: 200, ownShows: (a) => a.adestra.listName },
  { name: "Settings page (core table id)", route: "app.settings", method: "GET", request: (i) => ({ path: page("app.settings", "/app/settings", `coreTableId=${i.coreTable}`) }), attack: [200], own: 200, ownShows: () => "Shopify customers" },
  { name: "APSIS One page (Section)", route: "app.apsis", method: "GET", request: (i) => ({ path: page("app.apsis", "/app/apsis", `section=${i.section}&keyspace=${i.keyspace}`) }), attack: [200], own: 200, ownShows: (a) => a.apsis.sectionName },
  // The Subscriber counts page reads the token's store and the shop's own links; an id in the URL is not an input.
  { name: "Subscriber counts page", route: "app.agreement", method: "GET", request: (i) => ({ path: page("app.agreement", "/app/agreement", `customerId=${encodeURIComponent(i.customer)}&listId=${i.list}`) }), attack: [200], own: 200, ownShows: (a) => a.adestra.listName },
  {
    name: "Subscriber counts drill-down (customer id)",
    route: "app.agreement.customers",
    method: "GET",
    request: (i) => ({ path: `/app/agreement/customers?destination=adestra&state=NOT_SUBSCRIBED&customerId=${encodeURIComponent(i.customer)}&listId=${i.list}` }),
    attack: [200],
    own: 200,
    ownShows: (a) => `on list ${a.adestra.listName}`,
  },
  {
    name: "customer block status (customer id)",
    route: "api.customer-sync-status",
    method: "GET",
    request: (i) => ({ path: `/api/customer-sync-status?customerId=${encodeURIComponent(i.customer)}` }),
    // A customer id A's store never synced is A's empty state (the block shows "not synced yet").
    attack: [200],
    attackShows: '"sections":[],"lastAttempt":null',
    own: 200,
    ownShows: () => "a-own-customer@a-store.example",
  },

  // Data Sync actions.
  { name: "start send (list id)", route: "app.data-sync", method: "POST", request: (i) => ({ path: page("app.data-sync", "/app/data-sync"), form: { intent: "start-send", profileGroup: "all", listId: String(i.list) } }), attack: [422], own: 200 },
  { name: "save auto send off (list id)", route: "app.data-sync", method: "POST", request: (i) => ({ path: page("app.data-sync", "/app/data-sync"), form: { intent: "save-auto", enabled: "false", profileGroup: "all", listId: String(i.list) } }), attack: [200], own: 200 },
  { name: "save auto send on (list id)", route: "app.data-sync", method: "POST", request: (i) => ({ path: page("app.data-sync", "/app/data-sync"), form: { intent: "save-auto", enabled: "true", profileGroup: "all", listId: String(i.list) } }), attack: [422], own: 200 },
  { name: "send now", route: "app.data-sync", method: "POST", request: (i) => ({ path: page("app.data-sync", "/app/data-sync"), form: { intent: "send-now", listId: String(i.list), runId: i.run } }), attack: [200], own: 200 },
  { name: "create list (core table id)", route: "app.data-sync", method: "POST", request: (i) => ({ path: page("app.data-sync", "/app/data-sync"), form: { intent: "create-list", name: `tm list ${Date.now()}`, tableId: String(i.coreTable), listId: String(i.list) } }), attack: [200], own: 200 },

  // Settings actions.
  { name: "choose tables (core table and unsub list)", route: "app.settings", method: "POST", request: (i) => ({ path: page("app.settings", "/app/settings"), form: { intent: "choose-tables", coreTableId: String(i.coreTable), unsubListId: String(i.unsubList) } }), attack: [422], own: 200 },
  { name: "choose tables (unsub list)", route: "app.settings", method: "POST", request: (i) => ({ path: page("app.settings", "/app/settings"), form: { intent: "choose-tables", coreTableId: String(TENANT_A.adestra.coreTable), unsubListId: String(i.unsubList) } }), attack: [422], own: 200 },

  // APSIS One actions.
  { name: "choose keyspace", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "choose-keyspace", keyspace: i.keyspace } }), attack: [422], own: 200 },
  { name: "save conditions (Section)", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "save-conditions", conditions: JSON.stringify([{ section: i.section, field: "tags", operator: "contains", value: `${TENANT_A.domain}-vip-tag` }]) } }), attack: [422], own: 200 },
  // Counting reads A's own customers only; a Section name is just a label in the answer.
  { name: "count matches (Section)", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "count-matches", conditions: JSON.stringify([{ section: i.section, field: "tags", operator: "contains", value: "x" }]) } }), attack: [200, 422], own: 200 },
  { name: "save attributes (Section)", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "save-attributes", section: i.section, mappings: JSON.stringify(i.mappings) } }), attack: [422], own: 200 },
  { name: "save attributes (attribute ids)", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "save-attributes", section: TENANT_A.apsis.section, mappings: JSON.stringify(i.mappings) } }), attack: [422], own: 200 },
  { name: "save consents (Section)", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "save-consents", section: i.section, email: JSON.stringify([i.topic]), sms: "[]" } }), attack: [422], own: 200 },
  { name: "save consents (topic id)", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "save-consents", section: TENANT_A.apsis.section, email: JSON.stringify([i.topic]), sms: "[]" } }), attack: [422], own: 200 },
  {
    name: "save real-time settings (Section and event)",
    route: "app.apsis",
    method: "POST",
    request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "save-realtime", realtimeEnabled: "true", purchaseEventsEnabled: "true", onCustomerDelete: "keep_profile", purchaseEvents: JSON.stringify({ [i.section]: i.event }) } }),
    attack: [422],
    own: 200,
  },
  {
    name: "save real-time settings (event id)",
    route: "app.apsis",
    method: "POST",
    request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "save-realtime", realtimeEnabled: "true", purchaseEventsEnabled: "true", onCustomerDelete: "keep_profile", purchaseEvents: JSON.stringify({ [TENANT_A.apsis.section]: i.event }) } }),
    attack: [422],
    own: 200,
  },
  { name: "start full sync", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "start-full-sync", runId: i.run, section: i.section } }), attack: [200], own: 200 },
  {
    name: "resync customer (customer id, JSON)",
    route: "api.customer-sync-status",
    method: "POST",
    request: (i) => ({ path: "/api/customer-sync-status", json: { customerId: i.customer } }),
    // Queued for A's own store (A's token reads A's store for that id); never a job of B.
    attack: [202],
    own: 202,
  },
  { name: "resync customer (customer id, form)", route: "api.customer-sync-status", method: "POST", request: (i) => ({ path: "/api/customer-sync-status", form: { customerId: i.customer } }), attack: [202], own: 202 },

  // Credential checks with B's logins and a guessed secret (connects A back with its own on the control).
  { name: "connect Adestra (B's account and user)", route: "app.settings", method: "POST", request: (i) => ({ path: page("app.settings", "/app/settings"), form: { intent: "connect", accountName: i.adestraAccount, username: i.adestraUser, password: i.adestraPassword } }), attack: [422], own: 200 },
  { name: "connect APSIS One (B's client id)", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "connect", region: "eu", clientId: i.apsisClientId, clientSecret: i.apsisSecret } }), attack: [422], own: 200 },
  {
    name: "connect APSIS One (own client, B's keyspace)",
    route: "app.apsis",
    method: "POST",
    request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "connect", region: "eu", clientId: TENANT_A.apsis.clientId, clientSecret: TENANT_A.apsis.clientSecret, keyspace: i.keyspace } }),
    // The connect form has no keyspace field (choose-keyspace above checks one): ignored, A keeps its own.
    attack: [200],
    own: 200,
  },

  // Last: these end A's connections.
  { name: "disconnect APSIS One", route: "app.apsis", method: "POST", request: (i) => ({ path: page("app.apsis", "/app/apsis"), form: { intent: "disconnect", clientId: i.apsisClientId, section: i.section } }), attack: [200], own: 200 },
  { name: "disconnect Adestra", route: "app.settings", method: "POST", request: (i) => ({ path: page("app.settings", "/app/settings"), form: { intent: "disconnect", accountName: i.adestraAccount } }), attack: [200], own: 200 },
];

const B_ONLY_CUSTOMER = "gid://shopify/Customer/990001";
const A_CUSTOMER = "gid://shopify/Customer/1001";
const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
// The Shopify library answers bots (node's fetch user agent among them) with 410 Gone.
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

let stack: TenantStack;
let idsOf: { a: Ids; b: Ids };
let shopIds: { a: string; b: string };
/** Values only B has: none may appear in an answer to A unless A itself sent it. */
let needlesOfB: string[];

async function seedRuns(shopId: string, tag: "A" | "B") {
  const db = stack.app.db.getDb();
  const counters = tag === "B" ? 424242 : 131313;
  const finished = await db.syncRun.create({
    data: {
      shopId,
      destination: "adestra",
      kind: "send",
      trigger: "on_demand",
      status: "failed",
      settings: JSON.stringify({ listName: tag === "B" ? TENANT_B.adestra.listName : TENANT_A.adestra.listName }),
      seen: counters,
      matched: counters,
      created: counters,
      errorCode: "adestra_fault",
      errorMessage: tag === "B" ? "Zebra B run failed secretly" : "A own run message",
      queuedAt: new Date("2026-03-01T10:00:00Z"),
      startedAt: new Date("2026-03-01T10:00:01Z"),
      finishedAt: new Date("2026-03-01T10:05:00Z"),
    },
  });
  await db.syncFailure.create({ data: { runId: finished.id, customerId: "gid://shopify/Customer/1", email: `${tag.toLowerCase()}-failure@${tag === "B" ? "zebra-b" : "a-store"}.example`, reason: `${tag} failure reason` } });
  if (tag === "B") {
    // An active run of B on each destination: a status answer scoped wrongly would show it.
    for (const destination of ["adestra", "apsis"] as const) {
      await db.syncRun.create({
        data: { shopId, destination, kind: destination === "adestra" ? "send" : "full_sync", trigger: "on_demand", status: "running", settings: "{}", seen: 424243, matched: 424243, startedAt: new Date() },
      });
    }
  }
  return finished.id;
}

async function seedCustomerRows(shopId: string, customerId: string, email: string, lastError: string, section: string) {
  const db = stack.app.db.getDb();
  await db.profileLink.create({
    data: seededProfileLink({ shopId, customerId, section, consent: { email: { address: email, topics: {} } }, lastSyncedAt: new Date("2026-03-02T08:00:00Z") }),
  });
  await db.customerSyncState.create({ data: { shopId, customerId, outcome: "failed", section, detail: null, lastError, lastErrorAt: new Date(), attemptedAt: new Date() } });
}

/**
 * A contact a send put on the store's list who is no longer subscribed in Shopify: the Subscriber counts page
 * names the list, and its drill-down lists the customer (the store's first NOT_SUBSCRIBED customer).
 */
async function seedAdestraContact(shopId: string, tenant: Tenant) {
  const customer = Array.from({ length: tenant.customers }, (_, i) => seedCustomer(tenant.seed, i)).find((c) => c.email?.marketingState === "NOT_SUBSCRIBED")!;
  await stack.app.db.getDb().profileLink.create({
    data: { shopId, destination: "adestra", target: `list:${tenant.adestra.list}`, customerId: `gid://shopify/Customer/${customer.id}`, email: customer.email!.address, payloadHash: "seeded", lastSyncedAt: new Date("2026-03-02T08:00:00Z") },
  });
}

/** Every row of the store, model by model (the model list comes from the schema, so a new model cannot be missed). */
async function snapshotRows(shopId: string, domain: string) {
  const db = stack.app.db.getDb() as unknown as Record<string, { findMany(args: object): Promise<unknown[]> }>;
  const special: Record<string, object> = {
    Shop: { id: shopId },
    Session: { shop: domain },
    SyncFailure: { run: { shopId } },
    StagedProfile: { run: { shopId } },
    WebhookReceipt: { shopDomain: domain },
    ComplianceRequest: { shopDomain: domain },
  };
  const out: Record<string, unknown[]> = {};
  for (const model of listModels()) {
    const delegate = db[model[0].toLowerCase() + model.slice(1)];
    // StagedProfile is keyed by run and customer, not by an id of its own.
    const orderBy = model === "StagedProfile" ? { customerNum: "asc" } : { id: "asc" };
    out[model] = await delegate.findMany({ where: special[model] ?? { shopId }, orderBy });
  }
  return out;
}

/** B's jobs (with their data and state), job schedulers and Redis keys: what the web side could have queued for B. */
async function snapshotRedis(domain: string, shopId: string) {
  const { QUEUE_NAMES } = await import("../../../app/queues/registry");
  const mentionsB = (value: unknown) => {
    const text = JSON.stringify(value) ?? "";
    return text.includes(domain) || text.includes(shopId);
  };
  const jobs: unknown[] = [];
  const schedulers: unknown[] = [];
  for (const name of QUEUE_NAMES) {
    const queue = stack.app.queues.getQueue(name);
    for (const job of await queue.getJobs()) {
      if (job && mentionsB({ id: job.id, name: job.name, data: job.data })) jobs.push({ queue: name, id: job.id, name: job.name, data: job.data, state: await job.getState() });
    }
    for (const scheduler of await queue.getJobSchedulers()) if (mentionsB(scheduler)) schedulers.push({ key: scheduler.key, next: scheduler.next, pattern: scheduler.pattern });
  }
  const redis = stack.app.redis.getRedis();
  const keys = (await redis.keys(`${process.env.REDIS_PREFIX}:*`)).filter((key) => key.includes(domain) || key.includes(shopId)).sort();
  jobs.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
  return { jobs, schedulers, keys };
}

/** What B's destination accounts hold, and every write request B's APSIS account was sent. */
function snapshotDestinations() {
  const adestra = stack.adestra.account(TENANT_B.adestra.accountName);
  const apsis = stack.apsis.account(TENANT_B.apsis.clientId);
  return {
    adestraLists: adestra.lists().map((list) => ({ ...list, members: adestra.listMembers(list.id) })),
    adestraContacts: adestra.coreTables().map((table) => ({ table: table.id, contacts: adestra.contacts(table.id) })),
    adestraUnsubs: adestra.unsubAddresses(TENANT_B.adestra.unsubList),
    apsisProfiles: apsis.profiles(),
    apsisImports: apsis.imports().length,
    apsisWrites: writeRequests(apsis.stats().byEndpoint),
  };
}

const snapshotB = async () => ({
  rows: await snapshotRows(shopIds.b, TENANT_B.domain),
  redis: await snapshotRedis(TENANT_B.domain, shopIds.b),
  destinations: snapshotDestinations(),
});

async function send(c: Case, ids: Ids, { nameB = false } = {}) {
  const built = c.request(ids);
  const url = new URL(built.path, stack.appUrl);
  const form = built.form ? { ...built.form } : undefined;
  const json = built.json ? { ...built.json } : undefined;
  if (nameB) {
    // The confused-deputy attempt: naming B as the shop beside A's token.
    for (const target of [url.searchParams, form, json]) {
      if (!target) continue;
      if (target instanceof URLSearchParams) {
        target.set("shop", TENANT_B.domain);
        target.set("shopId", shopIds.b);
      } else Object.assign(target, { shop: TENANT_B.domain, shopId: shopIds.b });
    }
  }
  const extension = c.route === "api.customer-sync-status";
  const headers: Record<string, string> = { Authorization: `Bearer ${stack.token(TENANT_A.domain)}`, Accept: "application/json", "User-Agent": BROWSER };
  // Same-origin as App Bridge's fetch from the app's frame; the admin block calls from Shopify's extension CDN.
  if (c.method === "POST") Object.assign(headers, { Origin: extension ? EXTENSION_ORIGIN : stack.appUrl, "Sec-Fetch-Site": extension ? "cross-site" : "same-origin" });
  let body: BodyInit | undefined;
  if (json) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) body = new URLSearchParams(form);
  const response = await fetch(url, { method: c.method, headers, body, redirect: "manual" });
  const sent = `${url.toString()} ${decodeURIComponent(url.search)} ${body instanceof URLSearchParams ? body.toString() + JSON.stringify(form) : (body ?? "")}`;
  return { status: response.status, text: await response.text(), sent };
}

/** B's values in the answer, except those the request itself carried (an error may name what it refuses). */
function leaksOfB(text: string, sent: string) {
  return needlesOfB.filter((needle) => text.includes(needle) && !sent.includes(needle));
}

beforeAll(async () => {
  stack = await startTenantStack();
  const a = await setUpTenant(stack, TENANT_A);
  const b = await setUpTenant(stack, TENANT_B);
  shopIds = { a: a.row.id, b: b.row.id };
  const runA = await seedRuns(shopIds.a, "A");
  const runB = await seedRuns(shopIds.b, "B");
  await seedCustomerRows(shopIds.a, A_CUSTOMER, "a-own-customer@a-store.example", "A own sync-state error", TENANT_A.apsis.section);
  await seedCustomerRows(shopIds.b, B_ONLY_CUSTOMER, "b-only-customer@zebra-b.example", "Quokka B sync-state error", TENANT_B.apsis.section);
  await seedAdestraContact(shopIds.a, TENANT_A);
  await seedAdestraContact(shopIds.b, TENANT_B);

  const ids = (t: Tenant, s: typeof a, run: string, customer: string, attacker: boolean): Ids => ({
    domain: t.domain,
    adestraAccount: t.adestra.accountName,
    adestraUser: t.adestra.username,
    adestraPassword: attacker ? "guessed-wrong-password" : t.adestra.password,
    coreTable: t.adestra.coreTable,
    unsubList: t.adestra.unsubList,
    list: t.adestra.list,
    apsisClientId: t.apsis.clientId,
    apsisSecret: attacker ? "guessed-wrong-secret" : t.apsis.clientSecret,
    keyspace: t.apsis.keyspace,
    section: t.apsis.section,
    attribute: s.attribute,
    mappings: s.mappings,
    topic: s.topic,
    event: s.event,
    customer,
    run,
  });
  idsOf = { a: ids(TENANT_A, a, runA, A_CUSTOMER, false), b: ids(TENANT_B, b, runB, B_ONLY_CUSTOMER, true) };

  const sessionB = await stack.app.shopify.sessionStorage.loadSession(`offline_${TENANT_B.domain}`);
  const storeBEmails = Array.from({ length: TENANT_B.customers }, (_, i) => seedCustomer(TENANT_B.seed, i).email?.address).filter((e): e is string => !!e);
  needlesOfB = [
    TENANT_B.domain,
    shopIds.b,
    runB,
    "424242",
    "424243",
    "Zebra B run failed secretly",
    "b-failure@zebra-b.example",
    "b-only-customer@zebra-b.example",
    "Quokka B sync-state error",
    TENANT_B.adestra.accountName,
    TENANT_B.adestra.username,
    TENANT_B.adestra.password,
    TENANT_B.adestra.listName,
    "Zebra B core table",
    "Zebra B unsubscribes",
    TENANT_B.apsis.clientId,
    TENANT_B.apsis.clientSecret,
    TENANT_B.apsis.keyspace,
    TENANT_B.apsis.section,
    TENANT_B.apsis.sectionName,
    "Wombat B Section",
    "Quokka B Newsletter",
    "Quokka B Purchase",
    b.topic,
    b.event,
    b.attribute,
    sessionB!.accessToken!,
    ...(sessionB!.refreshToken ? [sessionB!.refreshToken] : []),
    ...storeBEmails,
  ];
  await stack.startWeb();
});

afterAll(async () => {
  await stack?.close();
});

describe("cross-tenant matrix: A's session token with B's ids", () => {
  it("lists every route in app/routes (a new route needs a row, or an exemption with its reason)", () => {
    const covered = new Set([...CASES.map((c) => c.route), ...Object.keys(NOT_SHOP_SCOPED_BY_SESSION)]);
    expect(listRouteFiles().filter((route) => !covered.has(route)), "routes the matrix does not list").toEqual([]);
    expect([...covered].filter((route) => !listRouteFiles().includes(route)), "rows for routes that no longer exist").toEqual([]);
  });

  it("B's own data is in place and shows to B (so the needles are real)", async () => {
    const activity = await fetch(new URL(page("app.activity", "/app/activity"), stack.appUrl), { headers: { Authorization: `Bearer ${stack.token(TENANT_B.domain)}`, "User-Agent": BROWSER } });
    expect(activity.status).toBe(200);
    expect(await activity.text()).toContain("Zebra B run failed secretly");
    const apsisPage = await fetch(new URL(page("app.apsis", "/app/apsis"), stack.appUrl), { headers: { Authorization: `Bearer ${stack.token(TENANT_B.domain)}`, "User-Agent": BROWSER } });
    expect(await apsisPage.text()).toContain(TENANT_B.apsis.sectionName);
  });

  it("B's own writes show in B's snapshot (so 'unchanged' means something): rows and queued jobs", async () => {
    const before = await snapshotB();
    const headers = { Authorization: `Bearer ${stack.token(TENANT_B.domain)}`, "User-Agent": BROWSER, Origin: EXTENSION_ORIGIN, "Content-Type": "application/json" };
    const resync = await fetch(new URL("/api/customer-sync-status", stack.appUrl), { method: "POST", headers, body: JSON.stringify({ customerId: B_ONLY_CUSTOMER }) });
    expect(resync.status).toBe(202);
    const after = await snapshotB();
    expect(after.redis).not.toEqual(before.redis);
    const form = new URLSearchParams({ intent: "save-auto", enabled: "false", profileGroup: "all", listId: String(TENANT_B.adestra.list) });
    const saved = await fetch(new URL(page("app.data-sync", "/app/data-sync"), stack.appUrl), { method: "POST", headers: { ...headers, Origin: stack.appUrl, "Content-Type": "application/x-www-form-urlencoded" }, body: form });
    expect(saved.status).toBe(200);
    expect((await snapshotB()).rows).not.toEqual(after.rows);
  });

  for (const c of CASES) {
    it(`${c.method} ${c.route}: ${c.name}`, async () => {
      const before = await snapshotB();
      for (const nameB of [false, true]) {
        const attack = await send(c, idsOf.b, { nameB });
        const label = `${c.name}${nameB ? " (naming B in the URL and form)" : ""}: ${attack.status} ${attack.text.slice(0, 400)}`;
        expect(attack.status, label).toBeLessThan(500);
        expect(c.attack, label).toContain(attack.status);
        expect(leaksOfB(attack.text, attack.sent), label).toEqual([]);
        // An ignored id gets A's own answer, not an empty one.
        const shows = c.attackShows ?? c.ownShows?.(TENANT_A);
        if (attack.status < 300 && shows) expect(attack.text, label).toContain(shows);
        expect(await snapshotB(), `B changed after: ${label}`).toEqual(before);
      }
      const own = await send(c, idsOf.a);
      const label = `${c.name} with A's own ids: ${own.status} ${own.text.slice(0, 400)}`;
      expect(own.status, label).toBe(c.own);
      if (c.ownShows) expect(own.text, label).toContain(c.ownShows(TENANT_A));
      expect(leaksOfB(own.text, own.sent), label).toEqual([]);
      expect(await snapshotB(), `B changed after: ${label}`).toEqual(before);
    });
  }
});
