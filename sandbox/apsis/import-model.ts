/** One bulk import's record (docs/apis/apsis-one-api.md §8): waiting_for_file → queued → in_progress → completed | error. */
import type { z } from "zod";
import type { ImportBodySchema } from "../../app/destinations/apsis/client/schemas";

export type ImportStatus = "waiting_for_file" | "queued" | "in_progress" | "completed" | "error";

export interface SandboxImport {
  id: string;
  section: string;
  body: z.output<typeof ImportBodySchema>;
  status: ImportStatus;
  /** The form fields the upload must carry (file_upload_body). */
  fields: Record<string, string>;
  /** When the upload URL stops working (epoch ms). */
  uploadExpiresAt: number;
  /** Data rows read; imported, skipped (existing profile, update_existing_profiles false) or failed. */
  rows: number;
  imported: number;
  skipped: number;
  failed: number;
  /** Row numbers count the header as row 1, as a spreadsheet shows them. */
  errors: { row: number; reason: string }[];
  /** Why an import ended in `error`. */
  error?: string;
  /** setImportFault("error"): the import ends in `error` with this reason once it has the file. */
  failWith?: string;
}

export type ApsisSandboxImport = Omit<SandboxImport, "body" | "fields" | "uploadExpiresAt">;

/** Counted against "three simultaneous imports per account". */
export const isActive = (record: SandboxImport) => record.status === "waiting_for_file" || record.status === "queued" || record.status === "in_progress";

/** An upload URL that expired unused ends the import (INFERRED: APSIS's status for it is not documented). */
export function expireIfDue(record: SandboxImport, now = Date.now()): void {
  if (record.status === "waiting_for_file" && now >= record.uploadExpiresAt) {
    record.status = "error";
    record.error = "File upload time expired";
  }
}

export function importView({ body: _body, fields: _fields, uploadExpiresAt: _expires, failWith: _fault, errors, ...rest }: SandboxImport): ApsisSandboxImport {
  return { ...rest, errors: errors.map((error) => ({ ...error })) };
}

/** GET …/imports/{id}: `result.status` is SEEN; the report fields beside it are INFERRED. */
export function importResult(record: SandboxImport) {
  return {
    result: {
      status: record.status,
      import_id: record.id,
      total_rows: record.rows,
      imported_rows: record.imported,
      skipped_rows: record.skipped,
      failed_rows: record.failed,
      errors: record.errors,
      ...(record.error ? { error: record.error } : {}),
    },
  };
}
