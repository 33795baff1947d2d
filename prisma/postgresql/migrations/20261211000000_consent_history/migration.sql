-- Issue 13 items 2 and 4: a run's consent raises left alone (the destination's opt-out is newer than Shopify's
-- consent), and the consent history: where, outcome, reason and Shopify's consent state and time per event.
-- AlterTable
ALTER TABLE "SyncRun" ADD COLUMN     "leftAlone" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "ConsentEvent" ADD COLUMN     "target" TEXT,
ADD COLUMN     "outcome" TEXT NOT NULL DEFAULT 'written',
ADD COLUMN     "reason" TEXT,
ADD COLUMN     "shopifyState" TEXT,
ADD COLUMN     "shopifyConsentAt" TIMESTAMP(3);

-- DropIndex
DROP INDEX "ConsentEvent_shopId_customerId_idx";

-- CreateIndex
CREATE INDEX "ConsentEvent_shopId_customerId_createdAt_idx" ON "ConsentEvent"("shopId", "customerId", "createdAt");
CREATE INDEX "ConsentEvent_createdAt_idx" ON "ConsentEvent"("createdAt");
