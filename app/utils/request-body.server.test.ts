import { describe, expect, it } from "vitest";
import { BodyTooLargeError, readBodyWithin, readTextWithin } from "./request-body.server";

const LIMIT = 256 * 1024;
const CHUNK = 64 * 1024;

/** A body sent in chunks with no Content-Length (as a chunked upload arrives); counts what was pulled. */
function chunkedBody(chunks: number) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled === chunks) return controller.close();
      pulled += 1;
      controller.enqueue(new Uint8Array(CHUNK).fill(0x61));
    },
  });
  return { stream, pulled: () => pulled };
}

const streamed = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  new Request("http://app.test/", { method: "POST", body, headers, duplex: "half" } as RequestInit);

describe("readBodyWithin", () => {
  it("refuses a declared Content-Length over the bound without reading the body", async () => {
    const { stream, pulled } = chunkedBody(1000);
    await expect(readBodyWithin(streamed(stream, { "Content-Length": String(LIMIT + 1) }), LIMIT)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(pulled()).toBeLessThanOrEqual(1);
  });

  it("refuses a malformed Content-Length", async () => {
    await expect(readBodyWithin(new Request("http://app.test/", { method: "POST", body: "a", headers: { "Content-Length": "1e9" } }), LIMIT)).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
  });

  it("stops reading an endless chunked body as soon as it passes the bound", async () => {
    const { stream, pulled } = chunkedBody(Number.POSITIVE_INFINITY);
    await expect(readBodyWithin(streamed(stream), LIMIT)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(pulled() * CHUNK).toBeLessThanOrEqual(LIMIT + 2 * CHUNK);
  });

  it("returns a body within the bound, decoded as request.text() would", async () => {
    expect(await readTextWithin(new Request("http://app.test/", { method: "POST", body: "\uFEFFa=1&b=é" }), LIMIT)).toBe("a=1&b=é");
    const { stream } = chunkedBody(4);
    expect((await readBodyWithin(streamed(stream), LIMIT)).byteLength).toBe(4 * CHUNK);
  });
});
