-- APSIS One reconciliation (issue 10, finding 3): the watermark and the last pass's figures, per connection; and
-- webhook receipts found by customer (the pass looks up the deliveries of the customers it examines).
ALTER TABLE "ApsisConnection" ADD COLUMN "reconciledThrough" TIMESTAMP(3),
ADD COLUMN "lastReconcileAt" TIMESTAMP(3),
ADD COLUMN "lastReconcileExamined" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "lastReconcileCaught" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "WebhookReceipt_shopDomain_customerId_idx" ON "WebhookReceipt"("shopDomain", "customerId");
