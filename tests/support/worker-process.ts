/**
 * The worker as its own OS process (workers/index.ts) for crash tests: started with node itself and tsx as a
 * loader (not the tsx CLI, which runs the worker in a grandchild that a SIGKILL of its parent would leave
 * running), so the pid killed is the worker's. It inherits this process's environment (database, Redis prefix,
 * the sandboxes' URLs).
 */
import { spawn } from "node:child_process";
import type { Redis } from "ioredis";
import { waitFor } from "./wait-for";

export type WorkerProcess = { output: () => string; kill: (signal?: NodeJS.Signals) => Promise<number | null>; running: () => boolean };

export async function startWorkerProcess(): Promise<WorkerProcess> {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "workers/index.ts"], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await waitFor(() => output.includes("worker ready"), { timeoutMs: 30_000, what: () => `the worker process to start:\n${output}` });
  return {
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    async kill(signal = "SIGKILL") {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * What BullMQ does on its own once a dead worker's job lock expires (lockDuration, 30 s): the lock is gone and
 * the job is a stalled-job candidate for the next worker's check. Done at once so a test need not wait 30–60 s.
 */
export async function expireLockOfDeadWorker({ redis, prefix, queue, jobId }: { redis: Redis; prefix: string; queue: string; jobId: string }) {
  const queueKey = `${prefix}:${queue}`;
  await redis.del(`${queueKey}:${jobId}:lock`, `${queueKey}:stalled-check`);
  await redis.sadd(`${queueKey}:stalled`, jobId);
}
