/**
 * Connecting APSIS One and setting up conditions and mappings, through the services the APSIS page calls,
 * against the APSIS sandbox. Bad input gets a clear error and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCustomer } from "../../../sandbox/shopify/seed";
import type { ShopContext } from "../../../app/models/shop.server";
import { connectDemo, DEMO, demoDefinitions, expectedSection, setUpShop, type Stack, startStack, type Store } from "./stack";

const STORE: Store = { domain: "apsis-config.myshopify.com", customers: 250, seed: 53, ianaTimezone: "Europe/Stockholm" };

let stack: Stack;
let shop: ShopContext;
let shopId: string;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE], worker: false });
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
});

afterAll(async () => {
  await stack?.close();
});

const db = () => stack.app.db.getDb();

describe("connecting", () => {
  it("wrong credentials: a clear message on the form, nothing saved", async () => {
    const result = await stack.app.connection.connectApsis({ shop, region: "eu", clientId: DEMO.clientId, clientSecret: "not-the-secret" });
    expect(result).toEqual({ ok: false, formError: expect.stringContaining("rejected this client id and secret") });
    expect(await db().apsisConnection.count()).toBe(0);
    expect(await stack.app.connection.getApsisConnection({ shop })).toEqual({ connected: false });
  });

  it("missing fields are named, nothing is asked of APSIS", async () => {
    const before = stack.demo.stats().requests;
    const result = await stack.app.connection.connectApsis({ shop, region: "mars", clientId: " ", clientSecret: "" });
    expect(result).toEqual({ ok: false, fieldErrors: { region: expect.any(String), clientId: "enter the API client id", clientSecret: "enter the API client secret" } });
    expect(stack.demo.stats().requests).toBe(before);
  });

  it("right credentials: a token first, then saved with the secret encrypted and the Shopify keyspace chosen", async () => {
    const tokensBefore = stack.demo.stats().tokenRequests;
    const result = await connectDemo(stack, shop);
    expect(result).toEqual({ ok: true, keyspace: DEMO.shopifyKeyspace, keyspaceNeeded: false });
    expect(stack.demo.stats().tokenRequests).toBe(tokensBefore + 1);
    const row = (await db().apsisConnection.findUnique({ where: { shopId } }))!;
    expect(row.clientSecretEncrypted).toMatch(/^v1\./);
    expect(row.clientSecretEncrypted).not.toContain(DEMO.clientSecret);
    const view = await stack.app.connection.getApsisConnection({ shop });
    expect(view).toEqual({
      connected: true,
      region: "eu",
      clientId: DEMO.clientId,
      keyspace: DEMO.shopifyKeyspace,
      lastFullSyncAt: null,
      realtimeEnabled: false,
      verifiedAt: expect.any(Date),
    });
    expect(JSON.stringify(view)).not.toContain(DEMO.clientSecret);
  });

  it("lists the account's keyspaces and Sections with their attributes (typed) and topics", async () => {
    const { definitions } = await demoDefinitions(stack, shop);
    expect(definitions.keyspaces).toEqual(
      expect.arrayContaining([
        { discriminator: DEMO.shopifyKeyspace, name: "Shopify customer id", usable: true },
        { discriminator: "com.apsis1.keyspaces.email", name: "Email", usable: false },
      ]),
    );
    expect(definitions.sections.map((s) => s.name).sort()).toEqual(["Global", "Sweden"]);
    const sweden = definitions.sections.find((s) => s.name === "Sweden")!;
    expect(sweden.discriminator).toBe(DEMO.swedenSection);
    expect(sweden.attributes).toEqual(
      expect.arrayContaining([
        { discriminator: "com.apsis1.attributes.email", name: "Email", type: "text" },
        expect.objectContaining({ name: "Orders count", type: "number" }),
        expect.objectContaining({ name: "Amount spent", type: "decimal" }),
        expect.objectContaining({ name: "Customer since", type: "date" }),
      ]),
    );
    expect(sweden.topics.map((t) => t.name).sort()).toEqual(["Newsletter", "Offers", "SMS offers"]);
  });

  it("a keyspace that holds addresses cannot be chosen; the Shopify one can", async () => {
    expect(await stack.app.connection.chooseApsisKeyspace({ shop, keyspace: "com.apsis1.keyspaces.email" })).toEqual({
      ok: false,
      fieldErrors: { keyspace: expect.stringContaining("not customer ids") },
    });
    expect(await stack.app.connection.chooseApsisKeyspace({ shop, keyspace: "com.example.nope" })).toMatchObject({ ok: false, fieldErrors: { keyspace: expect.any(String) } });
    expect(await stack.app.connection.chooseApsisKeyspace({ shop, keyspace: DEMO.shopifyKeyspace })).toEqual({ ok: true });
  });
});

describe("sync conditions", () => {
  it("a condition on an unknown field is refused, naming it; nothing saved", async () => {
    const result = await stack.app.mapping.saveSyncConditions({ shop, conditions: [{ section: DEMO.swedenSection, field: "shoe_size", operator: "equals", value: "42" }] });
    expect(result).toEqual({
      ok: false,
      errors: [{ index: 0, path: "field", message: expect.stringContaining('Unknown field "shoe_size"') }],
      fieldErrors: { "conditions.0.field": expect.stringContaining('Unknown field "shoe_size"') },
    });
    expect(await db().syncCondition.count()).toBe(0);
  });

  it("a Section the account does not have is refused; nothing saved", async () => {
    const result = await stack.app.mapping.saveSyncConditions({ shop, conditions: [{ section: "usercreated.sections.gone", always: true }] });
    expect(result).toEqual({
      ok: false,
      errors: [{ index: 0, path: "section", message: expect.stringContaining("no Section") }],
      fieldErrors: { "conditions.0.section": expect.stringContaining("no Section") },
    });
    expect(await db().syncCondition.count()).toBe(0);
  });

  it("counts how many customers each rule matches, from the live store, as the sync will pick them", async () => {
    const conditions = [
      { section: DEMO.swedenSection, field: "country", operator: "equals", value: "SE" },
      { section: DEMO.globalSection, field: "tags", operator: "contains", value: "vip" },
    ];
    const counts = await stack.app.mapping.countConditionMatches({ shop, conditions });
    const seeded = Array.from({ length: STORE.customers }, (_, i) => seedCustomer(STORE.seed, i));
    const sweden = seeded.filter((c) => expectedSection(c) === DEMO.swedenSection).length;
    const vipOutsideSweden = seeded.filter((c) => expectedSection(c) === DEMO.globalSection).length;
    const vip = seeded.filter((c) => c.tags.includes("vip")).length;
    expect(counts).toEqual({
      ok: true,
      total: STORE.customers,
      method: "read",
      conditions: [
        { section: DEMO.swedenSection, matches: sweden, picked: sweden },
        { section: DEMO.globalSection, matches: vip, picked: vipOutsideSweden },
      ],
      notSynced: STORE.customers - sweden - vipOutsideSweden,
    });
    expect(await stack.app.mapping.countConditionMatches({ shop, conditions: [{ section: "x", field: "planet", operator: "equals", value: "Mars" }] })).toMatchObject({ ok: false });
  });

  it("saves the rules in order and reads them back", async () => {
    const conditions = [
      { section: DEMO.swedenSection, field: "country", operator: "equals", value: "SE" },
      { section: DEMO.globalSection, always: true },
    ];
    expect(await stack.app.mapping.saveSyncConditions({ shop, conditions })).toEqual({ ok: true });
    expect((await stack.app.mapping.getApsisMappings({ shop })).conditions).toEqual(conditions);
  });
});

describe("attribute mapping", () => {
  it("a mapping to an attribute of the wrong type is refused before saving; nothing saved", async () => {
    const { attribute } = await demoDefinitions(stack, shop);
    const result = await stack.app.mapping.saveAttributeMappings({
      shop,
      section: DEMO.swedenSection,
      mappings: [
        { field: "email", attribute: "com.apsis1.attributes.email" },
        { field: "city", attribute: attribute("Sweden", "Orders count") },
        { field: "amount_spent", attribute: attribute("Sweden", "Customer since") },
      ],
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.objectContaining({ index: 1, code: "type_mismatch", message: 'City is text but "Orders count" is a whole number attribute' }),
        expect.objectContaining({ index: 2, code: "type_mismatch" }),
      ],
      fieldErrors: { "mappings.city": 'City is text but "Orders count" is a whole number attribute', "mappings.amount_spent": expect.any(String) },
      formError: "The attribute mapping was not saved: fix the fields marked below.",
    });
    expect(await db().attributeMapping.count()).toBe(0);
  });

  it("an attribute the Section does not have, or a Shopify field that does not exist, is refused", async () => {
    const result = await stack.app.mapping.saveAttributeMappings({
      shop,
      section: DEMO.swedenSection,
      mappings: [
        { field: "shoe_size", attribute: "com.apsis1.attributes.email" },
        { field: "city", attribute: "usercreated.attributes.gone" },
      ],
    });
    expect(result).toMatchObject({ ok: false, errors: [{ code: "unknown_field" }, { code: "unknown_attribute" }] });
    expect(await stack.app.mapping.saveAttributeMappings({ shop, section: "usercreated.sections.gone", mappings: [] })).toEqual({ ok: false, formError: expect.stringContaining("no Section") });
    expect(await db().attributeMapping.count()).toBe(0);
  });

  it("the guessed mappings are type-correct and saved as proposed", async () => {
    const { section } = await demoDefinitions(stack, shop);
    const guessed = stack.app.fields.guessMappings(section("Sweden").attributes);
    expect(guessed.length).toBeGreaterThanOrEqual(14);
    expect(await stack.app.mapping.saveAttributeMappings({ shop, section: DEMO.swedenSection, mappings: guessed })).toEqual({ ok: true });
    const saved = (await stack.app.mapping.getApsisMappings({ shop })).attributes[DEMO.swedenSection];
    expect(saved.map(({ field, attribute }) => ({ field, attribute }))).toEqual(guessed);
    expect(saved.find((m) => m.field === "number_of_orders")!.attributeType).toBe("number");
  });
});

describe("consent mapping", () => {
  it("a topic the Section does not have is refused; nothing saved", async () => {
    const result = await stack.app.mapping.saveConsentMappings({ shop, section: DEMO.swedenSection, email: ["usercreated.topics.gone"], sms: [] });
    expect(result).toEqual({ ok: false, errors: [{ channel: "email", topic: "usercreated.topics.gone", message: expect.any(String) }], fieldErrors: { email: expect.any(String) } });
    expect(await db().consentMapping.count()).toBe(0);
  });

  it("saves the Email and SMS topics of a Section", async () => {
    const { topic } = await demoDefinitions(stack, shop);
    const email = [topic("Sweden", "Newsletter"), topic("Sweden", "Offers")];
    const sms = [topic("Sweden", "SMS offers")];
    expect(await stack.app.mapping.saveConsentMappings({ shop, section: DEMO.swedenSection, email, sms })).toEqual({ ok: true });
    expect((await stack.app.mapping.getApsisMappings({ shop })).consents).toEqual({ [DEMO.swedenSection]: { email, sms } });
  });
});

describe("guards", () => {
  it("every service refuses a shop that is not invited", async () => {
    const stranger = "stranger.myshopify.com";
    // The services take a context, and only the gate makes one: resolving the shop is what refuses it.
    const calls: ((shop: ShopContext) => Promise<unknown>)[] = [
      (shop) => stack.app.connection.connectApsis({ shop, region: "eu", clientId: DEMO.clientId, clientSecret: DEMO.clientSecret }),
      (shop) => stack.app.connection.getApsisConnection({ shop }),
      (shop) => stack.app.connection.getApsisAccountDefinitions({ shop }),
      (shop) => stack.app.connection.disconnectApsis({ shop }),
      (shop) => stack.app.mapping.saveSyncConditions({ shop, conditions: [] }),
      (shop) => stack.app.mapping.saveAttributeMappings({ shop, section: DEMO.swedenSection, mappings: [] }),
      (shop) => stack.app.mapping.saveConsentMappings({ shop, section: DEMO.swedenSection, email: [], sms: [] }),
      (shop) => stack.app.mapping.getApsisMappings({ shop }),
      (shop) => stack.app.mapping.countConditionMatches({ shop, conditions: [] }),
      (shop) => stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" }),
      (shop) => stack.app.fullSync.getFullSyncStatus({ shop }),
    ];
    for (const call of calls) await expect(stack.app.shops.resolveShopContext({ shop: stranger }).then(call)).rejects.toMatchObject({ name: "ShopNotInvitedError" });
  });

  it("a Full Sync needs sync conditions", async () => {
    await db().syncCondition.deleteMany({ where: { shopId } });
    await expect(stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" })).rejects.toMatchObject({
      name: "UserFacingError",
      message: expect.stringContaining("sync conditions"),
    });
    expect(await db().syncRun.count()).toBe(0);
  });

  it("disconnecting removes the connection, mappings and conditions", async () => {
    expect(await stack.app.connection.disconnectApsis({ shop })).toEqual({ ok: true });
    expect(await stack.app.connection.getApsisConnection({ shop })).toEqual({ connected: false });
    expect(await db().attributeMapping.count({ where: { shopId } })).toBe(0);
    expect(await db().consentMapping.count({ where: { shopId } })).toBe(0);
    await expect(stack.app.connection.getApsisAccountDefinitions({ shop })).rejects.toMatchObject({ name: "ApsisNotConnectedError" });
    await expect(stack.app.fullSync.startFullSync({ shop, trigger: "on_demand" })).rejects.toMatchObject({ message: "Connect APSIS One first." });
  });
});
