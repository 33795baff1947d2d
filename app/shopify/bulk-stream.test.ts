import { describe, expect, it, vi } from "vitest";
import { MAX_DOWNLOAD_RESUMES, splitLines, streamBulkCustomers } from "./bulk-stream";
import { ShopifyHttpError, ShopifyMalformedDataError } from "./errors";
import { customerNode } from "../../tests/support/factories";

const encoder = new TextEncoder();

function streamOf(chunks: (string | Uint8Array)[]) {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function* chunksOf(chunks: (string | Uint8Array)[]) {
  for (const chunk of chunks) yield typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

async function collect<T>(iterable: AsyncIterable<T>) {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Customer n as one JSONL line of a bulk export; subscribed to email at c{n}@example.com. */
const customerLine = (n: number) => JSON.stringify(customerNode({ id: `gid://shopify/Customer/${n}`, email: `c${n}@example.com`, emailMarketingState: "SUBSCRIBED" }));

/** A JSONL body produced on demand in odd-sized chunks; `produced()` says how many bytes it has handed out. */
function generatedBody({ customers, chunkSize }: { customers: number; chunkSize: number }) {
  let next = 1;
  let buffer = new Uint8Array(0);
  let produced = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        while (buffer.length < chunkSize && next <= customers) {
          const line = encoder.encode(`${customerLine(next++)}\n`);
          const merged = new Uint8Array(buffer.length + line.length);
          merged.set(buffer);
          merged.set(line, buffer.length);
          buffer = merged;
        }
        if (buffer.length === 0) return controller.close();
        const chunk = buffer.slice(0, chunkSize);
        buffer = buffer.slice(chunkSize);
        produced += chunk.length;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, produced: () => produced };
}

describe("splitLines", () => {
  it("rejoins lines split across chunks, and characters split across chunks", async () => {
    const bytes = encoder.encode('{"a":"Malmö"}\n{"b":2}\n{"c":3}');
    const o = bytes.indexOf(0xc3); // first byte of ö: split the character itself
    const chunks = [bytes.slice(0, 4), bytes.slice(4, o + 1), bytes.slice(o + 1, o + 5), bytes.slice(o + 5)];
    expect(await collect(splitLines({ chunks: chunksOf(chunks) }))).toEqual(['{"a":"Malmö"}', '{"b":2}', '{"c":3}']);
  });

  it("yields nothing for an empty body and no empty last line for a trailing newline", async () => {
    expect(await collect(splitLines({ chunks: chunksOf([]) }))).toEqual([]);
    expect(await collect(splitLines({ chunks: chunksOf(["a\n", "b\n"]) }))).toEqual(["a", "b"]);
  });
});

describe("streamBulkCustomers", () => {
  it("yields every customer of a large file, reading it as it goes", async () => {
    const total = 20_000;
    const { body, produced } = generatedBody({ customers: total, chunkSize: 4093 });
    const fetch = vi.fn(async () => new Response(body));
    const ids = new Set<string>();
    let producedAtFirst = 0;
    for await (const customer of streamBulkCustomers({ url: "https://storage.example/result.jsonl", fetch })) {
      if (ids.size === 0) producedAtFirst = produced();
      ids.add(customer.id);
    }
    expect(ids.size).toBe(total);
    expect(ids.has("gid://shopify/Customer/1") && ids.has(`gid://shopify/Customer/${total}`)).toBe(true);
    // The first customer came out after one chunk, not after the whole file was downloaded.
    expect(producedAtFirst).toBeLessThan(produced() / 100);
  });

  it("a COMPLETED operation with no url (no customers) yields nothing and downloads nothing", async () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    expect(await collect(streamBulkCustomers({ url: null, fetch }))).toEqual([]);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("stopping early cancels the download", async () => {
    const cancel = vi.fn();
    const body = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(encoder.encode(`${customerLine(1)}\n`)), cancel }, { highWaterMark: 0 });
    for await (const customer of streamBulkCustomers({ url: "https://x/r.jsonl", fetch: async () => new Response(body) })) {
      expect(customer.email).toBe("c1@example.com");
      break;
    }
    expect(cancel).toHaveBeenCalled();
  });

  /**
   * A storage server for `file` that serves Range requests and drops the connection of the downloads listed in
   * `cuts` (by call, 0-based) after that many bytes of their body; `calls` records each request's Range.
   */
  function droppingServer(file: Uint8Array, cuts: Record<number, number>, { ignoreRange = false } = {}) {
    const calls: (string | null)[] = [];
    const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => {
      const range = new Headers(init?.headers).get("range");
      const call = calls.push(range) - 1;
      const start = range && !ignoreRange ? Number(/^bytes=(\d+)-$/.exec(range)![1]) : 0;
      const rest = file.slice(start);
      const cut = cuts[call];
      let sent = false;
      // The part is read before the drop: a stream errored at once would discard what it had queued.
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new TypeError("terminated", { cause: new Error("other side closed") }));
          sent = true;
          controller.enqueue(cut === undefined ? rest : rest.slice(0, cut));
          if (cut === undefined) controller.close();
        },
      });
      if (!range || ignoreRange) return new Response(body, { status: 200 });
      return new Response(body, { status: 206, headers: { "content-range": `bytes ${start}-${file.length - 1}/${file.length}` } });
    });
    return { fetch, calls };
  }

  const fileOf = (n: number, name = "Malmö") =>
    encoder.encode(Array.from({ length: n }, (_, i) => JSON.stringify(customerNode({ id: `gid://shopify/Customer/${i + 1}`, firstName: name }))).join("\n") + "\n");

  it("a connection dropped mid-body is resumed from the next byte: every customer once, in order, a character split by the cut intact", async () => {
    const file = fileOf(50);
    const cutAt = file.indexOf(0xc3, 3000) + 1; // inside a line and inside the ö
    const { fetch, calls } = droppingServer(file, { 0: cutAt, 1: 2000 });
    const logged: string[] = [];
    const customers = await collect(streamBulkCustomers({ url: "https://storage.example/r.jsonl", fetch, log: (m) => logged.push(m) }));
    expect(customers.map((c) => c.id)).toEqual(Array.from({ length: 50 }, (_, i) => `gid://shopify/Customer/${i + 1}`));
    expect(customers.every((c) => c.firstName === "Malmö")).toBe(true);
    expect(calls).toEqual([null, `bytes=${cutAt}-`, `bytes=${cutAt + 2000}-`]);
    expect(logged).toEqual([expect.stringContaining(`cut after ${cutAt} bytes`), expect.stringContaining(`cut after ${cutAt + 2000} bytes`)]);
  });

  it("a server that answers a resume with the whole file (no Range support) is an error, not customers read twice", async () => {
    const { fetch } = droppingServer(fileOf(20), { 0: 1500 }, { ignoreRange: true });
    await expect(collect(streamBulkCustomers({ url: "https://x/r.jsonl", fetch }))).rejects.toThrow(/resuming the bulk operation result download at byte 1500 failed/);
  });

  it(`a download that keeps dropping without a byte more fails after ${MAX_DOWNLOAD_RESUMES} resumes`, async () => {
    const cuts = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [i, i === 0 ? 1000 : 0]));
    const { fetch, calls } = droppingServer(fileOf(20), cuts);
    await expect(collect(streamBulkCustomers({ url: "https://x/r.jsonl", fetch }))).rejects.toThrow("terminated");
    expect(calls).toHaveLength(1 + MAX_DOWNLOAD_RESUMES);
  });

  it("a failed download is a ShopifyHttpError", async () => {
    const fetch = async () => new Response("<Error>AccessDenied</Error>", { status: 403 });
    await expect(collect(streamBulkCustomers({ url: "https://x/r.jsonl", fetch }))).rejects.toThrow(ShopifyHttpError);
  });

  it("a malformed line names its line number and field", async () => {
    const bad = customerLine(2).replace('"SUBSCRIBED"', '"OPTED_IN"');
    const fetch = async () => new Response(streamOf([`${customerLine(1)}\n${bad}\n`]));
    const error = await collect(streamBulkCustomers({ url: "https://x/r.jsonl", fetch })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShopifyMalformedDataError);
    expect(error).toMatchObject({ field: "line 2.defaultEmailAddress.marketingState" });
  });

  it("a line that is not JSON is a ShopifyMalformedDataError", async () => {
    const fetch = async () => new Response(streamOf([`${customerLine(1)}\n{"id": "gid://shopify/Cus`]));
    await expect(collect(streamBulkCustomers({ url: "https://x/r.jsonl", fetch }))).rejects.toThrow(/line 2/);
  });
});
