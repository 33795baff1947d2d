-- A consent mapping remembers APSIS One's last refusal of a consent write to its topic on its channel (issue 15,
-- item 2): shown on the mapping, and that write goes first for each customer so nothing else is written before it.
ALTER TABLE "ConsentMapping" ADD COLUMN "refusedAt" TIMESTAMP(3);
ALTER TABLE "ConsentMapping" ADD COLUMN "refusal" TEXT;
