/**
 * The APSIS sandbox's inspection page (sandbox/apsis/inspection.ts): what the app wrote, readable with no
 * credentials from outside the process, only on a loopback sandbox, and without changing the API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ApsisClient } from "../../../app/destinations/apsis/client/client";
import { INSPECTION_JSON_PATH, INSPECTION_PATH } from "../../../sandbox/inspection";
import { DEMO_APSIS, demoApsisAccount, type ApsisSandbox } from "../../../sandbox/apsis/server";
import { demoAccount, demoApsisClient, startDemoApsisSandbox } from "./test-support";

const GLOBAL = DEMO_APSIS.globalSection;
const [globalConfig] = demoApsisAccount().sections;
const newsletter = globalConfig.topics!.find((topic) => topic.name === "Newsletter")!.discriminator;
const ordersCount = globalConfig.attributes.find((attribute) => attribute.name === "Orders count")!.discriminator;

type InspectionJson = {
  sandbox: string;
  query: { q: string; offset: number; limit: number };
  accounts: {
    clientId: string;
    profiles: { total: number; matching: number; offset: number; items: { profileKey: string; sections: Record<string, { attributes: Record<string, unknown>; consents: { topic: string; type: string; address: string | null }[] }> }[] };
    stats: { requests: number };
  }[];
};

let sandbox: ApsisSandbox;
let client: ApsisClient;
beforeAll(async () => {
  sandbox = await startDemoApsisSandbox();
  client = demoApsisClient(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => demoAccount(sandbox).reset());

async function writeProfile(profileKey: string, email: string, firstName: string) {
  const profile = { keyspace: DEMO_APSIS.shopifyKeyspace, profileKey, section: GLOBAL };
  await client.profiles.create(profile);
  await client.profiles.setAttributes({ ...profile, attributes: { "com.apsis1.attributes.email": email, "com.apsis1.attributes.firstname": firstName, [ordersCount]: 3 } });
  await client.consents.write({ ...profile, channel: "com.apsis1.channels.email", topic: newsletter, type: "opt-in", reason: "Accepted marketing in Shopify", source: "Shopify" });
}

describe("APSIS sandbox: the inspection page", () => {
  it("shows each profile's attributes and consents as JSON and HTML, with no credentials and without counting as API requests", async () => {
    await writeProfile("7001", "anna@example.com", "Anna");
    await writeProfile("7002", "bo@example.com", "Bo");
    const requests = demoAccount(sandbox).stats().requests;

    const json = await fetch(`${sandbox.url}${INSPECTION_JSON_PATH}`);
    expect(json.status).toBe(200);
    expect(json.headers.get("cache-control")).toBe("no-store");
    const body = (await json.json()) as InspectionJson;
    expect(body.sandbox).toBe("APSIS One");
    const [account] = body.accounts;
    expect(account.clientId).toBe(DEMO_APSIS.clientId);
    expect(JSON.stringify(body)).not.toContain(DEMO_APSIS.clientSecret);
    expect(account.profiles).toMatchObject({ total: 2, matching: 2, offset: 0 });
    expect(account.profiles.items.map((p) => p.profileKey)).toEqual(["7001", "7002"]);
    expect(account.profiles.items[0].sections[GLOBAL]).toMatchObject({
      attributes: { "com.apsis1.attributes.email": "anna@example.com", "com.apsis1.attributes.firstname": "Anna", [ordersCount]: 3 },
      consents: [{ topic: newsletter, type: "opt-in", address: "anna@example.com" }],
    });

    const page = await fetch(`${sandbox.url}${INSPECTION_PATH}?q=ANNA@example`);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("Profile 7001");
    expect(html).not.toContain("Profile 7002");
    expect(html).toMatch(/<td>First name<\/td><td><code>com\.apsis1\.attributes\.firstname<\/code><\/td><td>Anna<\/td>/);
    expect(html).toMatch(/Newsletter <code>[^<]+<\/code><\/td><td>opt-in<\/td><td>anna@example\.com<\/td>/);
    expect(html).toContain('1 matching "ANNA@example" (2 in all)');

    expect(demoAccount(sandbox).stats().requests).toBe(requests);
  });

  it("pages with offset and limit, refuses unknown or invalid parameters (400) and anything but GET (405)", async () => {
    for (const key of ["7101", "7102", "7103"]) await writeProfile(key, `${key}@example.com`, "Cy");
    const paged = (await (await fetch(`${sandbox.url}${INSPECTION_JSON_PATH}?offset=1&limit=1`)).json()) as InspectionJson;
    expect(paged.accounts[0].profiles).toMatchObject({ total: 3, matching: 3, offset: 1 });
    expect(paged.accounts[0].profiles.items.map((p) => p.profileKey)).toEqual(["7102"]);

    for (const query of ["limit=0", "limit=201", "offset=-1", "clientSecret=x"]) {
      const refused = await fetch(`${sandbox.url}${INSPECTION_JSON_PATH}?${query}`);
      expect(refused.status, query).toBe(400);
      expect(((await refused.json()) as { errors: string[] }).errors).toHaveLength(1);
    }
    const post = await fetch(`${sandbox.url}${INSPECTION_PATH}`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(demoAccount(sandbox).profiles()).toHaveLength(3);
  });

  it("leaves the API as it was: its paths still need a token, and no inspection is served off loopback", async () => {
    const api = await fetch(`${sandbox.url}/audience/keyspaces`);
    expect(api.status).toBe(401);
    const nearby = await fetch(`${sandbox.url}${INSPECTION_PATH}/profiles`);
    expect(nearby.status).toBe(401); // not the inspection page: an API path without a token

    const exposed = await startDemoApsisSandbox({ host: "0.0.0.0" });
    try {
      const port = new URL(exposed.url).port;
      const refused = await fetch(`http://127.0.0.1:${port}${INSPECTION_JSON_PATH}`);
      expect(refused.status).toBe(401); // what APSIS answers any path without a token
      // The API itself works there as everywhere: the client gets a token and reads.
      expect((await demoApsisClient(exposed).keyspaces.list()).length).toBeGreaterThan(0);
    } finally {
      await exposed.close();
    }
  });
});
