import type { z } from "zod";
import type { JobDefinition } from "../queues/registry";

/**
 * A kind of run a destination starts, one live per shop (an Adestra send, an APSIS One Full Sync): the job that
 * runs it (payload `{ runId }`), the job's id for a run, and what a run whose job ended without finishing it
 * says. The start of a run and the recovery pass (recover-runs.server.ts) both check a run's job through it.
 */
export type RunKind = {
  destination: string;
  kind: "send" | "full_sync";
  job: JobDefinition<z.ZodType<{ runId: string }>>;
  jobId: (runId: string) => string;
  lostMessage: string;
};
