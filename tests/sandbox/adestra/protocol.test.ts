/** What the client never sends but the sandbox must refuse as Adestra does: raw requests on the wire. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMethodResponse, encodeMethodCall, type XmlRpcValue } from "../../../app/destinations/adestra/client/xmlrpc";
import { type AdestraSandbox, DEMO_ACCOUNT } from "../../../sandbox/adestra/server";
import { startDemoAdestraSandbox } from "./test-support";

let sandbox: AdestraSandbox;
beforeAll(async () => {
  sandbox = await startDemoAdestraSandbox();
});
afterAll(() => sandbox.close());

const authorization = `Basic ${Buffer.from(`${DEMO_ACCOUNT.accountName}.${DEMO_ACCOUNT.username}:${DEMO_ACCOUNT.password}`).toString("base64")}`;

async function post(body: string, headers: Record<string, string> = { authorization }) {
  return fetch(sandbox.xmlrpcUrl, { method: "POST", headers: { "content-type": "text/xml", ...headers }, body });
}

async function faultOf(body: string) {
  const response = await post(body);
  expect(response.status).toBe(200);
  const decoded = decodeMethodResponse(await response.text());
  return decoded.ok ? decoded : decoded.fault;
}

const call = (method: string, ...params: XmlRpcValue[]) => faultOf(encodeMethodCall(method, params));

describe("Adestra sandbox protocol", () => {
  it("answers HTTP 401 with a Basic challenge without credentials, 405 to GET and 404 elsewhere", async () => {
    const response = await post(encodeMethodCall("coreTable.all", []), {});
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect((await fetch(sandbox.xmlrpcUrl)).status).toBe(405);
    expect((await fetch(`${sandbox.url}/api/rest/1/lists`, { method: "POST" })).status).toBe(404);
  });

  it("answers unknown namespaces with 202 and unknown methods with 203", async () => {
    await expect(call("campaign.create", {})).resolves.toMatchObject({ faultCode: 202 });
    await expect(call("contact.insert", 1, {})).resolves.toMatchObject({ faultCode: 203, faultString: "The method you called does not exist. (contact.insert)" });
    await expect(call("contact.toString")).resolves.toMatchObject({ faultCode: 203 });
  });

  it("checks arity and types strictly (204)", async () => {
    await expect(call("coreTable.get")).resolves.toMatchObject({ faultCode: 204, faultString: expect.stringMatching(/table_id is required/) });
    await expect(call("coreTable.get", 1, 2)).resolves.toMatchObject({ faultCode: 204 });
    await expect(call("coreTable.get", "1")).resolves.toMatchObject({ faultCode: 204, faultString: expect.stringMatching(/table_id must be an int/) });
    await expect(call("contact.create", 1, { email: "a@b.se", tags: ["a", "b"] })).resolves.toMatchObject({ faultCode: 204 });
    await expect(call("list.create", { name: "X", table_id: 1, colour: "red" })).resolves.toMatchObject({ faultCode: 206 });
    await expect(call("list.all", { page: 0, page_size: 10 })).resolves.toMatchObject({ faultCode: 206 });
    await expect(call("contact.get", 1001, [5])).resolves.toMatchObject({ faultCode: 207 });
  });

  it("answers malformed XML with -32700 and other XML with -32600", async () => {
    await expect(faultOf("<methodCall><methodName>coreTable.all</methodName>")).resolves.toMatchObject({ faultCode: -32700 });
    await expect(faultOf("<methodResponse><params/></methodResponse>")).resolves.toMatchObject({ faultCode: -32600 });
  });

  it("accepts core fields qualified with the core table id, and a trailing slash on the endpoint", async () => {
    const created = await call("contact.create", 1, { "1.email": "q@example.com", "1.first_name": "Q" });
    expect(created).toEqual({ ok: true, value: expect.any(Number) });
    const response = await fetch(`${sandbox.xmlrpcUrl}/`, { method: "POST", headers: { authorization }, body: encodeMethodCall("contact.lists", [(created as { value: number }).value]) });
    expect(decodeMethodResponse(await response.text())).toEqual({ ok: true, value: [] });
  });
});
