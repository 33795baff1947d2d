/**
 * Reading a request body with a bound (issue 8, findings 3 and 4): `request.text()`, `formData()` and `json()`
 * buffer whatever is sent, before anything can check it. Here a body over the bound is refused from its
 * Content-Length, or else as soon as the bytes read pass it (a chunked body has none), so no more than the
 * bound is ever held. The rest is never kept: the refusal's answer carries `Connection: close` (see
 * TOO_LARGE_HEADERS), and server.mjs then closes the connection after a short lingering close (what still
 * arrives is dropped) so the client reads the 413. The reader is not cancelled: that destroys the socket before
 * the 413 can be written.
 */

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the body is over ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Headers for the 413 answering a BodyTooLargeError. */
export const TOO_LARGE_HEADERS = { Connection: "close" } as const;

/** The body's bytes, at most `limit` of them; throws BodyTooLargeError past that. */
export async function readBodyWithin(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get("content-length");
  if (declared !== null && !(/^\d{1,16}$/.test(declared.trim()) && Number(declared) <= limit)) throw new BodyTooLargeError(limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The body as text (decoded as request.text() does: UTF-8, a BOM dropped, invalid bytes replaced), within `limit`. */
export async function readTextWithin(request: Request, limit: number): Promise<string> {
  return new TextDecoder().decode(await readBodyWithin(request, limit));
}
