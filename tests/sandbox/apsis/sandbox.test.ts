import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApsisClient } from "../../../app/destinations/apsis/client/client";
import { currentVersionId } from "../../../app/destinations/apsis/rules/attribute-values";
import { ApsisConflictError, ApsisNotFoundError, ApsisPayloadTooLargeError, ApsisRateLimitError, ApsisValidationError } from "../../../app/destinations/apsis/client/errors";
import { DEMO_APSIS, demoApsisAccount, type ApsisSandbox } from "../../../sandbox/apsis/server";
import { demoAccount, demoApsisClient, startDemoApsisSandbox } from "./test-support";

const SHOPIFY = DEMO_APSIS.shopifyKeyspace;
const EMAIL = DEMO_APSIS.emailKeyspace;
const GLOBAL = DEMO_APSIS.globalSection;
const SWEDEN = DEMO_APSIS.swedenSection;
const [globalConfig] = demoApsisAccount().sections;
/** The Global section's custom discriminators, by slug (usercreated.attributes.<slug>-<suffix>). */
const custom = (kind: "attributes" | "topics", slug: string) => {
  const definitions: { discriminator: string }[] = kind === "attributes" ? globalConfig.attributes : (globalConfig.topics ?? []);
  return definitions.find((definition) => definition.discriminator.startsWith(`usercreated.${kind}.${slug}-`))!.discriminator;
};
const versionOf = (discriminator: string) => String(globalConfig.attributes.find((attribute) => attribute.discriminator === discriminator)!.versionId);

let sandbox: ApsisSandbox;
let client: ApsisClient;
beforeAll(async () => {
  sandbox = await startDemoApsisSandbox();
  client = demoApsisClient(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => demoAccount(sandbox).reset());

const raw = (path: string, init: RequestInit = {}) => fetch(`${sandbox.url}${path}`, init);

describe("APSIS sandbox: tokens and authentication", () => {
  it("issues one JWT that the client reuses, and answers 429 past 10 token requests a minute", async () => {
    const fresh = () => demoApsisClient(sandbox);
    const reused = fresh();
    for (let i = 0; i < 20; i++) await reused.keyspaces.list();
    expect(demoAccount(sandbox).stats()).toMatchObject({ requests: 21, tokenRequests: 1 });
    demoAccount(sandbox).reset();

    for (let i = 0; i < 10; i++) await fresh().sections.list();
    const error = await fresh().sections.list().catch((e: unknown) => e);
    // Retry-After (up to 60 s) is longer than the client waits by itself: the job is told how long.
    expect(error).toBeInstanceOf(ApsisRateLimitError);
    expect((error as ApsisRateLimitError).retryAfterMs).toBeGreaterThan(30_000);
    expect(demoAccount(sandbox).stats()).toMatchObject({ tokenRequests: 11, status429: 1 });
  });

  it("takes form-encoded credentials too, and refuses a wrong secret with APSIS's error body", async () => {
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: DEMO_APSIS.clientId, client_secret: DEMO_APSIS.clientSecret });
    const ok = await raw("/oauth/token", { method: "POST", body: form });
    const token = (await ok.json()) as { access_token: string; expires_in: number; token_type: string };
    expect(token).toMatchObject({ expires_in: 86_400, token_type: "Bearer" });
    const claims = JSON.parse(Buffer.from(token.access_token.split(".")[1], "base64url").toString()) as { exp: number; sub: string };
    expect(claims.sub).toBe(DEMO_APSIS.clientId);
    expect(claims.exp - Date.now() / 1_000).toBeGreaterThan(86_000);

    const wrong = new ApsisClient({ baseUrl: sandbox.url, clientId: DEMO_APSIS.clientId, clientSecret: "nope" });
    await expect(wrong.keyspaces.list()).rejects.toMatchObject({ name: "ApsisAuthError", status: 401, detail: "Invalid client credentials" });
  });

  it("requires a valid bearer token; after revocation the client refreshes once and carries on", async () => {
    const anonymous = await raw("/audience/keyspaces");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ title: "Unauthorized", status: 401, detail: "Missing bearer token" });

    await client.keyspaces.list();
    const before = demoAccount(sandbox).stats().tokenRequests;
    demoAccount(sandbox).revokeTokens();
    await expect(client.keyspaces.list()).resolves.toHaveLength(2);
    expect(demoAccount(sandbox).stats().tokenRequests).toBe(before + 1);
  });
});

describe("APSIS sandbox: definitions", () => {
  it("serves keyspaces, sections, attributes with current versions, v2 topics and events", async () => {
    expect(await client.keyspaces.list()).toEqual([
      { discriminator: SHOPIFY, name: "Shopify customer id" },
      { discriminator: EMAIL, name: "Email" },
    ]);
    expect(SHOPIFY).toMatch(/^com\.apsis1\.integrations\.keyspaces\.[0-9a-f]{8}\.shopify$/);
    expect(await client.sections.list()).toEqual([
      { id: 1, discriminator: GLOBAL, name: "Global" },
      { id: 2, discriminator: SWEDEN, name: "Sweden" },
    ]);
    const attributes = await client.attributes.list({ section: GLOBAL });
    const ordersCount = attributes.find((attribute) => attribute.name === "Orders count")!;
    expect(ordersCount).toMatchObject({ type: "number", discriminator: expect.stringMatching(/^usercreated\.attributes\.orders_count-[a-z0-9]{10}$/) });
    expect(currentVersionId(ordersCount)).toMatch(/^\d+$/);
    expect(attributes.map((attribute) => attribute.discriminator)).toContain("com.apsis1.attributes.email");
    expect((await client.topics.list({ section: GLOBAL })).map((topic) => topic.name)).toEqual(["Newsletter", "Offers", "SMS offers"]);
    expect(await client.events.list({ section: SWEDEN })).toEqual([{ discriminator: DEMO_APSIS.purchaseEvent, name: "Purchase", versions: [{ id: "9830016", deprecated_at: null }] }]);
    await expect(client.attributes.list({ section: "usercreated.sections.nope" })).rejects.toBeInstanceOf(ApsisNotFoundError);
  });
});

describe("APSIS sandbox: profiles and attributes", () => {
  const firstname = "com.apsis1.attributes.firstname";
  const lastname = "com.apsis1.attributes.lastname";

  it("creates a profile (409 the second time) and merge-patches attributes: set, keep, clear with null", async () => {
    const profile = { keyspace: SHOPIFY, profileKey: "7001" };
    expect(await client.profiles.create({ ...profile, section: GLOBAL })).toBe("created");
    expect(await client.profiles.create({ ...profile, section: GLOBAL })).toBe("exists");
    await client.profiles.setAttributes({ ...profile, section: GLOBAL, attributes: { [firstname]: "Åsa", [custom("attributes", "orders_count")]: 3 } });
    await client.profiles.setAttributes({ ...profile, section: GLOBAL, attributes: { [firstname]: null, [lastname]: "Öberg", [custom("attributes", "amount_spent")]: "99.50" } });
    expect(demoAccount(sandbox).profile(SHOPIFY, "7001")?.sections[GLOBAL].attributes).toEqual({
      [custom("attributes", "orders_count")]: 3,
      [lastname]: "Öberg",
      [custom("attributes", "amount_spent")]: 99.5,
    });
  });

  it("v2 refuses a missing profile; v1 creates it, keyed by an email that travels URL-encoded", async () => {
    const profile = { keyspace: EMAIL, profileKey: "anna+shop/1@example.com" };
    await expect(client.profiles.setAttributes({ ...profile, section: GLOBAL, attributes: { [firstname]: "Anna" } })).rejects.toBeInstanceOf(ApsisNotFoundError);
    await client.profiles.setAttributesV1({ ...profile, section: SWEDEN, byVersionId: { "9830002": "Anna" } });
    expect(demoAccount(sandbox).profiles()).toEqual([{ keyspace: EMAIL, profileKey: "anna+shop/1@example.com", keys: { [EMAIL]: "anna+shop/1@example.com" }, sections: { [SWEDEN]: { attributes: { [firstname]: "Anna" }, consents: [], events: [] } } }]);
  });

  it("moves an email profile's key when v2 changes its email, and refuses an email another profile has", async () => {
    await client.profiles.create({ keyspace: EMAIL, section: GLOBAL, profileKey: "old@example.com" });
    await client.profiles.create({ keyspace: EMAIL, section: GLOBAL, profileKey: "taken@example.com" });
    expect(demoAccount(sandbox).profile(EMAIL, "old@example.com")?.sections[GLOBAL].attributes).toEqual({ "com.apsis1.attributes.email": "old@example.com" });
    const email = (value: string) => ({ keyspace: EMAIL, profileKey: "old@example.com", section: GLOBAL, attributes: { "com.apsis1.attributes.email": value } });
    await expect(client.profiles.setAttributes(email("taken@example.com"))).rejects.toBeInstanceOf(ApsisConflictError);
    await client.profiles.setAttributes(email("new@example.com"));
    expect(demoAccount(sandbox).profile(EMAIL, "old@example.com")).toBeUndefined();
    expect(demoAccount(sandbox).profile(EMAIL, "new@example.com")?.keys).toEqual({ [EMAIL]: "new@example.com" });
  });

  it("answers 400 for a value of the wrong type or an unknown attribute, and changes nothing", async () => {
    await client.profiles.create({ keyspace: SHOPIFY, section: GLOBAL, profileKey: "7002" });
    const write = (attributes: Record<string, string | number | boolean>) => client.profiles.setAttributes({ keyspace: SHOPIFY, profileKey: "7002", section: GLOBAL, attributes });
    const error = await write({ [firstname]: "Bo", [custom("attributes", "orders_count")]: "three" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApsisValidationError);
    expect((error as ApsisValidationError).detail).toMatch(/orders_count.*\(number\): "three" is not a valid number value/);
    await expect(write({ [custom("attributes", "customer_since")]: "2026-02-30" })).rejects.toBeInstanceOf(ApsisValidationError);
    await expect(write({ [custom("attributes", "accepts_marketing")]: "yes" })).rejects.toBeInstanceOf(ApsisValidationError);
    await expect(write({ "usercreated.attributes.nope-0000000000": "x" })).rejects.toThrow(/Unknown attribute discriminator/);
    await expect(client.profiles.setAttributesV1({ keyspace: SHOPIFY, profileKey: "7002", section: GLOBAL, byVersionId: { "9830002": "Sweden's" } })).rejects.toThrow(/Unknown attribute version id/);
    expect(demoAccount(sandbox).profile(SHOPIFY, "7002")?.sections).toEqual({});
  });

  it("answers 413 to a body over 100 kB, which the client does not retry", async () => {
    const byVersionId = { [versionOf(custom("attributes", "tags"))]: "x".repeat(101 * 1024) };
    await expect(client.profiles.setAttributesV1({ keyspace: SHOPIFY, profileKey: "7003", section: GLOBAL, byVersionId })).rejects.toBeInstanceOf(ApsisPayloadTooLargeError);
    expect(demoAccount(sandbox).stats().byEndpoint["PATCH /audience/keyspaces/{keyspace}/profiles/{profileKey}/sections/{section}/attributes"]).toBe(1);
    expect(demoAccount(sandbox).profiles()).toEqual([]);
  });

  it("accepts a merge patch sent as application/json, refuses other content types and unknown paths", async () => {
    const { access_token } = (await (
      await raw("/oauth/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ grant_type: "client_credentials", client_id: DEMO_APSIS.clientId, client_secret: DEMO_APSIS.clientSecret }) })
    ).json()) as { access_token: string };
    const patch = (contentType: string) =>
      raw(`/audience/keyspaces/${SHOPIFY}/profiles/7004/sections/${GLOBAL}/attributes`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${access_token}`, "content-type": contentType },
        body: JSON.stringify({ [versionOf(firstname)]: "Cai" }),
      });
    expect((await patch("application/json")).status).toBe(204);
    expect((await patch("text/plain")).status).toBe(415);
    const headers = { authorization: `Bearer ${access_token}` };
    expect((await raw("/audience/nothing", { headers })).status).toBe(404);
    expect((await raw("/audience/keyspaces", { method: "DELETE", headers })).status).toBe(405);
  });
});

describe("APSIS sandbox: consents, events, delete", () => {
  const newsletter = custom("topics", "newsletter");
  const smsOffers = custom("topics", "sms_offers");
  const profile = { keyspace: SHOPIFY, profileKey: "8001", section: GLOBAL };
  const consent = { ...profile, channel: "com.apsis1.channels.email", topic: newsletter, reason: "Accepted marketing in Shopify", source: "Shopify" } as const;

  it("answers 201 created, 204 updated and 409 unchanged, and lists consents by type", async () => {
    await client.profiles.create(profile);
    expect(await client.consents.write({ ...consent, type: "opt-in" })).toBe("created");
    expect(await client.consents.write({ ...consent, type: "opt-in" })).toBe("unchanged");
    expect(await client.consents.write({ ...consent, type: "opt-out", reason: "Unsubscribed in Shopify" })).toBe("updated");
    expect(await client.consents.list({ ...profile, types: ["opt-in", "confirmed-opt-in"] })).toEqual([]);
    expect(await client.consents.list(profile)).toEqual([
      { channel_discriminator: "com.apsis1.channels.email", topic_discriminator: newsletter, type: "opt-out", reason: "Unsubscribed in Shopify", source: "Shopify", modified_at: expect.any(String) },
    ]);
    expect(demoAccount(sandbox).profile(SHOPIFY, "8001")?.sections[GLOBAL].consents).toMatchObject([{ topic: newsletter, type: "opt-out", source: "Shopify" }]);
  });

  it("refuses double-opt-in states, unknown topics, a channel-specific topic on another channel, and missing profiles", async () => {
    await client.profiles.create(profile);
    const write = (overrides: Record<string, string>) => client.consents.write({ ...consent, type: "opt-in", ...overrides } as typeof consent & { type: "opt-in" });
    await expect(write({ type: "pending-opt-in" })).rejects.toThrow(/cannot be set through the API/);
    await expect(write({ type: "confirmed-opt-in" })).rejects.toBeInstanceOf(ApsisValidationError);
    await expect(write({ topic: "usercreated.topics.nope-0000000000" })).rejects.toThrow(/Unknown topic/);
    await expect(write({ topic: smsOffers })).rejects.toThrow(/com.apsis1.channels.sms only/);
    await expect(write({ topic: smsOffers, channel: "com.apsis1.channels.sms" })).resolves.toBe("created");
    await expect(write({ profileKey: "404" })).rejects.toBeInstanceOf(ApsisNotFoundError);
  });

  it("stores events with a known version id, refuses unknown ones, and DELETE removes the profile everywhere", async () => {
    await client.profiles.setAttributesV1({ keyspace: SHOPIFY, profileKey: "8002", section: SWEDEN, byVersionId: { "9830002": "Dag" } });
    await client.consents.write({ ...consent, profileKey: "8002", type: "opt-in" });
    const [purchase] = await client.events.list({ section: GLOBAL });
    const event = { versionId: currentVersionId(purchase)!, eventTime: "2026-05-01T12:00:00+02:00", data: { orderId: 1001, total: 99.5 } };
    await client.events.add({ keyspace: SHOPIFY, profileKey: "8002", section: GLOBAL, items: [event] });
    await expect(client.events.add({ keyspace: SHOPIFY, profileKey: "8002", section: GLOBAL, items: [{ ...event, versionId: "9830016" }] })).rejects.toThrow(/Unknown event version id/);
    expect(demoAccount(sandbox).profile(SHOPIFY, "8002")?.sections[GLOBAL].events).toEqual([
      { discriminator: DEMO_APSIS.purchaseEvent, versionId: event.versionId, eventTime: event.eventTime, data: event.data },
    ]);

    expect(await client.profiles.delete({ keyspace: SHOPIFY, profileKey: "8002" })).toBe("deleted");
    expect(demoAccount(sandbox).profiles()).toEqual([]);
    expect(await client.profiles.delete({ keyspace: SHOPIFY, profileKey: "8002" })).toBe("absent");
    await expect(client.consents.list({ keyspace: SHOPIFY, profileKey: "8002", section: GLOBAL })).rejects.toBeInstanceOf(ApsisNotFoundError);
  });

  it("refuses a keyspace it does not have", async () => {
    await expect(client.profiles.create({ keyspace: "com.apsis1.keyspaces.nope", section: GLOBAL, profileKey: "1" })).rejects.toBeInstanceOf(ApsisNotFoundError);
    await expect(client.profiles.delete({ keyspace: SHOPIFY, profileKey: "1" })).resolves.toBe("absent");
  });
});
