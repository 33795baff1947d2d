-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" DATETIME,
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN NOT NULL DEFAULT false,
    "locale" TEXT,
    "collaborator" BOOLEAN DEFAULT false,
    "emailVerified" BOOLEAN DEFAULT false,
    "refreshToken" TEXT,
    "refreshTokenExpires" DATETIME
);

-- CreateTable
CREATE TABLE "Shop" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "domain" TEXT NOT NULL,
    "name" TEXT,
    "ianaTimezone" TEXT NOT NULL DEFAULT 'UTC',
    "currencyCode" TEXT,
    "installedAt" DATETIME,
    "uninstalledAt" DATETIME,
    "invitation" TEXT NOT NULL DEFAULT 'pending',
    "invitedAt" DATETIME,
    "invitedBy" TEXT,
    "revokedAt" DATETIME,
    "revokedBy" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "InvitationEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "InvitationEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AdestraConnection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "accountName" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordEncrypted" TEXT NOT NULL,
    "coreTableId" INTEGER,
    "coreTableName" TEXT,
    "unsubListId" INTEGER,
    "unsubListName" TEXT,
    "verifiedAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "AdestraConnection_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ApsisConnection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "clientSecretEncrypted" TEXT NOT NULL,
    "keyspaceDiscriminator" TEXT,
    "realtimeEnabled" BOOLEAN NOT NULL DEFAULT false,
    "purchaseEventsEnabled" BOOLEAN NOT NULL DEFAULT true,
    "onCustomerDelete" TEXT NOT NULL DEFAULT 'delete_profile',
    "verifiedAt" DATETIME NOT NULL,
    "lastFullSyncAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ApsisConnection_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SendSettings" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "profileGroup" TEXT NOT NULL DEFAULT 'subscribers',
    "listId" INTEGER,
    "listName" TEXT,
    "activityFrom" TEXT,
    "activityTo" TEXT,
    "autoSendEnabled" BOOLEAN NOT NULL DEFAULT false,
    "sendMinuteOfDay" INTEGER,
    "lastSendAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "SendSettings_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SyncRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "settings" TEXT NOT NULL DEFAULT '{}',
    "total" INTEGER,
    "seen" INTEGER NOT NULL DEFAULT 0,
    "matched" INTEGER NOT NULL DEFAULT 0,
    "created" INTEGER NOT NULL DEFAULT 0,
    "updated" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "suppressed" INTEGER NOT NULL DEFAULT 0,
    "checkpoint" TEXT,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "queuedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    CONSTRAINT "SyncRun_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SyncFailure" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "runId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "email" TEXT,
    "reason" TEXT NOT NULL,
    "response" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SyncFailure_runId_fkey" FOREIGN KEY ("runId") REFERENCES "SyncRun" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ProfileLink" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "destinationId" TEXT,
    "email" TEXT,
    "phone" TEXT,
    "payloadHash" TEXT NOT NULL,
    "consent" TEXT,
    "sourceUpdatedAt" DATETIME,
    "lastSyncedAt" DATETIME NOT NULL,
    "lastError" TEXT,
    CONSTRAINT "ProfileLink_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AttributeMapping" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "sectionDiscriminator" TEXT NOT NULL,
    "shopifyField" TEXT NOT NULL,
    "attributeDiscriminator" TEXT NOT NULL,
    "attributeType" TEXT NOT NULL,
    CONSTRAINT "AttributeMapping_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ConsentMapping" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "sectionDiscriminator" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "consentListDiscriminator" TEXT NOT NULL,
    "topicDiscriminator" TEXT NOT NULL,
    CONSTRAINT "ConsentMapping_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SyncCondition" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "rule" TEXT NOT NULL,
    "sectionDiscriminator" TEXT NOT NULL,
    CONSTRAINT "SyncCondition_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ConsentEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "topic" TEXT,
    "type" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ConsentEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "WebhookReceipt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "eventId" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "apiVersion" TEXT NOT NULL,
    "triggeredAt" DATETIME,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'received',
    "detail" TEXT,
    "processedAt" DATETIME
);

-- CreateTable
CREATE TABLE "ComplianceRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "customerId" TEXT,
    "report" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "Session_shop_idx" ON "Session"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "Shop_domain_key" ON "Shop"("domain");

-- CreateIndex
CREATE INDEX "InvitationEvent_shopId_createdAt_idx" ON "InvitationEvent"("shopId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AdestraConnection_shopId_key" ON "AdestraConnection"("shopId");

-- CreateIndex
CREATE UNIQUE INDEX "ApsisConnection_shopId_key" ON "ApsisConnection"("shopId");

-- CreateIndex
CREATE UNIQUE INDEX "SendSettings_shopId_kind_key" ON "SendSettings"("shopId", "kind");

-- CreateIndex
CREATE INDEX "SyncRun_shopId_destination_queuedAt_idx" ON "SyncRun"("shopId", "destination", "queuedAt");

-- CreateIndex
CREATE INDEX "SyncRun_status_idx" ON "SyncRun"("status");

-- CreateIndex
CREATE INDEX "SyncFailure_runId_idx" ON "SyncFailure"("runId");

-- CreateIndex
CREATE INDEX "SyncFailure_customerId_idx" ON "SyncFailure"("customerId");

-- CreateIndex
CREATE INDEX "ProfileLink_shopId_customerId_idx" ON "ProfileLink"("shopId", "customerId");

-- CreateIndex
CREATE UNIQUE INDEX "ProfileLink_shopId_destination_target_customerId_key" ON "ProfileLink"("shopId", "destination", "target", "customerId");

-- CreateIndex
CREATE UNIQUE INDEX "AttributeMapping_shopId_sectionDiscriminator_attributeDiscriminator_key" ON "AttributeMapping"("shopId", "sectionDiscriminator", "attributeDiscriminator");

-- CreateIndex
CREATE UNIQUE INDEX "ConsentMapping_shopId_sectionDiscriminator_channel_consentListDiscriminator_topicDiscriminator_key" ON "ConsentMapping"("shopId", "sectionDiscriminator", "channel", "consentListDiscriminator", "topicDiscriminator");

-- CreateIndex
CREATE UNIQUE INDEX "SyncCondition_shopId_position_key" ON "SyncCondition"("shopId", "position");

-- CreateIndex
CREATE INDEX "ConsentEvent_shopId_customerId_idx" ON "ConsentEvent"("shopId", "customerId");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookReceipt_eventId_key" ON "WebhookReceipt"("eventId");

-- CreateIndex
CREATE INDEX "WebhookReceipt_shopDomain_receivedAt_idx" ON "WebhookReceipt"("shopDomain", "receivedAt");

-- CreateIndex
CREATE INDEX "WebhookReceipt_receivedAt_idx" ON "WebhookReceipt"("receivedAt");

-- CreateIndex
CREATE INDEX "ComplianceRequest_shopDomain_idx" ON "ComplianceRequest"("shopDomain");

-- CreateIndex
CREATE INDEX "ComplianceRequest_shopDomain_customerId_idx" ON "ComplianceRequest"("shopDomain", "customerId");

