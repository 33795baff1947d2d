/**
 * `GET /bulk/{file}.jsonl?expires=…&signature=…`: finished bulk files. Shopify hands out signed cloud-storage
 * URLs that need no Shopify credentials and expire (after 7 days); the sandbox signs its URLs with a key of
 * its own and refuses an expired or tampered one the way a storage bucket does (XML error bodies). Like a
 * storage bucket it serves byte ranges (`Range: bytes=N-` or `bytes=N-M` → 206 with Content-Range; a start at
 * or past the end → 416), which is how a client resumes a download whose connection dropped.
 *
 * Test fault (`BulkFileSigner.cutDownloadsAfterBytes`): the first download of each file is cut after that many
 * bytes, the connection closed mid-body, as a dropped connection does.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { sendText } from "../http";

export const BULK_URL_TTL_SECONDS = 7 * 24 * 3600;

export type BulkFileSigner = {
  key: Buffer;
  dataDir: string;
  baseUrl: () => string;
  ttlSeconds: number;
  /** Test fault: cut the first download of each file after this many bytes (null: off); `cut` the files done. */
  cutDownloadsAfterBytes: number | null;
  cut: Set<string>;
};

const signatureOf = (signer: BulkFileSigner, fileName: string, expires: number) =>
  createHmac("sha256", signer.key).update(`${fileName}:${expires}`).digest("base64url");

export function bulkFileUrl(signer: BulkFileSigner, fileName: string): string {
  const expires = Math.floor(Date.now() / 1000) + signer.ttlSeconds;
  return `${signer.baseUrl()}/bulk/${fileName}?expires=${expires}&signature=${signatureOf(signer, fileName, expires)}`;
}

const storageError = (response: ServerResponse, status: number, code: string, message: string) =>
  sendText(response, status, "application/xml; charset=UTF-8", `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);

/** A single byte range of a `size`-byte file from a Range header: null when there is none or it is not one we serve (the whole file is sent, as RFC 9110 allows). */
function rangeOf(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | null {
  const match = header ? /^bytes=(\d{1,15})-(\d{0,15})$/.exec(header.trim()) : null;
  if (!match) return null;
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

export async function handleBulkFile(signer: BulkFileSigner, fileName: string, url: URL, rangeHeader: string | undefined, response: ServerResponse): Promise<void> {
  const expires = Number(url.searchParams.get("expires"));
  const given = Buffer.from(url.searchParams.get("signature") ?? "");
  const expected = Buffer.from(signatureOf(signer, fileName, expires));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return storageError(response, 403, "AccessDenied", "Access denied: the signature does not match.");
  }
  if (expires * 1000 < Date.now()) return storageError(response, 400, "ExpiredToken", "Invalid argument: the URL has expired.");
  const path = join(signer.dataDir, fileName);
  const size = await stat(path).then((s) => s.size, () => null);
  if (size === null) return storageError(response, 404, "NoSuchKey", "The specified key does not exist.");
  const range = rangeOf(rangeHeader, size);
  if (range === "unsatisfiable") {
    response.setHeader("content-range", `bytes */${size}`);
    return storageError(response, 416, "InvalidRange", "The requested range cannot be satisfied.");
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const headers = { "content-type": "application/jsonl", "content-length": end - start + 1, "accept-ranges": "bytes" };
  if (range) response.writeHead(206, { ...headers, "content-range": `bytes ${start}-${end}/${size}` });
  else response.writeHead(200, headers);
  const cutAfter = signer.cutDownloadsAfterBytes;
  if (cutAfter !== null && !signer.cut.has(fileName) && end - start + 1 > cutAfter) {
    signer.cut.add(fileName);
    const part = createReadStream(path, { start, end: start + cutAfter - 1 });
    // Once the bytes sent so far are flushed, the connection goes without the rest of the body.
    part.on("end", () => response.write(Buffer.alloc(0), () => response.socket?.destroy()));
    part.pipe(response, { end: false });
    return;
  }
  createReadStream(path, { start, end }).pipe(response);
}
