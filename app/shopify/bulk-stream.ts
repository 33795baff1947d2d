import { parseCustomer, type ShopifyCustomer } from "./customer";
import { ShopifyHttpError, ShopifyMalformedDataError } from "./errors";

/** How many times in a row a cut download is resumed without getting a byte further before it fails. */
export const MAX_DOWNLOAD_RESUMES = 5;

/**
 * The customers of a finished bulk export, read from its JSONL file as it downloads: memory stays at one
 * network chunk plus one line, however big the store. `url` null (a COMPLETED operation that matched no
 * customer) yields nothing. The bulk query has no nested connection, so every line is a customer; a
 * `__parentId` child line would fail parsing loudly rather than be mistaken for a customer.
 *
 * The app reads the file as fast as it writes to the destination, so a download of a large store stays open
 * for minutes, and servers drop slow readers' connections (docs/decisions/027-bulk-download-resume.md): a
 * download cut mid-body goes on from the byte it stopped at (`Range`, which the storage URLs Shopify hands out
 * serve), so no customer is read twice or missed and no run attempt is spent on it.
 */
export async function* streamBulkCustomers({
  url,
  fetch = globalThis.fetch,
  signal,
  log = () => {},
}: {
  url: string | null;
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
  log?: (message: string) => void;
}): AsyncIterable<ShopifyCustomer> {
  if (url === null) return;
  let lineNumber = 0;
  for await (const line of splitLines({ chunks: downloadChunks({ url, fetch, signal, log }) })) {
    lineNumber += 1;
    if (line.trim() === "") continue;
    yield parseCustomer({ node: parseJsonLine({ line, lineNumber }), path: `line ${lineNumber}` });
  }
}

/** The file's bytes in order; a connection that drops mid-body is resumed with a Range request from the next byte. */
async function* downloadChunks({ url, fetch, signal, log }: { url: string; fetch: typeof globalThis.fetch; signal?: AbortSignal; log: (message: string) => void }): AsyncIterable<Uint8Array> {
  let received = 0;
  let resumesWithoutProgress = 0;
  for (;;) {
    const body = await openDownload({ url, fetch, signal, from: received });
    try {
      // Leaving this loop early (the consumer stopped) cancels the body, so the socket is not left open.
      for await (const chunk of body) {
        if (chunk.byteLength === 0) continue;
        received += chunk.byteLength;
        resumesWithoutProgress = 0;
        yield chunk;
      }
      return;
    } catch (error) {
      // A dropped connection; not a stop asked for (signal), nor a server that keeps dropping it at once.
      if (signal?.aborted || ++resumesWithoutProgress > MAX_DOWNLOAD_RESUMES) throw error;
      log(`the bulk operation result download was cut after ${received} bytes (${error instanceof Error ? error.message : String(error)}); resuming from there`);
    }
  }
}

/** The download's body from byte `from`: the whole file (200), or a resume that must start exactly there (206). */
async function openDownload({ url, fetch, signal, from }: { url: string; fetch: typeof globalThis.fetch; signal?: AbortSignal; from: number }) {
  const response = await fetch(url, { signal, headers: from ? { range: `bytes=${from}-` } : {} });
  const ok = from === 0 ? response.ok : response.status === 206 && contentRangeStart(response.headers.get("content-range")) === from;
  if (!ok || !response.body) {
    await response.body?.cancel();
    throw new ShopifyHttpError(response.status, from ? `resuming the bulk operation result download at byte ${from} failed` : "downloading the bulk operation result failed");
  }
  return response.body;
}

/** The first byte of a 206's `Content-Range: bytes FIRST-LAST/SIZE`. */
function contentRangeStart(header: string | null): number | null {
  const match = header ? /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header.trim()) : null;
  return match ? Number(match[1]) : null;
}

/** Lines of a byte stream, whatever the chunking (a line, or a UTF-8 character, may span chunks). */
export async function* splitLines({ chunks }: { chunks: AsyncIterable<Uint8Array> }): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    yield* lines;
  }
  pending += decoder.decode();
  if (pending) yield pending;
}

function parseJsonLine({ line, lineNumber }: { line: string; lineNumber: number }): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new ShopifyMalformedDataError(`line ${lineNumber}`, "not a JSON object");
  }
}
