-- Adestra sends count the addresses they take off the unsub list: customers subscribed in Shopify again after the
-- app had put them there (issue 15, item 3).
ALTER TABLE "SyncRun" ADD COLUMN "unsuppressed" INTEGER NOT NULL DEFAULT 0;
