/**
 * What the APSIS One page sends to the browser: plain, serialisable values, dates already formatted in the
 * store's timezone on the server (app/utils/format-date.ts), so the browser needs no luxon and no zone data.
 */

import type { RunPairView } from "../../../runs/ui/run-view";

export type AttributeType = "text" | "number" | "decimal" | "date" | "timestamp" | "boolean";

export type SectionView = {
  discriminator: string;
  name: string;
  attributes: { discriminator: string; name: string; type: AttributeType | null }[];
  topics: { discriminator: string; name: string; channel: "email" | "sms" | null }[];
  /** Proposed mappings by name (guess-mappings.ts guessMappings), offered by "Guess mappings". */
  guesses: { field: string; attribute: string }[];
};

export type ShopifyFieldView = { key: string; label: string; type: AttributeType; description: string };

export type ConditionFieldView = { key: string; label: string; kind: string; operators: readonly string[]; values: readonly string[] | null };

/** A rule as the editor holds it: strings ("" = not chosen); `and` clauses are kept as they were saved. */
export type ConditionRow = { field: string; operator: string; value: string; section: string; and?: unknown[] };

export type FullSyncStatusView = RunPairView & {
  lastFullSyncAt: string | null;
  /** The conditions or mappings were saved differently after the last successful Full Sync ran. */
  setupChangedSinceFullSync: boolean;
  timeZone: string;
};

/** What the APSIS actions answer: `{ toast }` on success, `{ errors }` (422) keyed by field on bad input. */
export type ApsisActionResult = {
  ok?: boolean;
  toast?: string;
  errors?: Partial<Record<string, string>>;
  counts?: ConditionCountsView;
};

export type ConditionCountsView = {
  total: number;
  conditions: { section: string; matches: number; picked: number }[];
  notSynced: number;
};

export const OPERATOR_LABELS: Record<string, string> = {
  equals: "equals",
  not_equals: "does not equal",
  contains: "contains",
  not_contains: "does not contain",
  in: "is one of",
  gt: "is greater than",
  lt: "is less than",
};

export const TYPE_LABELS: Record<AttributeType, string> = {
  text: "Text",
  number: "Number",
  decimal: "Number with decimals",
  date: "Date",
  timestamp: "Timestamp",
  boolean: "True/False",
};

export const APSIS_ACTION = { method: "post", action: "/app/apsis" } as const;
