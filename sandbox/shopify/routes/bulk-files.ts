/**
 * `GET /bulk/{file}.jsonl?expires=…&signature=…`: finished bulk files. Shopify hands out signed cloud-storage
 * URLs that need no Shopify credentials and expire (after 7 days); the sandbox signs its URLs with a key of
 * its own and refuses an expired or tampered one the way a storage bucket does (XML error bodies).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { sendText } from "../http";

export const BULK_URL_TTL_SECONDS = 7 * 24 * 3600;

export type BulkFileSigner = { key: Buffer; dataDir: string; baseUrl: () => string; ttlSeconds: number };

const signatureOf = (signer: BulkFileSigner, fileName: string, expires: number) =>
  createHmac("sha256", signer.key).update(`${fileName}:${expires}`).digest("base64url");

export function bulkFileUrl(signer: BulkFileSigner, fileName: string): string {
  const expires = Math.floor(Date.now() / 1000) + signer.ttlSeconds;
  return `${signer.baseUrl()}/bulk/${fileName}?expires=${expires}&signature=${signatureOf(signer, fileName, expires)}`;
}

const storageError = (response: ServerResponse, status: number, code: string, message: string) =>
  sendText(response, status, "application/xml; charset=UTF-8", `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);

export async function handleBulkFile(signer: BulkFileSigner, fileName: string, url: URL, response: ServerResponse): Promise<void> {
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
  response.writeHead(200, { "content-type": "application/jsonl", "content-length": size });
  createReadStream(path).pipe(response);
}
