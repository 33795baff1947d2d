/**
 * The handler of every job in the registry (app/queues/registry.ts). The JobHandlers type makes the compiler
 * insist on one entry per job name: adding a job to the registry means adding its handler here.
 */
import { adestraRedactContactJob } from "../destinations/adestra/jobs/redact-contact.server";
import { adestraAutoSendJob } from "../destinations/adestra/jobs/auto-send.server";
import { adestraSendProfilesJob } from "../destinations/adestra/jobs/send-profiles.server";
import { apsisFullSyncJob } from "../destinations/apsis/jobs/full-sync.server";
import { apsisRedactProfileJob, apsisSyncCustomerJob } from "../destinations/apsis/jobs/sync-customer.server";
import { processWebhookDelivery } from "./process-webhook-delivery.server";
import { pruneWebhookReceiptsJob } from "./prune-webhook-receipts.server";
import type { JobHandlers } from "../queues/worker.server";

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
