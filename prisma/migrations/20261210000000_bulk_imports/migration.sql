-- Full Syncs and sends through the destinations' bulk imports (issue 11): the run's phase and import state, and
-- the profiles staged for its files until the destination confirms them.
-- AlterTable
ALTER TABLE "SyncRun" ADD COLUMN "importState" TEXT;
ALTER TABLE "SyncRun" ADD COLUMN "phase" TEXT;

-- CreateTable
CREATE TABLE "StagedProfile" (
    "runId" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "customerNum" BIGINT NOT NULL,
    "data" TEXT NOT NULL,

    PRIMARY KEY ("runId", "customerNum"),
    CONSTRAINT "StagedProfile_runId_fkey" FOREIGN KEY ("runId") REFERENCES "SyncRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "StagedProfile_runId_target_customerNum_idx" ON "StagedProfile"("runId", "target", "customerNum");

