-- Write-back (issue 13, item 1): opt-outs made in APSIS One become UNSUBSCRIBED in Shopify, per shop when
-- switched on; each one written back (or refused by Shopify) is kept for the Activity page.
ALTER TABLE "ApsisConnection" ADD COLUMN "writebackEnabled" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "ApsisConnection" ADD COLUMN "writebackCursor" TEXT;
ALTER TABLE "ApsisConnection" ADD COLUMN "lastWritebackAt" DATETIME;

CREATE TABLE "ConsentWriteback" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "topics" TEXT NOT NULL,
    "consentAt" DATETIME NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ConsentWriteback_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "ConsentWriteback_shopId_createdAt_idx" ON "ConsentWriteback"("shopId", "createdAt");
CREATE INDEX "ConsentWriteback_shopId_customerId_idx" ON "ConsentWriteback"("shopId", "customerId");
