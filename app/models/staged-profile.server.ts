import { getDb } from "../db.server";

/**
 * Profiles a run hands to a destination's bulk import (StagedProfile): staged while the run plans the store,
 * cut into files in customer id order, deleted when the run finishes (finishSyncRun). One row per customer
 * per run: a resumed run that plans a customer again replaces its row, so a file never holds anyone twice.
 */

export type StagedRow = { target: string; customerNum: bigint; data: string };

/** One batch's rows, replacing any the run staged before for the same customers. */
export async function stageProfiles({ runId, rows }: { runId: string; rows: StagedRow[] }) {
  if (!rows.length) return;
  await getDb().$transaction(async (tx) => {
    await tx.stagedProfile.deleteMany({ where: { runId, customerNum: { in: rows.map((r) => r.customerNum) } } });
    await tx.stagedProfile.createMany({ data: rows.map((row) => ({ runId, ...row })) });
  });
}

/** How many profiles the run staged for each target. */
export async function countStagedProfiles({ runId }: { runId: string }) {
  const groups = await getDb().stagedProfile.groupBy({ by: ["target"], where: { runId }, _count: { _all: true }, orderBy: { target: "asc" } });
  return new Map(groups.map((g) => [g.target, g._count._all]));
}

/** Rows read per query by stagedProfiles. */
const READ_PAGE = 1_000;

/**
 * The run's staged profiles for a target, in customer id order, after `afterNum` (an import part's bound, as
 * saved: a decimal string, or null from the first) up to `throughNum` (the whole target when absent), read a
 * page at a time.
 */
export async function* stagedProfiles({ runId, target, afterNum, throughNum }: { runId: string; target: string; afterNum: string | null; throughNum?: string }) {
  let cursor = afterNum === null ? null : BigInt(afterNum);
  const through = throughNum === undefined ? {} : { lte: BigInt(throughNum) };
  for (;;) {
    const page = await getDb().stagedProfile.findMany({
      where: { runId, target, customerNum: { ...(cursor === null ? {} : { gt: cursor }), ...through } },
      orderBy: { customerNum: "asc" },
      take: READ_PAGE,
      select: { customerNum: true, data: true },
    });
    yield* page;
    if (page.length < READ_PAGE) return;
    cursor = page.at(-1)!.customerNum;
  }
}

/** Rewrites what some of the run's staged rows hold (e.g. what a destination said of them before the import). */
export async function updateStagedProfiles({ runId, rows }: { runId: string; rows: { customerNum: bigint; data: string }[] }) {
  if (!rows.length) return;
  await getDb().$transaction(async (tx) => {
    for (const { customerNum, data } of rows) await tx.stagedProfile.updateMany({ where: { runId, customerNum }, data: { data } });
  });
}
