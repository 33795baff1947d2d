/**
 * The APSIS sandbox's two consent bindings (sandbox/apsis/consent-store.ts), its body limit at the byte, and a
 * failure aimed at one endpoint — through the app's real client over HTTP.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApsisClient } from "../../../app/destinations/apsis/client/client";
import { ApsisPayloadTooLargeError, ApsisUnavailableError, ApsisValidationError } from "../../../app/destinations/apsis/client/errors";
import { APSIS_MAX_BODY_BYTES, eventsBody } from "../../../app/destinations/apsis/client/event-batches";
import { DEMO_APSIS, demoApsisAccount, type ApsisSandbox } from "../../../sandbox/apsis/server";
import { demoAccount, demoApsisClient, startDemoApsisSandbox } from "./test-support";

const SHOPIFY = DEMO_APSIS.shopifyKeyspace;
const GLOBAL = DEMO_APSIS.globalSection;
const [globalConfig] = demoApsisAccount().sections;
const versionOf = (discriminator: string) => String(globalConfig.attributes.find((a) => a.discriminator === discriminator)!.versionId);
const EMAIL_VERSION = versionOf("com.apsis1.attributes.email");
const NEWSLETTER = globalConfig.topics!.find((t) => t.name === "Newsletter")!.discriminator;
const PURCHASE_VERSION = String(globalConfig.events!.find((e) => e.discriminator === DEMO_APSIS.purchaseEvent)!.versionId);
const EMAIL_CHANNEL = "com.apsis1.channels.email";
const ADDRESS_BOUND = { clientId: "7d1e0c4a-2b9f-4c3e-8a61-5f0b9d2c7e14", clientSecret: "A".repeat(64) };

let sandbox: ApsisSandbox;
let client: ApsisClient;
let addressClient: ApsisClient;
beforeAll(async () => {
  sandbox = await startDemoApsisSandbox({ accounts: [demoApsisAccount(), { ...demoApsisAccount(), ...ADDRESS_BOUND, consentBinding: "address" }] });
  client = demoApsisClient(sandbox);
  addressClient = demoApsisClient(sandbox, ADDRESS_BOUND);
});
afterAll(() => sandbox.close());
beforeEach(() => {
  demoAccount(sandbox).reset();
  sandbox.account(ADDRESS_BOUND.clientId).reset();
});

/** A profile with an email, opted in to Newsletter, then given a new email (v1, as the app writes it). */
async function optInThenChangeEmail(apsis: ApsisClient, profileKey: string) {
  const setEmail = (email: string) => apsis.profiles.setAttributesV1({ keyspace: SHOPIFY, profileKey, section: GLOBAL, byVersionId: { [EMAIL_VERSION]: email } });
  const consent = (type: "opt-in" | "opt-out") =>
    apsis.consents.write({ keyspace: SHOPIFY, profileKey, section: GLOBAL, channel: EMAIL_CHANNEL, topic: NEWSLETTER, type, reason: "test", source: "test" });
  await setEmail("old@example.com");
  expect(await consent("opt-in")).toBe("created");
  await setEmail("new@example.com");
  return { setEmail, consent };
}

describe("APSIS sandbox: consent bound to the profile (the default, Consent 2.0)", () => {
  it("keeps the profile's consent across an email change, recording the address it was given for", async () => {
    expect(demoAccount(sandbox).consentBinding).toBe("profile");
    const { consent } = await optInThenChangeEmail(client, "9001");
    const [kept] = demoAccount(sandbox).profile(SHOPIFY, "9001")!.sections[GLOBAL].consents;
    expect(kept).toMatchObject({ topic: NEWSLETTER, type: "opt-in", address: "old@example.com" });
    // The new address is the profile's: it carries the profile's consent; the old one is on no profile.
    expect(demoAccount(sandbox).addressConsents({ section: GLOBAL, channel: EMAIL_CHANNEL, address: "new@example.com" })).toMatchObject([{ type: "opt-in" }]);
    expect(demoAccount(sandbox).addressConsents({ section: GLOBAL, channel: EMAIL_CHANNEL, address: "old@example.com" })).toEqual([]);
    expect(await consent("opt-out")).toBe("updated");
    expect(demoAccount(sandbox).profile(SHOPIFY, "9001")!.sections[GLOBAL].consents).toMatchObject([{ type: "opt-out", address: "new@example.com" }]);
  });
});

describe("APSIS sandbox: consent bound to the address", () => {
  const account = () => sandbox.account(ADDRESS_BOUND.clientId);

  it("applies a write to the profile's current address; a new address starts with no consent", async () => {
    expect(account().consentBinding).toBe("address");
    const { consent, setEmail } = await optInThenChangeEmail(addressClient, "9002");
    expect(account().profile(SHOPIFY, "9002")!.sections[GLOBAL].consents).toEqual([]);
    expect(await addressClient.consents.list({ keyspace: SHOPIFY, profileKey: "9002", section: GLOBAL })).toEqual([]);
    expect(account().addressConsents({ section: GLOBAL, channel: EMAIL_CHANNEL, address: "old@example.com" })).toMatchObject([{ type: "opt-in", address: "old@example.com" }]);
    // An opt-out now lands on the new address; the old one keeps its opt-in.
    expect(await consent("opt-out")).toBe("created");
    expect(account().addressConsents({ section: GLOBAL, channel: EMAIL_CHANNEL, address: "new@example.com" })).toMatchObject([{ type: "opt-out" }]);
    expect(account().addressConsents({ section: GLOBAL, channel: EMAIL_CHANNEL, address: "old@example.com" })).toMatchObject([{ type: "opt-in" }]);
    // Back to the old address: its consent applies again (409: it already has that type).
    await setEmail("old@example.com");
    expect(await consent("opt-in")).toBe("unchanged");
    expect(account().profile(SHOPIFY, "9002")!.sections[GLOBAL].consents).toMatchObject([{ type: "opt-in", address: "old@example.com" }]);
  });

  it("refuses consent for a profile with no address on the channel, and forgets a deleted profile's addresses", async () => {
    await addressClient.profiles.create({ keyspace: SHOPIFY, section: GLOBAL, profileKey: "9003" });
    const write = () =>
      addressClient.consents.write({ keyspace: SHOPIFY, profileKey: "9003", section: GLOBAL, channel: EMAIL_CHANNEL, topic: NEWSLETTER, type: "opt-in", reason: "test", source: "test" });
    await expect(write()).rejects.toThrow(ApsisValidationError);
    await addressClient.profiles.setAttributesV1({ keyspace: SHOPIFY, profileKey: "9003", section: GLOBAL, byVersionId: { [EMAIL_VERSION]: "gone@example.com" } });
    expect(await write()).toBe("created");
    await addressClient.profiles.delete({ keyspace: SHOPIFY, profileKey: "9003" });
    expect(account().addressConsents({ section: GLOBAL, channel: EMAIL_CHANNEL, address: "gone@example.com" })).toEqual([]);
  });
});

describe("APSIS sandbox: body limit and aimed failures", () => {
  const eventOf = (chars: number) => ({ versionId: PURCHASE_VERSION, eventTime: "2026-05-01T12:00:00Z", data: { note: "x".repeat(chars) } });

  it("takes a body of exactly 100,000 bytes and answers 413 to one byte more", async () => {
    await client.profiles.create({ keyspace: SHOPIFY, section: GLOBAL, profileKey: "9004" });
    const overhead = JSON.stringify(eventsBody([eventOf(0)])).length;
    const exact = eventOf(APSIS_MAX_BODY_BYTES - overhead);
    expect(JSON.stringify(eventsBody([exact])).length).toBe(100_000);
    await client.events.add({ keyspace: SHOPIFY, profileKey: "9004", section: GLOBAL, items: [exact] });
    await expect(client.events.add({ keyspace: SHOPIFY, profileKey: "9004", section: GLOBAL, items: [eventOf(APSIS_MAX_BODY_BYTES - overhead + 1)] })).rejects.toBeInstanceOf(ApsisPayloadTooLargeError);
    expect(demoAccount(sandbox).profile(SHOPIFY, "9004")!.sections[GLOBAL].events).toHaveLength(1);
  });

  it("fails only the endpoint named, after letting `after` calls through", async () => {
    await client.profiles.create({ keyspace: SHOPIFY, section: GLOBAL, profileKey: "9005" });
    const endpoint = "POST /audience/keyspaces/{keyspace}/profiles/{profileKey}/sections/{section}/events";
    demoAccount(sandbox).setFailure({ status: 503, count: 4, endpoint, after: 1 });
    const add = () => client.events.add({ keyspace: SHOPIFY, profileKey: "9005", section: GLOBAL, items: [eventOf(1)] });
    await add();
    await client.keyspaces.list(); // another endpoint: not failed
    await expect(add()).rejects.toBeInstanceOf(ApsisUnavailableError); // 1 + 3 retries, all 503
    await add();
    expect(demoAccount(sandbox).profile(SHOPIFY, "9005")!.sections[GLOBAL].events).toHaveLength(2);
  });
});
