import { parseCustomer, type ShopifyCustomer } from "./customer";
import { ShopifyHttpError, ShopifyMalformedDataError } from "./errors";

/**
 * The customers of a finished bulk export, read from its JSONL file as it downloads: memory stays at one
 * network chunk plus one line, however big the store. `url` null (a COMPLETED operation that matched no
 * customer) yields nothing. The bulk query has no nested connection, so every line is a customer; a
 * `__parentId` child line would fail parsing loudly rather than be mistaken for a customer.
 */
export async function* streamBulkCustomers({
  url,
  fetch = globalThis.fetch,
  signal,
}: {
  url: string | null;
  fetch?: typeof globalThis.fetch;
  signal?: AbortSignal;
}): AsyncIterable<ShopifyCustomer> {
  if (url === null) return;
  const response = await fetch(url, { signal });
  if (!response.ok || !response.body) {
    throw new ShopifyHttpError(response.status, "downloading the bulk operation result failed");
  }
  let lineNumber = 0;
  for await (const line of splitLines({ body: response.body })) {
    lineNumber += 1;
    if (line.trim() === "") continue;
    yield parseCustomer({ node: parseJsonLine({ line, lineNumber }), path: `line ${lineNumber}` });
  }
}

/** Lines of a byte stream, whatever the chunking (a line, or a UTF-8 character, may span chunks). */
export async function* splitLines({ body }: { body: ReadableStream<Uint8Array> }): AsyncIterable<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  let done = false;
  try {
    while (!done) {
      const chunk = await reader.read();
      done = chunk.done;
      pending += done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      yield* lines;
    }
    if (pending) yield pending;
  } finally {
    // The consumer stopped early: drop the rest of the download instead of leaving the socket open.
    if (!done) await reader.cancel();
    reader.releaseLock();
  }
}

function parseJsonLine({ line, lineNumber }: { line: string; lineNumber: number }): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new ShopifyMalformedDataError(`line ${lineNumber}`, "not a JSON object");
  }
}
