-- AlterTable
ALTER TABLE "WebhookReceipt" ADD COLUMN "customerId" TEXT;

-- CreateTable
CREATE TABLE "ApsisEventMapping" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "section" TEXT NOT NULL,
    "purchaseEvent" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ApsisEventMapping_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ApsisPurchaseEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "orderedAt" DATETIME NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "section" TEXT,
    "detail" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    CONSTRAINT "ApsisPurchaseEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CustomerSyncState" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "section" TEXT,
    "detail" TEXT,
    "lastError" TEXT,
    "lastErrorAt" DATETIME,
    "attemptedAt" DATETIME NOT NULL,
    CONSTRAINT "CustomerSyncState_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "ApsisEventMapping_shopId_section_key" ON "ApsisEventMapping"("shopId", "section");

-- CreateIndex
CREATE INDEX "ApsisPurchaseEvent_shopId_customerId_status_idx" ON "ApsisPurchaseEvent"("shopId", "customerId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ApsisPurchaseEvent_shopId_orderId_key" ON "ApsisPurchaseEvent"("shopId", "orderId");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerSyncState_shopId_customerId_key" ON "CustomerSyncState"("shopId", "customerId");

-- CreateIndex
CREATE INDEX "WebhookReceipt_shopDomain_status_receivedAt_idx" ON "WebhookReceipt"("shopDomain", "status", "receivedAt");

