/**
 * The worker process: runs every BullMQ job (sends, syncs, webhook processing) and the recurring job
 * schedulers. Scale out by starting more of these against the same Redis and database.
 *   node build/worker.js   (compiled by npm run build, scripts/build-worker.mjs; or npm run worker, which follows
 *   npm: scripts/exit-with-launcher.mjs). Tests also run it from source: node --import tsx workers/index.ts
 */
import { parseEnv, EnvError } from "../app/env.server";
import { exitWithLauncher } from "../scripts/exit-with-launcher.mjs";

exitWithLauncher();

let env;
try {
  env = parseEnv();
} catch (error) {
  if (error instanceof EnvError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const { getRedis } = await import("../app/redis.server");
const { startWorkers } = await import("../app/queues/worker.server");
const { keepSchedulers, upsertSchedulers } = await import("../app/jobs/schedulers.server");
const { handlers } = await import("../app/jobs/handlers.server");
const { getDb } = await import("../app/db.server");

const connection = getRedis();
const running = startWorkers({
  connection,
  prefix: env.REDIS_PREFIX,
  handlers,
  concurrency: {
    webhooks: env.WORKER_CONCURRENCY,
    realtime: env.WORKER_REALTIME_CONCURRENCY,
    sync: Math.max(1, Math.floor(env.WORKER_CONCURRENCY / 4)),
  },
  onFailed: (job, error) => console.error(`job ${job?.name ?? "?"} ${job?.id ?? ""} failed: ${error.message}`),
});
await upsertSchedulers();
// Re-created if Redis loses them while the worker runs.
const stopKeepingSchedulers = keepSchedulers();
console.log(
  `worker ready (queues: webhooks, realtime, sync; concurrency ${env.WORKER_CONCURRENCY}, real-time ${env.WORKER_REALTIME_CONCURRENCY}; redis prefix ${env.REDIS_PREFIX})`,
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing running jobs, taking no new ones`);
  stopKeepingSchedulers();
  await running.close();
  const { closeQueues } = await import("../app/queues/enqueue.server");
  await closeQueues();
  await connection.quit();
  await getDb().$disconnect();
  console.log("worker stopped");
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));
