/**
 * The Adestra pages (Settings, Data Sync and its preview and status routes) as the browser meets them: loaders
 * and actions called with requests authenticated the way App Bridge does it (a Bearer session token over a
 * stored offline session), against the Shopify and Adestra sandboxes over HTTP, a real worker, this file's
 * database and Redis. Bad input is a 422 with the message on the field, and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintSessionToken } from "../../../sandbox/shopify/tokens";
import { installOfflineSession } from "../shopify/sandbox-session";
import { waitFor } from "../../support/wait-for";
import { connectDemo, expectedSend, setUpShop, startStack, type Stack, type Store } from "../adestra/stack";


// Short outage pauses (15 s doubling to 5 min in production), so a send waiting for Adestra tries again soon.
process.env.OUTAGE_FIRST_PAUSE_MS = "200";
process.env.OUTAGE_MAX_PAUSE_MS = "1000";

const STORE: Store = { domain: "ui-pages.myshopify.com", customers: 40, seed: 23, ianaTimezone: "Europe/Stockholm" };
const FRESH: Store = { domain: "ui-fresh.myshopify.com", customers: 5, seed: 24, ianaTimezone: "America/New_York" };
const UNINVITED: Store = { domain: "ui-uninvited.myshopify.com", customers: 3, seed: 25, ianaTimezone: "UTC" };
const APP = "http://127.0.0.1:3000";

let stack: Stack;
let routes: {
  settings: typeof import("../../../app/routes/app.settings");
  dataSync: typeof import("../../../app/routes/app.data-sync");
  preview: typeof import("../../../app/routes/app.data-sync.preview");
  status: typeof import("../../../app/routes/app.data-sync.status");
};

beforeAll(async () => {
  stack = await startStack({ stores: [STORE, FRESH, UNINVITED] });
  stack.app.env.resetEnvCache();
  await setUpShop(stack, STORE);
  await setUpShop(stack, FRESH);
  // Installed (it has an offline session) but never invited.
  await installOfflineSession({
    sandboxUrl: stack.shopify.url,
    shop: UNINVITED.domain,
    apiKey: process.env.SHOPIFY_API_KEY!,
    apiSecret: process.env.SHOPIFY_API_SECRET!,
    storeSession: (session) => stack.app.shopify.sessionStorage.storeSession(session),
  });
  // The routes read the environment (sandbox URLs) on import, so they come after the stack.
  routes = {
    settings: await import("../../../app/routes/app.settings"),
    dataSync: await import("../../../app/routes/app.data-sync"),
    preview: await import("../../../app/routes/app.data-sync.preview"),
    status: await import("../../../app/routes/app.data-sync.status"),
  };
});

afterAll(async () => {
  await stack?.close();
});

/** A request from the embedded page: App Bridge adds a fresh session token. */
function embedded(shop: string, path: string, form?: Record<string, string>) {
  const token = mintSessionToken({ shop, apiKey: process.env.SHOPIFY_API_KEY!, apiSecret: process.env.SHOPIFY_API_SECRET! });
  const headers = { Authorization: `Bearer ${token}` };
  const request = form
    ? new Request(`${APP}${path}`, { method: "POST", headers, body: new URLSearchParams(form) })
    : new Request(`${APP}${path}`, { headers });
  return { request, params: {}, context: {} };
}

async function answer(response: Response | Promise<Response>) {
  const r = await response;
  return { status: r.status, body: await r.json() };
}

async function thrown(run: () => Promise<unknown>): Promise<Response> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
  throw new Error("expected a thrown Response");
}

/** Polls the status route (as the page does) until no send is queued or running. */
async function statusWhenIdle(shop: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = (await answer(routes.status.loader(embedded(shop, "/app/data-sync/status")))).body;
    if (!status.activeRun) return status;
    if (Date.now() > deadline) throw new Error(`still sending after ${timeoutMs} ms: ${JSON.stringify(status.activeRun)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const shopId = async (shop: string) => (await stack.app.shops.getShop({ shop }))!.id;
const runCount = async (shop: string) => stack.app.db.getDb().syncRun.count({ where: { shopId: await shopId(shop) } });
const listNames = () => stack.demo.lists().map((l) => l.name).sort();

describe("Settings: the Adestra connection", () => {
  const shop = STORE.domain;

  it("wrong credentials: 422 with the message for the form, nothing saved", async () => {
    const result = await answer(
      routes.settings.action(embedded(shop, "/app/settings", { intent: "connect", accountName: "demo", username: "shopify", password: "wrong" })),
    );
    expect(result).toEqual({ status: 422, body: { ok: false, errors: { form: "Adestra rejected the account name, username or password" } } });
    expect(await stack.app.db.getDb().adestraConnection.count({ where: { shopId: await shopId(shop) } })).toBe(0);
    const page = await answer(routes.settings.loader(embedded(shop, "/app/settings")));
    expect(page.body.adestra).toEqual({ connected: false });
  });

  it("empty fields: 422 with a message on each field, and Adestra is not asked", async () => {
    const before = stack.demo.stats().requests;
    const result = await answer(routes.settings.action(embedded(shop, "/app/settings", { intent: "connect", accountName: "", username: "", password: "" })));
    expect(result.status).toBe(422);
    expect(result.body.errors).toEqual({
      accountName: "Enter the account name",
      username: "Enter the username",
      password: "Enter the password",
    });
    expect(stack.demo.stats().requests).toBe(before);
  });

  it("connects, offers the account's core tables, and checks the unsub list id with Adestra", async () => {
    const connected = await answer(
      routes.settings.action(embedded(shop, "/app/settings", { intent: "connect", accountName: "demo", username: "shopify", password: "sandbox-password" })),
    );
    expect(connected).toMatchObject({ status: 200, body: { ok: true, toast: expect.stringContaining("connected") } });

    const page = await answer(routes.settings.loader(embedded(shop, "/app/settings")));
    expect(page.body.adestra).toMatchObject({ connected: true, accountName: "demo", username: "shopify", coreTable: null, unsubList: null });
    expect(page.body.adestra.verifiedAt).toMatch(/GMT\+1$/); // Stockholm in November
    expect(JSON.stringify(page.body)).not.toContain("sandbox-password");
    expect(page.body.coreTables).toEqual([
      { id: 1, name: "Shopify customers" },
      { id: 2, name: "Wholesale" },
    ]);

    const noSuchUnsub = await answer(routes.settings.action(embedded(shop, "/app/settings", { intent: "choose-tables", coreTableId: "1", unsubListId: "999" })));
    expect(noSuchUnsub).toEqual({ status: 422, body: { ok: false, errors: { unsubListId: "Adestra has no unsub list with this id" } } });

    const chosen = await answer(routes.settings.action(embedded(shop, "/app/settings", { intent: "choose-tables", coreTableId: "1", unsubListId: "10" })));
    expect(chosen.status).toBe(200);
    const after = await answer(routes.settings.loader(embedded(shop, "/app/settings")));
    expect(after.body.adestra).toMatchObject({ coreTable: { id: 1, name: "Shopify customers" }, unsubList: { id: 10, name: "Shopify unsubscribes" } });
  });
});

describe("Settings: disconnecting", () => {
  it("removes the connection; Data Sync then sends the merchant to Settings", async () => {
    const shop = STORE.domain;
    await connectDemo(stack, await stack.app.shops.resolveShopContext({ shop }));
    const result = await answer(routes.settings.action(embedded(shop, "/app/settings", { intent: "disconnect" })));
    expect(result).toEqual({ status: 200, body: { ok: true, toast: "Adestra disconnected" } });
    expect((await answer(routes.settings.loader(embedded(shop, "/app/settings")))).body.adestra).toEqual({ connected: false });
    expect((await answer(routes.dataSync.loader(embedded(shop, "/app/data-sync")))).body).toEqual({ connected: false });
  });
});

describe("Data Sync", () => {
  const shop = STORE.domain;

  beforeAll(async () => {
    // Independent of the Settings tests' order: connected to core table 1 and unsub list 10.
    await connectDemo(stack, await stack.app.shops.resolveShopContext({ shop }));
  });

  it("a shop that has not connected Adestra is sent to Settings", async () => {
    const page = await answer(routes.dataSync.loader(embedded(FRESH.domain, "/app/data-sync")));
    expect(page.body).toEqual({ connected: false });
  });

  it("offers only the lists on the connected core table, with the core table's name", async () => {
    const page = await answer(routes.dataSync.loader(embedded(shop, "/app/data-sync")));
    expect(page.body).toMatchObject({ connected: true, accountName: "demo", coreTable: { id: 1, name: "Shopify customers" }, listsError: null, timeZone: "Europe/Stockholm" });
    expect(page.body.lists.map((l: { name: string }) => l.name)).toContain("Existing newsletter");
    expect(page.body.lists.map((l: { name: string }) => l.name)).not.toContain("Wholesale buyers"); // core table 2
    expect(page.body.activityDefinition).toMatch(/later of the customer's last update .* and their last order/);
    expect(page.body.today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("an empty or over-long list name is a field error, and no list is created in Adestra", async () => {
    const before = listNames();
    for (const name of ["", "   ", "x".repeat(101)]) {
      const result = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "create-list", name })));
      expect(result.status, name).toBe(422);
      expect(result.body.errors.name, name).toMatch(name.length > 100 ? /at most 100 characters/ : /Enter a name for the list/);
      expect(Object.keys(result.body.errors)).toEqual(["name"]);
    }
    expect(listNames()).toEqual(before);
  });

  it("creates a list on the connected core table, which the page then offers", async () => {
    const result = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "create-list", name: "UI test list" })));
    expect(result).toMatchObject({ status: 200, body: { ok: true, list: { name: "UI test list" }, toast: 'List "UI test list" created' } });
    expect(stack.demo.lists().find((l) => l.name === "UI test list")).toMatchObject({ id: result.body.list.id, tableId: 1 });
    const page = await answer(routes.dataSync.loader(embedded(shop, "/app/data-sync")));
    expect(page.body.lists).toContainEqual({ id: result.body.list.id, name: "UI test list" });

    const again = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "create-list", name: "ui TEST list" })));
    expect(again.status).toBe(422);
    expect(again.body.errors.name).toMatch(/already exists/);
  });

  it("a date range that ends before it starts: 422 on the end date, no run", async () => {
    const runs = await runCount(shop);
    const result = await answer(
      routes.dataSync.action(
        embedded(shop, "/app/data-sync", { intent: "start-send", profileGroup: "subscribers", listId: "21", activityFrom: "2026-06-01", activityTo: "2026-05-31" }),
      ),
    );
    expect(result).toEqual({ status: 422, body: { ok: false, errors: { activityTo: "The end date is before the start date" } } });
    expect(await runCount(shop)).toBe(runs);

    const preview = await answer(routes.preview.loader(embedded(shop, "/app/data-sync/preview?profileGroup=subscribers&activityFrom=2026-06-01&activityTo=2026-05-31")));
    expect(preview).toEqual({ status: 422, body: { ok: false, errors: { activityTo: "The end date is before the start date" } } });
  });

  it("a list on another core table: 422 on the list field, no run", async () => {
    const runs = await runCount(shop);
    const wholesale = stack.demo.lists().find((l) => l.name === "Wholesale buyers")!;
    const result = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "start-send", profileGroup: "all", listId: String(wholesale.id) })));
    expect(result.status).toBe(422);
    expect(Object.keys(result.body.errors)).toEqual(["listId"]);
    expect(result.body.errors.listId).toMatch(/another core table/);
    expect(await runCount(shop)).toBe(runs);
    expect(stack.demo.listMembers(wholesale.id)).toEqual([]);
  });

  it("no list chosen: 422 on the list field, no run", async () => {
    const runs = await runCount(shop);
    const result = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "start-send", profileGroup: "subscribers" })));
    expect(result).toEqual({ status: 422, body: { ok: false, errors: { listId: "Choose an Adestra list" } } });
    expect(await runCount(shop)).toBe(runs);
  });

  it("previews, sends, reports progress through the status route, and shows the last send in the store's timezone", async () => {
    const choices = { profileGroup: "subscribers" as const, activityFrom: "2025-01-01", activityTo: "2026-10-31" };
    const expected = expectedSend(STORE, choices);
    expect(expected.matched).toBeGreaterThan(3);

    const preview = await answer(routes.preview.loader(embedded(shop, `/app/data-sync/preview?${new URLSearchParams({ ...choices })}`)));
    expect(preview.status).toBe(200);
    expect(preview.body.count).toBe(expected.matched);
    expect(preview.body.examples.length).toBe(Math.min(5, expected.matched));
    for (const example of preview.body.examples) expect(expected.list).toContain(example.email);

    const list = stack.demo.lists().find((l) => l.name === "Existing newsletter")!;
    const started = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "start-send", listId: String(list.id), ...choices })));
    expect(started).toMatchObject({ status: 200, body: { ok: true, runId: expect.any(String), toast: "Sending profiles to Adestra" } });

    // A second click while it runs shows the running one.
    const second = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "start-send", listId: String(list.id), ...choices })));
    if (second.body.runId === started.body.runId) expect(second.body.toast).toMatch(/already running/);

    const status = await statusWhenIdle(shop);
    expect(status.lastRun).toMatchObject({ id: started.body.runId, status: "succeeded", listName: "Existing newsletter", failed: 0, failures: [] });
    expect(status.lastRun.created + status.lastRun.updated).toBe(expected.matched);
    expect(status.lastOnDemandSendAt).toMatch(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} GMT\+1$/);
    expect(status.lastRun.finishedAt).toMatch(/GMT\+1$/);
    expect(stack.demo.listMembers(list.id).map((e) => e.toLowerCase())).toEqual(expected.list.map((e) => e.toLowerCase()).sort());

    // The page remembers the choices for next time.
    const page = await answer(routes.dataSync.loader(embedded(shop, "/app/data-sync")));
    expect(page.body.onDemand).toEqual({ profileGroup: "subscribers", listId: String(list.id), activityFrom: "2025-01-01", activityTo: "2026-10-31", activityRelative: "" });
  });

  it("Adestra down mid-send: the status says the send waits, nothing is claimed as sent that was not, and it finishes by itself", async () => {
    const choices = { profileGroup: "all" as const };
    const expected = expectedSend(STORE, choices);
    const created = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "create-list", name: "Outage list" })));
    const listId = String(created.body.list.id);

    stack.demo.failAfter(15);
    const started = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "start-send", listId, ...choices })));
    expect(started.status).toBe(200);
    const waiting = await waitFor(
      async () => {
        const { status } = (await answer(routes.status.loader(embedded(shop, "/app/data-sync/status")))).body;
        return status.activeRun?.errorMessage?.startsWith("Waiting:") ? status.activeRun : null;
      },
      { timeoutMs: 120_000, what: "the send to wait for Adestra" },
    );
    expect(waiting).toMatchObject({ id: started.body.runId, status: "queued", listName: "Outage list" });
    expect(waiting.errorMessage).toMatch(/Adestra is not answering/);
    const written = stack.demo.listMembers(Number(listId)).length;
    expect(written).toBeLessThan(expected.matched);
    expect(waiting.created + waiting.updated).toBeLessThanOrEqual(written);

    stack.demo.setOutage(false);
    const done = await statusWhenIdle(shop, 120_000);
    expect(done.lastRun).toMatchObject({ id: started.body.runId, status: "succeeded", failed: 0, created: expected.matched });
    expect(stack.demo.listMembers(Number(listId)).map((e) => e.toLowerCase())).toEqual(expected.list.map((e) => e.toLowerCase()).sort());
  }, 300_000);

  it("Auto Send: saved on, a save with other choices (untick, change, tick, Save) keeps it on with them; unticked and saved, it is off", async () => {
    const list = stack.demo.lists().find((l) => l.name === "Existing newsletter")!;
    const choices = { profileGroup: "subscribers", listId: String(list.id), activityFrom: "2026-01-01" };
    const on = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "save-auto", enabled: "true", ...choices })));
    expect(on).toMatchObject({ status: 200, body: { ok: true, toast: "Auto send is on" } });
    let page = await answer(routes.dataSync.loader(embedded(shop, "/app/data-sync")));
    expect(page.body.auto).toMatchObject({ enabled: true, choices: { ...choices, activityTo: "" } });
    expect(page.body.auto.nextRunAt).toMatch(/GMT\+1$/);
    expect(page.body.auto.timeOfDay).toMatch(/^\d{2}:\d{2}$/);

    const changed = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "save-auto", enabled: "true", ...choices, profileGroup: "all" })));
    expect(changed).toMatchObject({ status: 200, body: { ok: true, toast: "Auto send is on" } });
    page = await answer(routes.dataSync.loader(embedded(shop, "/app/data-sync")));
    expect(page.body.auto).toMatchObject({ enabled: true, choices: { profileGroup: "all" } });
    expect(page.body.auto.nextRunAt).toMatch(/GMT\+1$/);

    const off = await answer(routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "save-auto", enabled: "false", ...choices, profileGroup: "all" })));
    expect(off).toMatchObject({ status: 200, body: { ok: true } });
    page = await answer(routes.dataSync.loader(embedded(shop, "/app/data-sync")));
    expect(page.body.auto).toMatchObject({ enabled: false, nextRunAt: null, choices: { profileGroup: "all" } });
  });

  it("Send now without saved Auto Send settings: 422 for the form, no run", async () => {
    const runs = await runCount(FRESH.domain);
    await connectDemo(stack, await stack.app.shops.resolveShopContext({ shop: FRESH.domain }));
    const result = await answer(routes.dataSync.action(embedded(FRESH.domain, "/app/data-sync", { intent: "send-now" })));
    expect(result).toEqual({ status: 422, body: { ok: false, errors: { form: "Save the Auto Send settings first." } } });
    expect(await runCount(FRESH.domain)).toBe(runs);
  });
});

describe("an uninvited shop", () => {
  it("gets the invitation-only 403 from every Adestra loader and action, and nothing is done", async () => {
    const shop = UNINVITED.domain;
    const before = listNames();
    const calls = [
      () => routes.settings.loader(embedded(shop, "/app/settings")),
      () => routes.settings.action(embedded(shop, "/app/settings", { intent: "connect", accountName: "demo", username: "shopify", password: "sandbox-password" })),
      () => routes.dataSync.loader(embedded(shop, "/app/data-sync")),
      () => routes.dataSync.action(embedded(shop, "/app/data-sync", { intent: "create-list", name: "Sneaky" })),
      () => routes.preview.loader(embedded(shop, "/app/data-sync/preview?profileGroup=all")),
      () => routes.status.loader(embedded(shop, "/app/data-sync/status")),
    ];
    for (const call of calls) {
      const refused = await thrown(call);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ reason: "invitation_required", shop });
    }
    expect(listNames()).toEqual(before);
  });
});
