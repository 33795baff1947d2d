import { getDb } from "../db.server";

/** The columns the UI shows for a run (never the settings JSON or the checkpoint). */
const runSummary = {
  id: true,
  destination: true,
  kind: true,
  trigger: true,
  status: true,
  total: true,
  seen: true,
  matched: true,
  created: true,
  updated: true,
  unchanged: true,
  skipped: true,
  failed: true,
  errorCode: true,
  errorMessage: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
} as const;

/** A shop's runs, newest first (by when they were queued). */
export async function listSyncRuns({ shop, take = 50, destination }: {
  shop: string;
  take?: number;
  destination?: "adestra" | "apsis";
}) {
  return getDb().syncRun.findMany({
    where: { shop: { domain: shop }, ...(destination ? { destination } : {}) },
    orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
    take,
    select: runSummary,
  });
}

export type SyncRunSummary = Awaited<ReturnType<typeof listSyncRuns>>[number];
