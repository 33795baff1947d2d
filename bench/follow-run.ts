/**
 * Follows a run to its end for a bench child: wall seconds from `started`, the final summary, and the seconds
 * spent in each phase of a bulk import (sampled every 200 ms; "records" while written one by one).
 */
import type { getSyncRunSummary } from "../app/models/sync-run.server";

type Summary = NonNullable<Awaited<ReturnType<typeof getSyncRunSummary>>>;

export async function followRun(read: typeof getSyncRunSummary, runId: string, started: number): Promise<{ seconds: number; run: Summary; phases: Record<string, number> }> {
  const phases: Record<string, number> = {};
  let phaseAt = started;
  let phase = "records";
  for (;;) {
    const run = await read({ runId });
    const now = performance.now();
    if (run?.phase && run.phase !== phase) {
      phases[phase] = (phases[phase] ?? 0) + (now - phaseAt) / 1000;
      [phase, phaseAt] = [run.phase, now];
    }
    if (run && run.status !== "queued" && run.status !== "running") {
      phases[phase] = (phases[phase] ?? 0) + (now - phaseAt) / 1000;
      if (run.status !== "succeeded") throw new Error(`run ${run.status}: ${run.errorMessage}`);
      return { seconds: (now - started) / 1000, run, phases };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
