/**
 * The CSV files Adestra's contact.import fetches (docs/apis/adestra-api.md §8): one file per part of a run's
 * bulk import, built from the run's StagedProfile rows in the web process (the database is shared with the
 * workers) and streamed a page of rows at a time. Route: app/routes/imports.adestra.tsx.
 *
 * The URL carries a signed, expiring token (HMAC-SHA256, key derived from CREDENTIALS_ENCRYPTION_KEY for this
 * purpose only; app/utils/crypto.server.ts) naming the shop, the run, the part and the expiry: it reads that
 * one part and nothing else. A token that is not one the app signed, or expired, is 403; a valid one whose run
 * is over (or not the shop's, or not Adestra's) or whose part does not exist is 404. Neither says why.
 * The access log redacts `token` (server.mjs).
 */
import { z } from "zod";
import { parseEnv } from "../../env.server";
import { getSyncRunForJob, SYNC_RUN_ACTIVE_STATUSES } from "../../models/sync-run.server";
import { stagedProfiles } from "../../models/staged-profile.server";
import { parseImportState } from "../../runs/import-state";
import { csvLine } from "../../utils/csv";
import { openSignedToken, signToken } from "../../utils/crypto.server";
import type { StagedContact } from "./rules/send-engine";

export const IMPORT_FILE_PATH = "/imports/adestra";
const PURPOSE = "adestra-import-file";

export type ImportFileClaims = { shopId: string; runId: string; part: number; expiresAt: Date };

const ClaimsSchema = z.tuple([z.literal("adestra-import"), z.string().min(1), z.string().min(1), z.int().nonnegative(), z.int().positive()]);

export function signImportFileToken({ shopId, runId, part, expiresAt }: ImportFileClaims, key: string): string {
  return signToken(JSON.stringify(["adestra-import", shopId, runId, part, Math.floor(expiresAt.getTime() / 1000)]), key, PURPOSE);
}

/** The claims of a token the app signed and that has not expired; null for anything else. */
export function readImportFileToken(token: string | null, key: string, now = new Date()): ImportFileClaims | null {
  const payload = token ? openSignedToken(token, key, PURPOSE) : null;
  if (payload === null) return null;
  let parsed;
  try {
    parsed = ClaimsSchema.safeParse(JSON.parse(payload));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const [, shopId, runId, part, expires] = parsed.data;
  if (expires * 1000 <= now.getTime()) return null;
  return { shopId, runId, part, expiresAt: new Date(expires * 1000) };
}

/** The URL Adestra is given for one part: the app's public URL (SHOPIFY_APP_URL) with the token. */
export function importFileUrl(claims: ImportFileClaims, { appUrl, key }: { appUrl: string; key: string }): string {
  const url = new URL(IMPORT_FILE_PATH, appUrl);
  url.searchParams.set("token", signImportFileToken(claims, key));
  return url.toString();
}

export const parseStagedContact = (data: string) => JSON.parse(data) as StagedContact;

/** A staged contact as a row of the part's file, in its columns ("" for a field it does not have). */
export const importFileRow = (columns: readonly string[], { contact }: StagedContact) =>
  csvLine(columns.map((column) => (contact as Record<string, string | undefined>)[column] ?? ""));

/** The staged contacts of a part (after `afterNum` through `throughNum`), in customer id order. */
export async function* partRows({ runId, target, afterNum, throughNum }: { runId: string; target: string; afterNum: string | null; throughNum: string }) {
  for await (const row of stagedProfiles({ runId, target, afterNum, throughNum })) yield { num: row.customerNum, staged: parseStagedContact(row.data) };
}

const refused = (status: 403 | 404) => new Response(null, { status, headers: { "Cache-Control": "no-store" } });

/** GET <IMPORT_FILE_PATH>?token=…: the part's CSV, streamed. */
export async function serveAdestraImportFile(request: Request): Promise<Response> {
  const env = parseEnv();
  const claims = readImportFileToken(new URL(request.url).searchParams.get("token"), env.CREDENTIALS_ENCRYPTION_KEY);
  if (!claims) return refused(403);
  const run = await getSyncRunForJob({ runId: claims.runId });
  const active = run && run.shopId === claims.shopId && run.destination === "adestra" && (SYNC_RUN_ACTIVE_STATUSES as readonly string[]).includes(run.status);
  const part = active ? parseImportState(run.importState)?.parts[claims.part] : undefined;
  if (!run || !part?.columns) return refused(404);
  const columns = part.columns;
  const rows = partRows({ runId: run.id, target: part.target, afterNum: part.afterNum, throughNum: part.throughNum });
  const encoder = new TextEncoder();
  let header = true;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk = header ? csvLine(columns) : "";
      header = false;
      for (let n = 0; n < 500; n++) {
        const next = await rows.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += importFileRow(columns, next.value.staged);
      }
      controller.enqueue(encoder.encode(chunk));
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: { "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store", "Content-Disposition": `attachment; filename="import-${claims.part + 1}.csv"` },
  });
}
