-- The attempt of a run's job that owns the run: every write an attempt makes to its run is made only while the
-- row carries its number, so an attempt BullMQ handed to a second worker after a lost lock stops the first one.
ALTER TABLE "SyncRun" ADD COLUMN "attempt" INTEGER NOT NULL DEFAULT 0;
