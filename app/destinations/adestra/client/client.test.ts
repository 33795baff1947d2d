import { describe, expect, it, vi } from "vitest";
import { AdestraClient, type AdestraClientOptions, LIST_PAGE_SIZE } from "./client";
import {
  AdestraAuthError,
  AdestraError,
  AdestraFaultError,
  AdestraInvalidEmailError,
  AdestraMalformedResponseError,
  AdestraRateLimitError,
  AdestraUnavailableError,
} from "./errors";
import type { RequestPace } from "./pace";
import { decodeMethodCall, encodeFault, encodeMethodResponse, type XmlRpcValue } from "./xmlrpc";

interface SeenCall {
  url: string;
  headers: Headers;
  methodName: string;
  params: XmlRpcValue[];
}

type Reply = XmlRpcValue | { fault: number; text?: string } | Response | Error;

/** A client whose fetch answers each call with the next reply in line; records every request. */
function clientWith(replies: Reply[], options: Partial<AdestraClientOptions> = {}) {
  const calls: SeenCall[] = [];
  const sleeps: number[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const { methodName, params } = decodeMethodCall(String(init?.body));
    calls.push({ url: String(input), headers: new Headers(init?.headers), methodName, params });
    const reply = replies.length > 1 ? replies.shift()! : replies[0];
    if (reply instanceof Error) throw reply;
    if (reply instanceof Response) return reply;
    if (isFault(reply)) return xml(encodeFault({ faultCode: reply.fault, faultString: reply.text ?? `fault ${reply.fault}` }));
    return xml(encodeMethodResponse(reply));
  });
  const client = new AdestraClient({
    accountName: "My Shop",
    username: "api",
    password: "p@ss#&:word",
    fetch,
    sleep: async (ms) => void sleeps.push(ms),
    ...options,
  });
  return { client, calls, sleeps };
}

/** A pace that lets every request go at once, each at a new setting, and records the refusals reported. */
function recordingPace(): { pace: RequestPace; refusals: number[] } {
  const refusals: number[] = [];
  let epoch = 0;
  return { pace: { take: async () => ({ epoch: ++epoch }), refused: async (ticket) => void refusals.push(ticket.epoch) }, refusals };
}

const isFault = (reply: Reply): reply is { fault: number; text?: string } =>
  typeof reply === "object" && reply !== null && !Array.isArray(reply) && "fault" in reply;
const xml = (body: string, status = 200) => new Response(body, { status, headers: { "content-type": "text/xml" } });

describe("AdestraClient", () => {
  it("authenticates with a Basic header for <account>.<username>, never with credentials in the URL", async () => {
    const { client, calls } = clientWith([[{ id: 1, name: "Shopify customers" }]]);
    await expect(client.verifyCredentials()).resolves.toEqual([{ id: 1, name: "Shopify customers" }]);
    const [call] = calls;
    expect(call.url).toBe("https://app.adestra.com/api/xmlrpc");
    expect(call.methodName).toBe("coreTable.all");
    expect(call.headers.get("authorization")).toBe(`Basic ${Buffer.from("My_Shop.api:p@ss#&:word").toString("base64")}`);
    expect(call.headers.get("content-type")).toMatch(/^text\/xml/);
    expect(() => new AdestraClient({ baseUrl: "https://a.b:c@app.adestra.com/api/xmlrpc", accountName: "a", username: "b", password: "c" })).toThrow(TypeError);
  });

  it("turns HTTP 401 into AdestraAuthError that asks the merchant to reconnect, without retrying", async () => {
    const { client, calls } = clientWith([new Response("Unauthorized", { status: 401 })]);
    const error = await client.coreTables.all().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdestraAuthError);
    expect(error).toMatchObject({ status: 401, method: "coreTable.all", retryable: false });
    expect((error as Error).message).toMatch(/Reconnect Adestra/);
    expect(calls).toHaveLength(1);
  });

  it("without a pace backs off with jitter on fault 304 and succeeds", async () => {
    const { client, calls, sleeps } = clientWith([{ fault: 304 }, { fault: 304 }, 77]);
    await expect(client.contacts.upsert({ tableId: 1, data: { email: "a@b.se", first_name: "Å", phone: undefined } })).resolves.toBe(77);
    expect(calls).toHaveLength(3);
    expect(calls[0].params).toEqual([1, { email: "a@b.se", first_name: "Å" }, "email"]);
    expect(sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(sleeps[0]).toBeLessThanOrEqual(1_000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1_000);
    expect(sleeps[1]).toBeLessThanOrEqual(2_000);
  });

  it("with the account's pace, reports each 304 and sends the same request again, spending no retry, even list.create", async () => {
    const { pace, refusals } = recordingPace();
    const { client, calls, sleeps } = clientWith([{ fault: 304 }, { fault: 304 }, { id: 9, name: "Newsletter", table_id: 1 }], { pace, maxRetries: 0 });
    await expect(client.lists.create({ name: "Newsletter", tableId: 1 })).resolves.toEqual({ id: 9, name: "Newsletter", table_id: 1 });
    expect(calls.map((c) => c.methodName)).toEqual(["list.create", "list.create", "list.create"]);
    // Each refusal names the setting its request was sent at; the pace, not a backoff, spaces the next one.
    expect(refusals).toEqual([1, 2]);
    expect(sleeps).toEqual([]);
  });

  it("with the account's pace, gives up after maxRefusals 304s in a row, and the client does not retry it further", async () => {
    const { pace, refusals } = recordingPace();
    const { client, calls } = clientWith([{ fault: 304 }], { pace, maxRefusals: 4, maxRetries: 3 });
    await expect(client.contacts.upsert({ tableId: 1, data: { email: "a@b.se" } })).rejects.toMatchObject({ faultCode: 304, method: "contact.create" });
    expect(calls).toHaveLength(5);
    expect(refusals).toHaveLength(4);
  });

  it("gives up after maxRetries and throws the last error", async () => {
    const { client, calls } = clientWith([{ fault: 101 }], { maxRetries: 2 });
    await expect(client.lists.get(5)).rejects.toBeInstanceOf(AdestraUnavailableError);
    expect(calls).toHaveLength(3);
  });

  it("does not retry a refused request (fault 214), and keeps Adestra's code and text", async () => {
    const { client, calls } = clientWith([{ fault: 214, text: "Invalid contact email." }]);
    const error = await client.contacts.upsert({ tableId: 1, data: { email: "nope" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdestraInvalidEmailError);
    expect(error).toBeInstanceOf(AdestraFaultError);
    expect(error).toMatchObject({ faultCode: 214, faultString: "Invalid contact email.", method: "contact.create" });
    expect(calls).toHaveLength(1);
  });

  it("never retries list.create or contact.import, even on failures worth retrying", async () => {
    const { client, calls } = clientWith([{ fault: 304 }]);
    await expect(client.lists.create({ name: "Newsletter", tableId: 1 })).rejects.toBeInstanceOf(AdestraRateLimitError);
    const down = clientWith([new Response("down", { status: 503 })]);
    const fileImport = { tableId: 1, fileUrl: "https://files.example/a.csv", listId: 2, fieldMap: { Email: "email" } };
    await expect(down.client.contacts.import(fileImport)).rejects.toBeInstanceOf(AdestraUnavailableError);
    expect(calls).toHaveLength(1);
    expect(down.calls).toHaveLength(1);
  });

  it("does not retry an over-quota account (303) or a disabled system (102)", async () => {
    for (const fault of [303, 102]) {
      const { client, calls } = clientWith([{ fault }]);
      const error = await client.coreTables.get(1).catch((e: unknown) => e);
      expect(error).toMatchObject({ faultCode: fault, retryable: false });
      expect(calls).toHaveLength(1);
    }
  });

  it("honours Retry-After seconds on HTTP 429/5xx, and leaves longer waits to the caller", async () => {
    const short = clientWith([new Response("", { status: 429, headers: { "retry-after": "3" } }), [{ id: 1, name: "T" }]]);
    await expect(short.client.coreTables.all()).resolves.toHaveLength(1);
    expect(short.sleeps).toEqual([3_000]);

    const long = clientWith([new Response("", { status: 503, headers: { "retry-after": "120" } })]);
    await expect(long.client.coreTables.all()).rejects.toMatchObject({ status: 503, retryAfterMs: 120_000, retryable: true });
    expect(long.calls).toHaveLength(1);
  });

  it("retries network errors and reports them as AdestraUnavailableError", async () => {
    const { client, calls } = clientWith([new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") })], { maxRetries: 1 });
    const error = await client.unsubLists.check({ email: "a@b.se", unsubListId: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdestraUnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(calls).toHaveLength(2);
  });

  it("times out a call that does not answer", async () => {
    const hanging = (_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
    const client = new AdestraClient({ accountName: "a", username: "b", password: "c", fetch: hanging, timeoutMs: 20, maxRetries: 0 });
    await expect(client.coreTables.all()).rejects.toThrow(/did not answer within 0.02 s/);
  });

  it("reports malformed XML and unexpected shapes clearly, without retrying", async () => {
    const broken = clientWith([xml("<methodResponse><params><param>")]);
    const error = await broken.client.coreTables.all().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdestraMalformedResponseError);
    expect((error as Error).message).toMatch(/answer to coreTable.all is not well-formed XML/);
    expect(broken.calls).toHaveLength(1);

    const html = clientWith([xml("<html><body>Maintenance</body></html>")]);
    await expect(html.client.coreTables.all()).rejects.toThrow(/not a valid XML-RPC message/);

    const wrongShape = clientWith([{ id: "abc", name: 3 }]);
    await expect(wrongShape.client.lists.get(1)).rejects.toThrow(/unexpected shape at id/);
  });

  it("answers other HTTP statuses with a plain AdestraError carrying the status", async () => {
    const { client } = clientWith([new Response("Forbidden: IP not allowed", { status: 403 })]);
    const error = await client.coreTables.all().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdestraError);
    expect(error).toMatchObject({ status: 403, retryable: false });
  });

  it("accepts ids as numeric strings", async () => {
    const { client } = clientWith([[{ id: "3", name: "Main" }]]);
    await expect(client.coreTables.all()).resolves.toEqual([{ id: 3, name: "Main" }]);
  });

  it("accepts list.create's reply as an id or as the list struct", async () => {
    const asId = clientWith([12]);
    await expect(asId.client.lists.create({ name: "VIP", tableId: 1, description: "From Shopify" })).resolves.toEqual({ id: 12, name: "VIP", table_id: 1 });
    expect(asId.calls[0].params).toEqual([{ name: "VIP", table_id: 1, description: "From Shopify" }]);
    const asStruct = clientWith([{ id: 13, name: "VIP", table_id: 1, workspace_id: 1 }]);
    await expect(asStruct.client.lists.create({ name: "VIP", tableId: 1 })).resolves.toEqual({ id: 13, name: "VIP", table_id: 1 });
    expect(asStruct.calls[0].params).toEqual([{ name: "VIP", table_id: 1 }]);
  });

  it("pages through every list on a core table", async () => {
    const page = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: from + i, name: `List ${from + i}` }));
    const { client, calls } = clientWith([page(1, LIST_PAGE_SIZE), page(LIST_PAGE_SIZE + 1, 1)]);
    const lists = [];
    for await (const list of client.lists.allOnTable({ tableId: 2 })) lists.push(list);
    expect(lists).toHaveLength(LIST_PAGE_SIZE + 1);
    expect(lists[0]).toEqual({ id: 1, name: "List 1", table_id: 2 });
    expect(calls.map((call) => call.params)).toEqual([
      [{ table_id: 2 }, { page: 1, page_size: LIST_PAGE_SIZE }],
      [{ table_id: 2 }, { page: 2, page_size: LIST_PAGE_SIZE }],
    ]);
  });

  it("maps addList's 1/0 and unsubList.check's bool-ish answers", async () => {
    const { client, calls } = clientWith([1, 0, "1", 0]);
    await expect(client.contacts.addList({ contactId: 5, listId: 9 })).resolves.toBe("added");
    await expect(client.contacts.addList({ contactId: 5, listId: 9 })).resolves.toBe("already");
    await expect(client.unsubLists.check({ email: "a@b.se", unsubListId: 10 })).resolves.toBe(true);
    await expect(client.unsubLists.check({ email: "a@b.se", unsubListId: 10 })).resolves.toBe(false);
    expect(calls[0].params).toEqual([5, 9]);
    expect(calls[2].params).toEqual(["a@b.se", 10]);
  });

  it("sends contact.update as (contact_id, contact_data), retries it after fault 304, and takes any non-fault reply as done", async () => {
    const { client, calls } = clientWith([{ fault: 304 }, true, 1]);
    await expect(client.contacts.update({ contactId: 5, data: { first_name: "", phone: null } })).resolves.toBeUndefined();
    await expect(client.contacts.update({ contactId: 5, data: { city: "" } })).resolves.toBeUndefined();
    expect(calls.map((call) => call.methodName)).toEqual(["contact.update", "contact.update", "contact.update"]);
    expect(calls[1].params).toEqual([5, { first_name: "" }]);
  });

  it("sends contact.import with the documented options and resolves true once queued", async () => {
    const { client, calls } = clientWith([1]);
    await expect(
      client.contacts.import({ tableId: 1, fileUrl: "https://files.example/a.csv", listId: 2, fieldMap: { Email: "email", First: "first_name" } }),
    ).resolves.toBe(true);
    expect(calls[0].params).toEqual([
      1,
      "https://files.example/a.csv",
      { list_id: 2, dedupe_type: "overwrite", field_map: { Email: "email", First: "first_name" }, dedupe_field: "email", delete_after_import: false },
    ]);
  });
});
