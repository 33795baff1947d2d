/**
 * Every job the worker runs: the platform's own and each destination's (app/destinations/index.server.ts).
 * The dispatcher refuses two handlers for one job name.
 */
import { DESTINATIONS } from "../destinations/index.server";
import { handles, PRUNE_RECEIPTS_JOB, RECOVER_RUNS_JOB, WEBHOOK_DELIVERY_JOB, type JobEntry } from "../queues/registry";
import { processWebhookDelivery } from "./process-webhook-delivery.server";
import { pruneWebhookReceiptsJob } from "./prune-webhook-receipts.server";
import { recoverRunsJob } from "./recover-runs.server";

export const handlers: readonly JobEntry[] = [
  handles(WEBHOOK_DELIVERY_JOB, processWebhookDelivery),
  handles(PRUNE_RECEIPTS_JOB, pruneWebhookReceiptsJob),
  handles(RECOVER_RUNS_JOB, recoverRunsJob),
  ...DESTINATIONS.flatMap((destination) => destination.jobs),
];
