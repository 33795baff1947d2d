import { z } from "zod";
import { parseJsonAs } from "../utils/parse-json";

/**
 * A run going through a destination's bulk import keeps its files and imports here (SyncRun.importState), so
 * the attempt that resumes it after a crash continues each import where it stood: polls the one it started,
 * uploads a file that was not uploaded, confirms from the first row not yet confirmed. Nothing is imported
 * twice and nothing counted twice: the counts of a file are saved with its confirmed rows, in one transaction.
 */

const PartSchema = z.object({
  /** The destination's target (APSIS: the Section). */
  target: z.string(),
  /** The staged customers of the file: after this numeric id (null: from the first) through this one. */
  afterNum: z.string().nullable(),
  throughNum: z.string(),
  rows: z.int().nonnegative(),
  /** The destination's import, once requested; its upload while the file is not handed over. */
  importId: z.string().nullable(),
  upload: z.object({ url: z.string(), fields: z.record(z.string(), z.string()), expiresAt: z.string() }).nullable(),
  uploaded: z.boolean(),
  /** Imports of this file that ended in error (another is requested until the limit). */
  errors: z.int().nonnegative(),
  /** Rows confirmed so far, in file order (through this customer), with what they counted. */
  confirmedRows: z.int().nonnegative(),
  confirmedThrough: z.string().nullable(),
  counts: z.object({ created: z.int().nonnegative(), updated: z.int().nonnegative(), failed: z.int().nonnegative() }),
  done: z.boolean(),
  /**
   * A destination whose import fetches the file itself (Adestra's contact.import): the file's columns; that the
   * list was read before the import, to tell created from updated (`prescanned`); when the import was asked for
   * (saved before the call: once set, the import is never asked for again) and until when the file's URL is
   * valid and its rows are waited for. `uploaded` then means the destination answered that it took the file.
   */
  columns: z.array(z.string()).optional(),
  prescanned: z.boolean().optional(),
  requestedAt: z.string().nullable().optional(),
  expiresAt: z.string().nullable().optional(),
});

export const ImportStateSchema = z.object({
  /** When the files were planned: the pace and the ETA count from here. */
  startedAt: z.string(),
  parts: z.array(PartSchema),
});

export type ImportPart = z.infer<typeof PartSchema>;
export type ImportState = z.infer<typeof ImportStateSchema>;

export const parseImportState = (json: string | null | undefined) => (json ? parseJsonAs(ImportStateSchema, json) : null);

export const newPart = (target: string, afterNum: bigint | null, throughNum: bigint, rows: number): ImportPart => ({
  target,
  afterNum: afterNum === null ? null : afterNum.toString(),
  throughNum: throughNum.toString(),
  rows,
  importId: null,
  upload: null,
  uploaded: false,
  errors: 0,
  confirmedRows: 0,
  confirmedThrough: null,
  counts: { created: 0, updated: 0, failed: 0 },
  done: false,
});

/** The counts every confirmed row added, over the run's files. */
export function importedCounts(state: ImportState) {
  const sum = { created: 0, updated: 0, failed: 0, rows: 0, confirmed: 0 };
  for (const part of state.parts) {
    sum.created += part.counts.created;
    sum.updated += part.counts.updated;
    sum.failed += part.counts.failed;
    sum.rows += part.rows;
    sum.confirmed += part.confirmedRows;
  }
  return sum;
}
