/**
 * The APSIS sandbox's profile merge (PUT /audience/profiles/merges, docs/apis/apsis-one-api.md §5.6), through the
 * app's real client over HTTP: both keys on one profile, a missing one created along the way, a repeat harmless,
 * and 409 for two profiles with keys in one keyspace (INFERRED, see sandbox/apsis/profiles.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApsisClient } from "../../../app/destinations/apsis/client/client";
import { ApsisConflictError, ApsisNotFoundError } from "../../../app/destinations/apsis/client/errors";
import { DEMO_APSIS, demoApsisAccount, type ApsisSandbox } from "../../../sandbox/apsis/server";
import { demoAccount, demoApsisClient, startDemoApsisSandbox } from "./test-support";

const SHOPIFY = DEMO_APSIS.shopifyKeyspace;
const EMAIL = DEMO_APSIS.emailKeyspace;
const GLOBAL = DEMO_APSIS.globalSection;
const [globalConfig] = demoApsisAccount().sections;
const FIRST_NAME_VERSION = String(globalConfig.attributes.find((a) => a.discriminator === "com.apsis1.attributes.firstname")!.versionId);
const NEWSLETTER = globalConfig.topics!.find((t) => t.name === "Newsletter")!.discriminator;

let sandbox: ApsisSandbox;
let client: ApsisClient;
beforeAll(async () => {
  sandbox = await startDemoApsisSandbox();
  client = demoApsisClient(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => demoAccount(sandbox).reset());

const profile = (keyspace: string, key: string) => demoAccount(sandbox).profile(keyspace, key);
const optIn = (keyspace: string, profileKey: string) =>
  client.consents.write({ keyspace, profileKey, section: GLOBAL, channel: "com.apsis1.channels.email", topic: NEWSLETTER, type: "opt-in", reason: "test", source: "test" });

describe("APSIS sandbox: profile merges", () => {
  it("refuses (409) two profiles whose keys share a keyspace, and changes neither", async () => {
    await client.profiles.setAttributesV1({ keyspace: SHOPIFY, profileKey: "101", section: GLOBAL, byVersionId: { [FIRST_NAME_VERSION]: "Ada" } });
    await client.profiles.setAttributesV1({ keyspace: SHOPIFY, profileKey: "102", section: GLOBAL, byVersionId: { [FIRST_NAME_VERSION]: "Bea" } });
    const error = await client.profiles.merge([{ keyspace: SHOPIFY, profileKey: "101" }, { keyspace: SHOPIFY, profileKey: "102" }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApsisConflictError);
    expect(profile(SHOPIFY, "101")!.sections[GLOBAL].attributes["com.apsis1.attributes.firstname"]).toBe("Ada");
    expect(profile(SHOPIFY, "102")!.sections[GLOBAL].attributes["com.apsis1.attributes.firstname"]).toBe("Bea");
    expect(demoAccount(sandbox).stats().byEndpoint["PUT /audience/profiles/merges"]).toBe(1);
  });

  it("puts keys of two keyspaces on one profile, creating the missing one along the way; a repeat changes nothing", async () => {
    await client.profiles.setAttributesV1({ keyspace: SHOPIFY, profileKey: "201", section: GLOBAL, byVersionId: { [FIRST_NAME_VERSION]: "Cleo" } });
    const merge = () => client.profiles.merge([{ keyspace: SHOPIFY, profileKey: "201" }, { keyspace: EMAIL, profileKey: "cleo@example.com" }]);
    await merge();
    expect(profile(EMAIL, "cleo@example.com")).toEqual(profile(SHOPIFY, "201"));
    await merge();
    expect(demoAccount(sandbox).profiles()).toHaveLength(1);
  });

  it("moves what the second profile holds onto the first: attributes it lacks and consents", async () => {
    await client.profiles.setAttributesV1({ keyspace: SHOPIFY, profileKey: "301", section: GLOBAL, byVersionId: { [FIRST_NAME_VERSION]: "Dan" } });
    await client.profiles.create({ keyspace: EMAIL, section: GLOBAL, profileKey: "dan@example.com" });
    await optIn(EMAIL, "dan@example.com");
    await client.profiles.merge([{ keyspace: SHOPIFY, profileKey: "301" }, { keyspace: EMAIL, profileKey: "dan@example.com" }]);
    const merged = profile(SHOPIFY, "301")!;
    expect(merged.sections[GLOBAL].attributes["com.apsis1.attributes.firstname"]).toBe("Dan");
    expect(merged.sections[GLOBAL].consents).toMatchObject([{ topic: NEWSLETTER, type: "opt-in" }]);
    expect(profile(EMAIL, "dan@example.com")).toEqual(merged);
    expect(demoAccount(sandbox).profiles()).toHaveLength(1);
  });

  it("refuses a keyspace the account lacks (404), creating nothing", async () => {
    const error = await client.profiles.merge([{ keyspace: SHOPIFY, profileKey: "1" }, { keyspace: "com.apsis1.keyspaces.nope", profileKey: "2" }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApsisNotFoundError);
    expect(demoAccount(sandbox).profiles()).toHaveLength(0);
  });
});

