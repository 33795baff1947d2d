/**
 * Workers in the test's own process (its "worker process"), any number of them, each with its own Redis
 * connection; the jobs that failed, as the worker reported them. The app's modules are imported when a worker
 * starts, after the stack has set the environment they read.
 */
import type { Job } from "bullmq";
import type { QueueName } from "../../app/queues/registry";

export function inProcessWorkers(concurrency: Partial<Record<QueueName, number>>) {
  const failedJobs: { job: Job | undefined; error: Error }[] = [];
  const started: { close(): Promise<void> }[] = [];
  return {
    failedJobs,
    async start() {
      const [{ parseEnv }, { createRedis }, { startWorkers }, { handlers }] = await Promise.all([
        import("../../app/env.server"),
        import("../../app/redis.server"),
        import("../../app/queues/worker.server"),
        import("../../app/jobs/handlers.server"),
      ]);
      const env = parseEnv();
      const connection = createRedis(env.REDIS_URL);
      const workers = startWorkers({ connection, prefix: env.REDIS_PREFIX, handlers, concurrency, onFailed: (job, error) => failedJobs.push({ job, error }) });
      const handle = {
        async close() {
          await workers.close();
          connection.disconnect();
        },
      };
      started.push(handle);
      return handle;
    },
    async closeAll() {
      for (const w of started.splice(0)) await w.close();
    },
  };
}
