/**
 * The Adestra sandbox's inspection page (sandbox/adestra/inspection.ts): contacts, lists and unsub lists,
 * readable with no credentials from outside the process, only on a loopback sandbox, without changing the API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AdestraClient } from "../../../app/destinations/adestra/client/client";
import { INSPECTION_JSON_PATH, INSPECTION_PATH } from "../../../sandbox/inspection";
import { DEMO_ACCOUNT, type AdestraSandbox } from "../../../sandbox/adestra/server";
import { demoAdestraClient, startDemoAdestraSandbox } from "./test-support";

const TABLE = 1;
const LIST = 21;
const UNSUB = 10;

type InspectionJson = {
  sandbox: string;
  accounts: {
    name: string;
    coreTables: { id: number; contacts: { total: number; matching: number; items: { id: number; fields: Record<string, string>; lists: number[]; unsubscribed: number[] }[] } }[];
    lists: { id: number; name: string; members: number }[];
    unsubLists: { id: number; addresses: { total: number; items: string[] } }[];
    stats: { requests: number; served: Record<string, number> };
  }[];
};

let sandbox: AdestraSandbox;
let client: AdestraClient;
beforeAll(async () => {
  sandbox = await startDemoAdestraSandbox();
  client = demoAdestraClient(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.account(DEMO_ACCOUNT.accountName).reset());

describe("Adestra sandbox: the inspection page", () => {
  it("shows contacts with their lists and unsub lists, as JSON and HTML, with no credentials and without counting as calls", async () => {
    const anna = await client.contacts.upsert({ tableId: TABLE, data: { email: "anna@example.com", first_name: "Anna" } });
    await client.contacts.addList({ contactId: anna, listId: LIST });
    await client.contacts.upsert({ tableId: TABLE, data: { email: "bo@example.com", first_name: "Bo" } });
    await client.unsubLists.addAddress({ email: "Bo@Example.com", unsubListId: UNSUB });
    const requests = sandbox.account(DEMO_ACCOUNT.accountName).stats().requests;

    const response = await fetch(`${sandbox.url}${INSPECTION_JSON_PATH}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as InspectionJson;
    expect(body.sandbox).toBe("Adestra");
    const [account] = body.accounts;
    expect(JSON.stringify(body)).not.toContain(DEMO_ACCOUNT.password);
    const table = account.coreTables.find((t) => t.id === TABLE)!;
    expect(table.contacts).toMatchObject({ total: 2, matching: 2 });
    expect(table.contacts.items).toEqual([
      { id: anna, fields: { email: "anna@example.com", first_name: "Anna" }, lists: [LIST], unsubscribed: [] },
      { id: expect.any(Number), fields: { email: "bo@example.com", first_name: "Bo" }, lists: [], unsubscribed: [UNSUB] },
    ]);
    expect(account.lists.find((list) => list.id === LIST)).toMatchObject({ name: "Existing newsletter", members: 1 });
    expect(account.unsubLists.find((unsub) => unsub.id === UNSUB)?.addresses).toMatchObject({ total: 1, items: ["bo@example.com"] });

    const html = await (await fetch(`${sandbox.url}${INSPECTION_PATH}?q=anna`)).text();
    expect(html).toMatch(/<td>anna@example\.com<\/td><td>Anna<\/td>/);
    expect(html).toContain("Existing newsletter (21)");
    expect(html).not.toContain("bo@example.com</td>");

    expect(sandbox.account(DEMO_ACCOUNT.accountName).stats().requests).toBe(requests);
  });

  it("is read-only (405 for POST), refuses bad parameters (400), and leaves the API's 404s alone", async () => {
    expect((await fetch(`${sandbox.url}${INSPECTION_PATH}`, { method: "POST", body: "<methodCall/>" })).status).toBe(405);
    expect((await fetch(`${sandbox.url}${INSPECTION_JSON_PATH}?limit=abc`)).status).toBe(400);
    expect((await fetch(`${sandbox.url}${INSPECTION_PATH}/contacts`)).status).toBe(404);
    expect((await fetch(`${sandbox.url}/api/xmlrpc`, { method: "POST" })).status).toBe(401);

    const exposed = await startDemoAdestraSandbox({ host: "0.0.0.0" });
    try {
      expect((await fetch(`http://127.0.0.1:${new URL(exposed.url).port}${INSPECTION_JSON_PATH}`)).status).toBe(404);
    } finally {
      await exposed.close();
    }
  });
});
