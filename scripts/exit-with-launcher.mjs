/**
 * `npm run worker` and `npm start` put npm between a process manager and the process: npm runs the script
 * as its child (the scripts `exec`, so no shell sits between them). npm passes SIGTERM and SIGINT on, but a
 * SIGKILL of npm's pid would leave the worker or web server running, orphaned, still taking jobs. Started by
 * npm (npm_lifecycle_event is set), the process watches its parent and, once the parent is gone, dies the way
 * it did (SIGKILL): whichever pid the manager signals, the process goes with it. Started directly (node …),
 * there is no launcher to follow and nothing is watched.
 */
export function exitWithLauncher({ intervalMs = 250 } = {}) {
  if (!process.env.npm_lifecycle_event) return;
  const launcher = process.ppid;
  setInterval(() => {
    if (process.ppid !== launcher) process.kill(process.pid, "SIGKILL");
  }, intervalMs).unref();
}
