import { describe, expect, it, vi } from "vitest";
import { splitLines, streamBulkCustomers } from "./bulk-stream";
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
    expect(await collect(splitLines({ body: streamOf(chunks) }))).toEqual(['{"a":"Malmö"}', '{"b":2}', '{"c":3}']);
  });

  it("yields nothing for an empty body and no empty last line for a trailing newline", async () => {
    expect(await collect(splitLines({ body: streamOf([]) }))).toEqual([]);
    expect(await collect(splitLines({ body: streamOf(["a\n", "b\n"]) }))).toEqual(["a", "b"]);
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
