/**
 * The handler of every job in the registry (app/queues/registry.ts). The JobHandlers type makes the compiler
 * insist on one entry per job name: adding a job to the registry means adding its handler here.
 */
import { adestraRedactContactJob } from "./jobs/adestra-redact-contact.server";
import { adestraAutoSendJob } from "./jobs/adestra-auto-send.server";
import { adestraSendProfilesJob } from "./jobs/adestra-send-profiles.server";
import { apsisFullSyncJob } from "./jobs/apsis-full-sync.server";
import { apsisRedactProfileJob, apsisSyncCustomerJob } from "./jobs/apsis-sync-customer.server";
import { processWebhookDelivery } from "./jobs/process-webhook-delivery.server";
import { pruneWebhookReceiptsJob } from "./jobs/prune-webhook-receipts.server";
import type { JobHandlers } from "./worker.server";

export const handlers: JobHandlers = {
  "webhooks.process-delivery": processWebhookDelivery,
  "maintenance.prune-webhook-receipts": pruneWebhookReceiptsJob,
  "adestra.send-profiles": adestraSendProfilesJob,
  "adestra.auto-send": adestraAutoSendJob,
  "apsis.full-sync": apsisFullSyncJob,
  "apsis.sync-customer": apsisSyncCustomerJob,
  "apsis.redact-profile": apsisRedactProfileJob,
  "adestra.redact-contact": adestraRedactContactJob,
};
