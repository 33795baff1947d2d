/** The sandbox through the app's real client: both sides of the wire are checked at once. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  AdestraAuthError,
  AdestraBadArgumentError,
  AdestraInvalidEmailError,
  AdestraInvalidFieldError,
  AdestraNotFoundError,
  AdestraUnavailableError,
} from "../../../app/destinations/adestra/client/errors";
import type { AdestraSandbox } from "../../../sandbox/adestra/server";
import { demoAdestraClient, startDemoAdestraSandbox } from "./test-support";

const CUSTOMERS = 1;
const WHOLESALE = 2;
const NEWSLETTER = 21; // on CUSTOMERS
const WHOLESALE_BUYERS = 22; // on WHOLESALE
const UNSUBSCRIBES = 10;

let sandbox: AdestraSandbox;
beforeAll(async () => {
  sandbox = await startDemoAdestraSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.account("demo").reset());

const demo = () => sandbox.account("demo");
const client = () => demoAdestraClient(sandbox);

describe("Adestra sandbox, through the client", () => {
  it("refuses a wrong password or an unknown login with HTTP 401", async () => {
    await expect(demoAdestraClient(sandbox, { password: "wrong" }).verifyCredentials()).rejects.toMatchObject({ name: "AdestraAuthError", status: 401 });
    await expect(demoAdestraClient(sandbox, { accountName: "other" }).verifyCredentials()).rejects.toBeInstanceOf(AdestraAuthError);
    expect(demo().stats()).toMatchObject({ requests: 1, faults: {} });
    await expect(client().verifyCredentials()).resolves.toEqual([
      { id: CUSTOMERS, name: "Shopify customers" },
      { id: WHOLESALE, name: "Wholesale" },
    ]);
    const table = await client().coreTables.get(CUSTOMERS);
    expect(table.table_columns?.map((column) => column.name)).toContain("shopify_customer_id");
  });

  it("creates lists on a core table and finds them by core table, page by page", async () => {
    const vip = await client().lists.create({ name: "VIP", tableId: CUSTOMERS, description: "Big spenders" });
    expect(vip).toEqual({ id: expect.any(Number), name: "VIP", table_id: CUSTOMERS });
    await expect(client().lists.get(vip.id)).resolves.toEqual({ ...vip, workspace_id: 1, description: "Big spenders" });

    const names = async (tableId: number) => {
      const found: string[] = [];
      for await (const list of client().lists.allOnTable({ tableId })) found.push(list.name);
      return found;
    };
    expect(await names(CUSTOMERS)).toEqual(["Existing newsletter", "VIP"]);
    expect(await names(WHOLESALE)).toEqual(["Wholesale buyers"]);
    await expect(client().lists.search({ tableId: CUSTOMERS, page: 2, pageSize: 1 })).resolves.toEqual([{ ...vip, workspace_id: 1, description: "Big spenders" }]);
    expect(demo().lists()).toContainEqual({ id: vip.id, name: "VIP", tableId: CUSTOMERS });

    await expect(client().lists.create({ name: "VIP", tableId: CUSTOMERS })).rejects.toMatchObject({ faultCode: 200 });
    await expect(client().lists.create({ name: "VIP", tableId: WHOLESALE })).resolves.toMatchObject({ table_id: WHOLESALE });
    await expect(client().lists.create({ name: "Nowhere", tableId: 99 })).rejects.toBeInstanceOf(AdestraNotFoundError);
    await expect(client().lists.create({ name: "x".repeat(256), tableId: CUSTOMERS })).rejects.toBeInstanceOf(AdestraBadArgumentError);
    await expect(client().lists.search({ tableId: CUSTOMERS, pageSize: 251 })).rejects.toMatchObject({ faultCode: 206 });
  });

  it("upserts by email: the same address keeps its id and its fields are overwritten", async () => {
    const first = await client().contacts.upsert({ tableId: CUSTOMERS, data: { email: "Ann@Example.com", first_name: "Ann", orders_count: 2 } });
    const again = await client().contacts.upsert({ tableId: CUSTOMERS, data: { email: "ann@example.com", first_name: "Anna", city: "Lund", phone: null } });
    expect(again).toBe(first);
    expect(demo().contacts(CUSTOMERS)).toEqual([
      { id: first, fields: { email: "ann@example.com", first_name: "Anna", orders_count: "2", city: "Lund" } },
    ]);
    await expect(client().contacts.search({ tableId: CUSTOMERS, email: "ANN@example.com" })).resolves.toEqual([
      { id: first, email: "ann@example.com", first_name: "Anna", orders_count: "2", city: "Lund" },
    ]);

    const elsewhere = await client().contacts.upsert({ tableId: WHOLESALE, data: { email: "ann@example.com" } });
    expect(elsewhere).not.toBe(first); // core tables are separate
    const byShopifyId = await client().contacts.upsert({ tableId: CUSTOMERS, data: { email: "new@example.com", shopify_customer_id: "42" }, dedupeField: "shopify_customer_id" });
    await expect(client().contacts.upsert({ tableId: CUSTOMERS, data: { email: "renamed@example.com", shopify_customer_id: "42" }, dedupeField: "shopify_customer_id" })).resolves.toBe(byShopifyId);
  });

  it("refuses contact data Adestra would refuse, without retrying", async () => {
    const upsert = (data: Record<string, string>) => client().contacts.upsert({ tableId: CUSTOMERS, data });
    await expect(upsert({ email: "not-an-email" })).rejects.toBeInstanceOf(AdestraInvalidEmailError);
    await expect(upsert({ email: "a@b.se", favourite_colour: "blue" })).rejects.toBeInstanceOf(AdestraInvalidFieldError);
    await expect(upsert({ email: "a@b.se", tags: "x".repeat(256) })).rejects.toMatchObject({ faultCode: 200, faultString: expect.stringMatching(/too long/) });
    expect(demo().stats()).toMatchObject({ requests: 3, faults: { 214: 1, 211: 1, 200: 1 } });
    expect(demo().contacts(CUSTOMERS)).toEqual([]);
  });

  it("updates a known contact's core fields (others kept), and refuses what contact.create refuses", async () => {
    const id = await client().contacts.upsert({ tableId: CUSTOMERS, data: { email: "cy@example.com", first_name: "Cy", city: "Lund", tags: "vip" } });
    await client().contacts.update({ contactId: id, data: { first_name: "", city: "", "1.tags": "" } });
    await expect(client().contacts.get(id)).resolves.toEqual({ id, email: "cy@example.com", first_name: "", city: "", tags: "" });
    // Twice is the same (retry-safe); a new email is found by search under it.
    await client().contacts.update({ contactId: id, data: { first_name: "" } });
    await client().contacts.update({ contactId: id, data: { email: "Cy.New@example.com" } });
    await expect(client().contacts.search({ tableId: CUSTOMERS, email: "cy@example.com" })).resolves.toEqual([]);
    await expect(client().contacts.search({ tableId: CUSTOMERS, email: "cy.new@example.com" })).resolves.toMatchObject([{ id }]);

    const update = (data: Record<string, string>, contactId = id) => client().contacts.update({ contactId, data });
    await expect(update({ first_name: "" }, 999_999)).rejects.toBeInstanceOf(AdestraNotFoundError);
    await expect(update({ favourite_colour: "" })).rejects.toBeInstanceOf(AdestraInvalidFieldError);
    await expect(update({ "2.first_name": "" })).rejects.toBeInstanceOf(AdestraInvalidFieldError); // another core table's key
    await expect(update({ email: "" })).rejects.toBeInstanceOf(AdestraInvalidEmailError);
    await expect(update({ tags: "x".repeat(256) })).rejects.toMatchObject({ faultCode: 200, faultString: expect.stringMatching(/too long/) });
    expect(demo().stats().faults).toEqual({ 207: 1, 211: 2, 214: 1, 200: 1 });
    expect(demo().contacts(CUSTOMERS)).toEqual([{ id, fields: { email: "Cy.New@example.com", first_name: "", city: "", tags: "" } }]);
  });

  it("adds a contact to a list once (1, then 0), and refuses a list on another core table", async () => {
    const id = await client().contacts.upsert({ tableId: CUSTOMERS, data: { email: "bo@example.com" } });
    await expect(client().contacts.addList({ contactId: id, listId: NEWSLETTER })).resolves.toBe("added");
    await expect(client().contacts.addList({ contactId: id, listId: NEWSLETTER })).resolves.toBe("already");
    expect(demo().listMembers(NEWSLETTER)).toEqual(["bo@example.com"]);

    const error = await client().contacts.addList({ contactId: id, listId: WHOLESALE_BUYERS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdestraBadArgumentError);
    expect(error).toMatchObject({ faultCode: 204, faultString: expect.stringMatching(/contact and list are on different core tables/) });
    expect(demo().listMembers(WHOLESALE_BUYERS)).toEqual([]);
    await expect(client().contacts.addList({ contactId: id, listId: 999 })).rejects.toBeInstanceOf(AdestraNotFoundError);
  });

  it("adds addresses to an unsub list and checks them, ignoring case", async () => {
    await expect(client().unsubLists.get(UNSUBSCRIBES)).resolves.toEqual({ id: UNSUBSCRIBES, name: "Shopify unsubscribes" });
    const check = (email: string) => client().unsubLists.check({ email, unsubListId: UNSUBSCRIBES });
    await expect(check("gone@example.com")).resolves.toBe(false);
    await client().unsubLists.addAddress({ email: "Gone@Example.com", unsubListId: UNSUBSCRIBES });
    await expect(check("gone@example.com")).resolves.toBe(true);
    expect(demo().unsubAddresses(UNSUBSCRIBES)).toEqual(["gone@example.com"]);
    await expect(client().unsubLists.addAddress({ email: "nope", unsubListId: UNSUBSCRIBES })).rejects.toBeInstanceOf(AdestraInvalidEmailError);
    await expect(client().unsubLists.check({ email: "a@b.se", unsubListId: 11 })).rejects.toBeInstanceOf(AdestraNotFoundError);
  });

  it("takes an address off an unsub list, ignoring case; removing one that is not there is no fault", async () => {
    const remove = (email: string, unsubListId = UNSUBSCRIBES) => client().unsubLists.removeAddress({ email, unsubListId });
    await client().unsubLists.addAddress({ email: "back@example.com", unsubListId: UNSUBSCRIBES });
    await client().unsubLists.addAddress({ email: "stays@example.com", unsubListId: UNSUBSCRIBES });
    await remove("Back@Example.com");
    expect(demo().unsubAddresses(UNSUBSCRIBES)).not.toContain("back@example.com");
    expect(demo().unsubAddresses(UNSUBSCRIBES)).toContain("stays@example.com");
    await expect(remove("back@example.com")).resolves.toBeUndefined();
    await expect(remove("nope")).rejects.toBeInstanceOf(AdestraInvalidEmailError);
    await expect(remove("a@b.se", 11)).rejects.toBeInstanceOf(AdestraNotFoundError);
  });

  it("answers 503 during an outage: the client gives up after its retries with AdestraUnavailableError", async () => {
    demo().setOutage(true);
    await expect(demoAdestraClient(sandbox, { maxRetries: 2 }).verifyCredentials()).rejects.toMatchObject({ name: "AdestraUnavailableError", status: 503 });
    expect(demo().stats().requests).toBe(3);

    demo().failAfter(2); // "Adestra goes down mid-send"
    const sent: number[] = [];
    const send = (email: string) => client().contacts.upsert({ tableId: CUSTOMERS, data: { email } });
    sent.push(await send("one@example.com"), await send("two@example.com"));
    await expect(send("three@example.com")).rejects.toBeInstanceOf(AdestraUnavailableError);
    expect(demo().contacts(CUSTOMERS).map((contact) => contact.id)).toEqual(sent);

    demo().setOutage(false);
    await expect(send("three@example.com")).resolves.toEqual(expect.any(Number));
  });

  it("imports a CSV from a URL in the background, puts the rows on the list and counts rejected rows", async () => {
    const existing = await client().contacts.upsert({ tableId: CUSTOMERS, data: { email: "old@example.com", first_name: "Old", city: "Malmö" } });
    const csv =
      "\uFEFFEmail,First name,Orders,Ignored\r\n" +
      'old@example.com,"Olle, the returning",3,x\r\n' +
      "åsa@example.com,Åsa,0,x\r\n" +
      "broken,Nobody,1,x\r\n" +
      "short@example.com\r\n";
    const files = await serveFiles({ "/customers.csv": csv });
    try {
      await expect(
        client().contacts.import({
          tableId: CUSTOMERS,
          fileUrl: `${files.url}/customers.csv`,
          listId: NEWSLETTER,
          fieldMap: { Email: "email", "First name": "first_name", Orders: "orders_count" },
        }),
      ).resolves.toBe(true);
      await vi.waitFor(() => expect(demo().stats().imports[0]?.status).toBe("completed"));
    } finally {
      await files.close();
    }
    expect(demo().listMembers(NEWSLETTER)).toEqual(["old@example.com", "åsa@example.com"]);
    expect(demo().contacts(CUSTOMERS).find((contact) => contact.id === existing)?.fields).toEqual({
      email: "old@example.com",
      first_name: "Olle, the returning",
      orders_count: "3",
      city: "Malmö",
    });
    expect(demo().stats().imports[0]).toMatchObject({
      listId: NEWSLETTER,
      imported: 2,
      rejected: 2,
      rejections: [
        { row: 4, reason: expect.stringMatching(/Invalid contact email/) },
        { row: 5, reason: "1 cells, the header has 4" },
      ],
    });
  });

  it("records an import whose file cannot be fetched as failed, and refuses a list on another core table at once", async () => {
    const files = await serveFiles({});
    try {
      await client().contacts.import({ tableId: CUSTOMERS, fileUrl: `${files.url}/missing.csv`, listId: NEWSLETTER, fieldMap: { Email: "email" } });
      await vi.waitFor(() => expect(demo().stats().imports[0]).toMatchObject({ status: "failed", error: expect.stringMatching(/HTTP 404/) }));
    } finally {
      await files.close();
    }
    const wrongList = client().contacts.import({ tableId: CUSTOMERS, fileUrl: `${files.url}/x.csv`, listId: WHOLESALE_BUYERS, fieldMap: { Email: "email" } });
    await expect(wrongList).rejects.toBeInstanceOf(AdestraBadArgumentError);
    const request = { tableId: CUSTOMERS, fileUrl: `${files.url}/x.csv`, listId: NEWSLETTER, fieldMap: { Email: "email" } };
    await expect(client().contacts.import({ ...request, fileUrl: "ftp://files/x.csv" })).rejects.toBeInstanceOf(AdestraBadArgumentError);
    await expect(client().contacts.import({ ...request, fieldMap: { Email: "email", Colour: "colour" } })).rejects.toBeInstanceOf(AdestraInvalidFieldError);
    await expect(client().contacts.import({ ...request, fieldMap: { Name: "first_name" } })).rejects.toMatchObject({ faultCode: 206 });
    expect(demo().stats().imports).toHaveLength(1);
  });
});

describe("Adestra sandbox import faults", () => {
  const request = (url: string) => ({ tableId: CUSTOMERS, fileUrl: url, listId: NEWSLETTER, fieldMap: { Email: "email", "First name": "first_name" } });

  it("a file URL answering 403 (or 404) fails the import with nothing imported", async () => {
    const refusing = createServer((_, response) => {
      response.writeHead(403);
      response.end();
    });
    await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
    try {
      await client().contacts.import(request(`http://127.0.0.1:${(refusing.address() as AddressInfo).port}/f.csv?token=x`));
      await vi.waitFor(() => expect(demo().stats().imports[0]).toMatchObject({ status: "failed", imported: 0, error: "fetching the file answered HTTP 403" }));
    } finally {
      await new Promise((resolve) => refusing.close(resolve));
    }
    expect(demo().contacts(CUSTOMERS)).toEqual([]);
    expect(demo().listMembers(NEWSLETTER)).toEqual([]);
  });

  it("fetchDelayMs: answers 1 at once and fetches the file that much later", async () => {
    const files = await serveFiles({ "/late.csv": "Email,First name\r\nlate@example.com,Late\r\n" });
    demo().setImportFault({ fetchDelayMs: 300 });
    try {
      const asked = Date.now();
      await client().contacts.import(request(`${files.url}/late.csv`));
      await delay(100);
      expect(demo().stats().imports[0].status).toBe("queued");
      expect(demo().listMembers(NEWSLETTER)).toEqual([]);
      await vi.waitFor(() => expect(demo().stats().imports[0].status).toBe("completed"));
      expect(Date.now() - asked).toBeGreaterThanOrEqual(300);
    } finally {
      await files.close();
    }
    expect(demo().listMembers(NEWSLETTER)).toEqual(["late@example.com"]);
  });

  it("fetchTwice: the file is imported twice, and overwrite dedupe keeps one contact per address", async () => {
    const files = await serveFiles({ "/twice.csv": "Email,First name\r\na@example.com,A\r\nb@example.com,B\r\n" });
    demo().setImportFault({ fetchTwice: true });
    try {
      await client().contacts.import(request(`${files.url}/twice.csv`));
      await vi.waitFor(() => expect(demo().stats().imports[0]).toMatchObject({ status: "completed", fetches: 2, refetch: "completed", imported: 4 }));
    } finally {
      await files.close();
    }
    expect(demo().contacts(CUSTOMERS).map((c) => c.fields)).toEqual([
      { email: "a@example.com", first_name: "A" },
      { email: "b@example.com", first_name: "B" },
    ]);
    expect(demo().listMembers(NEWSLETTER)).toEqual(["a@example.com", "b@example.com"]);
    demo().reset();
    expect(demo().stats().imports).toEqual([]);
  });
});

describe("Adestra sandbox rate limit", () => {
  let limited: AdestraSandbox;
  beforeAll(async () => {
    limited = await startDemoAdestraSandbox({ rateLimit: { requestsPerSecond: 5 } });
  });
  afterAll(() => limited.close());

  it("answers fault 304 over the limit; the client backs off and every call succeeds", async () => {
    const waits: number[] = [];
    // The client's own backoff, really waited, so the bucket refills.
    const patient = demoAdestraClient(limited, { maxRetries: 6, sleep: (ms) => (waits.push(ms), delay(ms)) });
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await patient.contacts.upsert({ tableId: CUSTOMERS, data: { email: `c${i}@example.com` } }));
    expect(new Set(ids).size).toBe(12);
    const stats = limited.account("demo").stats();
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(stats.faults[304]).toBe(stats.rateLimited);
    expect(waits).toHaveLength(stats.rateLimited);
    expect(limited.account("demo").contacts(CUSTOMERS)).toHaveLength(12);
  });
});

/** A tiny file server standing in for wherever the app hosts its import files. */
async function serveFiles(files: Record<string, string>): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const body = files[request.url ?? ""];
    response.writeHead(body === undefined ? 404 : 200, { "content-type": "text/csv; charset=utf-8" });
    response.end(body ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
