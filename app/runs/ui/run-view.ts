/**
 * A run as the pages show it (progress, outcome, the Activity table): plain, serialisable values, times
 * already formatted in the store's timezone on the server (run-view.server.ts), so the browser needs no
 * luxon and no zone data.
 */
import type { RunCounters } from "../../models/run-counters";

/** One customer the run could not write, with the destination's reason (its raw answer stays on the server). */
export type RunFailureView = { customerId: string; email: string | null; reason: string };

export type RunView = RunCounters & {
  id: string;
  trigger: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled" | string;
  /** Customers in the store when the run started (null until known). */
  total: number | null;
  /** seen / total, 0–1 (null while the total is unknown). */
  progress: number | null;
  errorMessage: string | null;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** The first five failures; `failed` is the exact count. */
  failures: RunFailureView[];
  /** A run through the destination's bulk import: what it is doing now (null: written profile by profile). */
  phase: RunPhase | null;
  /** Its files and profiles: how many the destination has confirmed so far. */
  imports: { files: number; filesDone: number; profiles: number; confirmed: number } | null;
  /** Seconds left, from the pace measured so far (null: not running, or too early to tell). */
  etaSeconds: number | null;
};

export const RUN_PHASES = ["export", "preparing", "importing", "confirming"] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** What a page polls while a run is active: the active run, else the last finished one. */
export type RunPairView<Run extends RunView = RunView> = { activeRun: Run | null; lastRun: Run | null };
