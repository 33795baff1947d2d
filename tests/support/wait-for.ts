/**
 * Polls `probe` until it answers something truthy, and returns that. Work done by another process (the worker,
 * the web process, a sandbox's import) lands when it lands; a test waits for its outcome rather than sleeping.
 * `what` names the outcome in the timeout's error; pass a function to describe it at that moment (e.g. with the
 * logs so far).
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 30_000, what = "condition" }: { timeoutMs?: number; what?: string | (() => string) } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
