-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
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
    "refreshTokenExpires" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shop" (
    "id" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "name" TEXT,
    "ianaTimezone" TEXT NOT NULL DEFAULT 'UTC',
    "currencyCode" TEXT,
    "installedAt" TIMESTAMP(3),
    "uninstalledAt" TIMESTAMP(3),
    "invitation" TEXT NOT NULL DEFAULT 'pending',
    "invitedAt" TIMESTAMP(3),
    "invitedBy" TEXT,
    "revokedAt" TIMESTAMP(3),
    "revokedBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Shop_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InvitationEvent" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InvitationEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdestraConnection" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "accountName" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordEncrypted" TEXT NOT NULL,
    "coreTableId" INTEGER,
    "coreTableName" TEXT,
    "unsubListId" INTEGER,
    "unsubListName" TEXT,
    "verifiedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AdestraConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApsisConnection" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "clientSecretEncrypted" TEXT NOT NULL,
    "keyspaceDiscriminator" TEXT,
    "realtimeEnabled" BOOLEAN NOT NULL DEFAULT false,
    "purchaseEventsEnabled" BOOLEAN NOT NULL DEFAULT true,
    "onCustomerDelete" TEXT NOT NULL DEFAULT 'delete_profile',
    "verifiedAt" TIMESTAMP(3) NOT NULL,
    "lastFullSyncAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ApsisConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SendSettings" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "profileGroup" TEXT NOT NULL DEFAULT 'subscribers',
    "listId" INTEGER,
    "listName" TEXT,
    "activityFrom" TEXT,
    "activityTo" TEXT,
    "autoSendEnabled" BOOLEAN NOT NULL DEFAULT false,
    "sendMinuteOfDay" INTEGER,
    "lastSendAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SendSettings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncRun" (
    "id" TEXT NOT NULL,
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
    "queuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "SyncRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncFailure" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "email" TEXT,
    "reason" TEXT NOT NULL,
    "response" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SyncFailure_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProfileLink" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "destinationId" TEXT,
    "email" TEXT,
    "phone" TEXT,
    "payloadHash" TEXT NOT NULL,
    "consent" TEXT,
    "sourceUpdatedAt" TIMESTAMP(3),
    "lastSyncedAt" TIMESTAMP(3) NOT NULL,
    "lastError" TEXT,

    CONSTRAINT "ProfileLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AttributeMapping" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "sectionDiscriminator" TEXT NOT NULL,
    "shopifyField" TEXT NOT NULL,
    "attributeDiscriminator" TEXT NOT NULL,
    "attributeType" TEXT NOT NULL,

    CONSTRAINT "AttributeMapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsentMapping" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "sectionDiscriminator" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "consentListDiscriminator" TEXT NOT NULL,
    "topicDiscriminator" TEXT NOT NULL,

    CONSTRAINT "ConsentMapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncCondition" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "rule" TEXT NOT NULL,
    "sectionDiscriminator" TEXT NOT NULL,

    CONSTRAINT "SyncCondition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConsentEvent" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "topic" TEXT,
    "type" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookReceipt" (
    "id" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "apiVersion" TEXT NOT NULL,
    "triggeredAt" TIMESTAMP(3),
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'received',
    "detail" TEXT,
    "processedAt" TIMESTAMP(3),

    CONSTRAINT "WebhookReceipt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ComplianceRequest" (
    "id" TEXT NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "customerId" TEXT,
    "report" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ComplianceRequest_pkey" PRIMARY KEY ("id")
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
CREATE UNIQUE INDEX "AttributeMapping_shopId_sectionDiscriminator_attributeDiscr_key" ON "AttributeMapping"("shopId", "sectionDiscriminator", "attributeDiscriminator");

-- CreateIndex
CREATE UNIQUE INDEX "ConsentMapping_shopId_sectionDiscriminator_channel_consentL_key" ON "ConsentMapping"("shopId", "sectionDiscriminator", "channel", "consentListDiscriminator", "topicDiscriminator");

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

-- AddForeignKey
ALTER TABLE "InvitationEvent" ADD CONSTRAINT "InvitationEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AdestraConnection" ADD CONSTRAINT "AdestraConnection_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApsisConnection" ADD CONSTRAINT "ApsisConnection_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SendSettings" ADD CONSTRAINT "SendSettings_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncRun" ADD CONSTRAINT "SyncRun_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncFailure" ADD CONSTRAINT "SyncFailure_runId_fkey" FOREIGN KEY ("runId") REFERENCES "SyncRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProfileLink" ADD CONSTRAINT "ProfileLink_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AttributeMapping" ADD CONSTRAINT "AttributeMapping_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConsentMapping" ADD CONSTRAINT "ConsentMapping_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncCondition" ADD CONSTRAINT "SyncCondition_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConsentEvent" ADD CONSTRAINT "ConsentEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

