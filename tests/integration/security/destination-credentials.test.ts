/**
 * Issue 8, finding 1 (and the APSIS half of finding 6): a destination credential check proves the secret, and a
 * token cached for one secret is never handed to another. Shop B connects the APSIS One sandbox's account and
 * opens its page (its token is now cached in Redis); shop A, knowing only B's client id, then tries to connect
 * with it and a wrong secret, see B's Sections and run a Full Sync into B's account — over HTTP, through the
 * built web app and the worker. Before the fix the token cache was keyed by host and client id only, so every
 * one of these steps succeeded. The same wrong-secret check is made for every credential check there is: APSIS
 * connect (a new shop, and the owner re-connecting), a connection saved with a wrong secret, Adestra connect.
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APSIS } from "../../../sandbox/apsis/server";
import { DEMO_ACCOUNT as DEMO_ADESTRA } from "../../../sandbox/adestra/demo";
import { writeRequests } from "../apsis/stack";
import { waitFor } from "../../support/wait-for";
import { dumpRedis } from "./redis-dump";
import { startWeb, type Web } from "./web-stack";

const SHOP_A = "dc-intruder.myshopify.com";
const SHOP_B = "dc-owner.myshopify.com";
const WRONG_SECRET = "not-b-s-secret-but-a-plausible-one-0123456789";
const APSIS_PAGE = "/app/apsis";
const SETTINGS_PAGE = "/app/settings";
const B_SECTIONS = [DEMO_APSIS.globalSection, DEMO_APSIS.swedenSection];
/** A JWT (the APSIS sandbox's tokens are RS256 JWTs): header and payload are base64url JSON, "eyJ…". */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+/;

let app: Web;
let redis: Redis;
let prefix: string;

const apsisAccount = () => app.stack.apsis.account(DEMO_APSIS.clientId);
const apsisAction = (shop: string, form: Record<string, string>) => app.post(shop, APSIS_PAGE, form);
const connectApsisAs = (shop: string, clientSecret: string) =>
  apsisAction(shop, { intent: "connect", region: "eu", clientId: DEMO_APSIS.clientId, clientSecret });

/** What B's APSIS account holds and has been asked to write: none of it may change by A's doing. */
function apsisState() {
  const account = apsisAccount();
  return { writes: writeRequests(account.stats().byEndpoint), profiles: account.profiles().length, imports: account.imports().length };
}

async function db() {
  return (await import("../../../app/db.server")).getDb();
}

async function shopId(shop: string) {
  const row = await (await db()).shop.findUnique({ where: { domain: shop } });
  return row!.id;
}

/** Every key and value under this file's Redis prefix, whatever its type. */
const everythingInRedis = async () => (await dumpRedis(redis, prefix)).map((entry) => `${entry.key}\n${entry.text}`).join("\n");

const tokenKeys = async () => (await redis.keys(`${prefix}:apsis-token:*`)).filter((key) => !key.endsWith(":lock"));
/** The limiter slot of B's APSIS account (taken by every API request made with B's client id). */
const limiterKey = () => `${prefix}:apsis-rate:eu-${DEMO_APSIS.clientId}`;

beforeAll(async () => {
  app = await startWeb({
    stores: [SHOP_A, SHOP_B].map((domain, i) => ({ domain, name: domain, ianaTimezone: "Europe/Stockholm", customers: 30, seed: 70 + i, currencyCode: "SEK" })),
    invite: [SHOP_A, SHOP_B],
  });
  prefix = process.env.REDIS_PREFIX!;
  redis = (await import("../../../app/redis.server")).getRedis();
}, 180_000);

afterAll(async () => {
  await app?.close();
});

describe("APSIS One: a wrong secret while the right one's token is cached", () => {
  it("B connects and opens its page: its token is cached, sealed, and no APSIS token is in Redis in clear", async () => {
    const connected = await connectApsisAs(SHOP_B, DEMO_APSIS.clientSecret);
    expect(connected, JSON.stringify(connected.body)).toMatchObject({ status: 200, body: { ok: true } });
    const page = await app.embedded(SHOP_B, APSIS_PAGE);
    expect(page.status).toBe(200);
    expect(page.body.sections.map((s: { discriminator: string }) => s.discriminator).sort()).toEqual([...B_SECTIONS].sort());

    // The page's requests left B's token in the shared cache: what A's attempts below run against.
    const keys = await tokenKeys();
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(DEMO_APSIS.clientId);
    expect(await redis.get(keys[0])).toMatch(/^v1\./);
    const all = await everythingInRedis();
    expect(all).not.toMatch(JWT);
    expect(all).not.toContain(DEMO_APSIS.clientSecret);
  });

  it("A connecting with B's client id and a wrong secret is refused by APSIS itself, sees none of B's Sections, cannot start a Full Sync, spends none of B's rate", async () => {
    expect(await tokenKeys()).toHaveLength(1);
    const before = apsisState();
    const tokensBefore = apsisAccount().stats().tokenRequests;
    // B's limiter slot lives about a second past its last request; once gone, any request A made with B's client id would bring it back.
    await waitFor(async () => (await redis.exists(limiterKey())) === 0, { timeoutMs: 30_000, what: "B's limiter slot to lapse" });

    const refused = await connectApsisAs(SHOP_A, WRONG_SECRET);
    expect(refused.status).toBe(422);
    expect(refused.body.errors.form).toMatch(/rejected this client id and secret/i);
    // The check asked APSIS for a token (and got a 401) rather than trusting B's cached one.
    expect(apsisAccount().stats().tokenRequests).toBe(tokensBefore + 1);
    expect(await (await db()).apsisConnection.count({ where: { shopId: await shopId(SHOP_A) } })).toBe(0);

    const page = await app.embedded(SHOP_A, APSIS_PAGE);
    expect({ status: page.status, body: page.body }).toEqual({ status: 200, body: { connected: false } });

    // The rest of the attack: B's Sections in A's conditions, then a Full Sync.
    const conditions = await apsisAction(SHOP_A, {
      intent: "save-conditions",
      conditions: JSON.stringify([{ section: DEMO_APSIS.swedenSection, always: true }]),
    });
    expect(conditions.status).toBe(422);
    const started = await apsisAction(SHOP_A, { intent: "start-full-sync" });
    expect(started.status).toBe(422);
    expect(started.body.errors.form).toMatch(/connect APSIS One first/i);
    expect(await (await db()).syncRun.count({ where: { shopId: await shopId(SHOP_A) } })).toBe(0);

    expect(apsisState()).toEqual(before);
    expect(await redis.exists(limiterKey())).toBe(0);
    // B is unharmed: its page still works on its cached token, with no new token request.
    const tokensAfter = apsisAccount().stats().tokenRequests;
    const bPage = await app.embedded(SHOP_B, APSIS_PAGE);
    expect(bPage.body.sections).toHaveLength(2);
    expect(apsisAccount().stats().tokenRequests).toBe(tokensAfter);
  });

  it("B itself re-connecting with a wrong secret is refused, and keeps its saved connection", async () => {
    const saved = await (await db()).apsisConnection.findUnique({ where: { shopId: await shopId(SHOP_B) } });
    const tokensBefore = apsisAccount().stats().tokenRequests;
    const refused = await connectApsisAs(SHOP_B, WRONG_SECRET);
    expect(refused.status).toBe(422);
    expect(refused.body.errors.form).toMatch(/rejected this client id and secret/i);
    expect(apsisAccount().stats().tokenRequests).toBe(tokensBefore + 1);
    const after = await (await db()).apsisConnection.findUnique({ where: { shopId: await shopId(SHOP_B) } });
    expect(after!.clientSecretEncrypted).toBe(saved!.clientSecretEncrypted);

    // The right secret is proven afresh too (a key revoked since the cached token was issued must fail).
    const reconnected = await connectApsisAs(SHOP_B, DEMO_APSIS.clientSecret);
    expect(reconnected.status).toBe(200);
    expect(apsisAccount().stats().tokenRequests).toBe(tokensBefore + 2);
  });

  it("guessing B's secret through the app spends at most 3 of B's token requests a minute (APSIS allows 10)", async () => {
    const tokensBefore = apsisAccount().stats().tokenRequests;
    const answers: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) answers.push((await connectApsisAs(SHOP_A, `${WRONG_SECRET}-${attempt}`)).body.errors.form);
    const asked = answers.filter((message) => /rejected this client id and secret/i.test(message)).length;
    // Earlier tests' refusals of this client id may still count within their minute.
    expect(asked).toBeLessThanOrEqual(3);
    expect(answers.at(-1)).toMatch(/refused this client id several times in the last minute/i);
    expect(apsisAccount().stats().tokenRequests).toBe(tokensBefore + asked);
    // Locked for everyone while it lasts (B's own right secret too): the app asks APSIS nothing more.
    const locked = await connectApsisAs(SHOP_B, DEMO_APSIS.clientSecret);
    expect(locked.status).toBe(422);
    expect(locked.body.errors.form).toMatch(/several times in the last minute/i);
    expect(apsisAccount().stats().tokenRequests).toBe(tokensBefore + asked);
    // B's cached token still serves its page.
    expect((await app.embedded(SHOP_B, APSIS_PAGE)).body.sections).toHaveLength(2);
    for (const key of await redis.keys(`${prefix}:apsis-failed-checks:*`)) await redis.del(key);
  });

  it("a connection saved with B's client id and a wrong secret (as the old check let A do) reaches nothing of B: no Sections, and its Full Sync writes nothing", async () => {
    const { saveApsisConnection } = await import("../../../app/models/apsis-connection.server");
    const { replaceSyncConditions } = await import("../../../app/models/apsis-mapping.server");
    const { encryptSecret } = await import("../../../app/utils/crypto.server");
    const intruder = await shopId(SHOP_A);
    await saveApsisConnection({
      shopId: intruder,
      region: "eu",
      clientId: DEMO_APSIS.clientId,
      clientSecretEncrypted: encryptSecret(WRONG_SECRET, process.env.CREDENTIALS_ENCRYPTION_KEY!),
      keyspace: DEMO_APSIS.shopifyKeyspace,
    });
    const rule = { section: DEMO_APSIS.swedenSection, always: true };
    await replaceSyncConditions({ shopId: intruder, rules: [{ rule, section: rule.section }] });
    expect(await tokenKeys()).toHaveLength(1);
    const before = apsisState();

    const started = await apsisAction(SHOP_A, { intent: "start-full-sync" });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const runs = await import("../../../app/models/sync-run.server");
    // Until the run ends, or the first write reaches B's account (the attack working).
    const run = await waitFor(async () => {
      const summary = await runs.getSyncRunSummary({ runId: started.body.runId });
      const ended = summary && ["succeeded", "failed", "cancelled"].includes(summary.status);
      return ended || apsisState().writes > before.writes ? summary : null;
    }, { timeoutMs: 50_000, what: "A's Full Sync to end" });
    expect(apsisState()).toEqual(before);
    expect(run!.status).toBe("failed");
    expect(run!.errorMessage).toMatch(/rejected the saved API key/i);

    const page = await app.embedded(SHOP_A, APSIS_PAGE);
    expect(page.status).toBe(200);
    expect(page.body.sections).toEqual([]);
    expect(page.body.definitionsError).toMatch(/rejected the saved API key/i);
    for (const section of B_SECTIONS) expect(JSON.stringify(page.body.keyspaces)).not.toContain(section);
    expect(apsisState()).toEqual(before);
    // Still exactly B's one cached token: A's attempt cached nothing of its own and took nothing of B's.
    expect(await tokenKeys()).toHaveLength(1);
    expect(await everythingInRedis()).not.toMatch(JWT);
  }, 60_000);
});

describe("Adestra: a wrong password while the right one is in use", () => {
  it("A connecting with B's account and username and a wrong password is refused, saves nothing, sees and writes nothing of B", async () => {
    const connected = await app.post(SHOP_B, SETTINGS_PAGE, { intent: "connect", ...DEMO_ADESTRA });
    expect(connected, JSON.stringify(connected.body)).toMatchObject({ status: 200, body: { ok: true } });
    const bSettings = await app.embedded(SHOP_B, SETTINGS_PAGE);
    expect(bSettings.body.coreTables.length).toBeGreaterThan(0);
    const adestra = app.stack.adestra.account(DEMO_ADESTRA.accountName);
    const state = () => JSON.stringify({ tables: adestra.coreTables(), lists: adestra.lists(), imports: adestra.stats().imports.length });
    const before = state();
    const requestsBefore = adestra.stats().requests;

    const refused = await app.post(SHOP_A, SETTINGS_PAGE, { intent: "connect", accountName: DEMO_ADESTRA.accountName, username: DEMO_ADESTRA.username, password: "not-the-password" });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.form).toMatch(/rejected the account name, username or password/i);
    // Adestra itself was asked (with the wrong password, refused) — there is no cached login to answer instead.
    expect(adestra.stats().requests).toBe(requestsBefore + 1);
    expect(await (await db()).adestraConnection.count({ where: { shopId: await shopId(SHOP_A) } })).toBe(0);

    const aSettings = await app.embedded(SHOP_A, SETTINGS_PAGE);
    expect(aSettings.status).toBe(200);
    expect(aSettings.body.adestra).toMatchObject({ connected: false });
    expect(JSON.stringify(aSettings.body.coreTables ?? [])).toBe("[]");
    const tables = await app.post(SHOP_A, SETTINGS_PAGE, { intent: "choose-tables", coreTableId: "1", unsubListId: "1" });
    expect(tables.status).toBe(422);
    expect(state()).toBe(before);
  });
});
