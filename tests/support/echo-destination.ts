/**
 * "echo", a destination that exists only in tests: a Map that stores each customer's email, refuses addresses
 * at refused.test, and can go down. Its plan and write run on the real batch engine (app/runs/batch-engine.ts):
 * the kernel's unit test drives the engine with it, and tests/integration/runs/test-destination.test.ts registers
 * it as a whole destination (a job on the run kernel, run by the real worker).
 */
import { attempt, type BatchEngineOptions, type ErrorVerdict } from "../../app/runs/batch-engine";

export type EchoCounters = { seen: number; matched: number; created: number; unchanged: number; skipped: number; failed: number };
export const zeroEchoCounters = (): EchoCounters => ({ seen: 0, matched: 0, created: 0, unchanged: 0, skipped: 0, failed: 0 });

export class EchoRefused extends Error {}
export class EchoDown extends Error {}

/** The destination's store and state, and the engine steps that write to it. */
export function echoEngine() {
  const stored = new Map<string, string>();
  /** `down`: every write fails; `downAfter`: writes after this many fail; `downOn`: the write of this address fails. */
  const state = { down: false, writes: 0, downAfter: Infinity, downOn: null as string | null };
  const steps: Pick<BatchEngineOptions<EchoCounters, { email: string }>, "zero" | "plan" | "write" | "classifyError"> = {
    zero: zeroEchoCounters,
    async plan(batch) {
      const work = [];
      for (const tally of batch) {
        tally.count("seen");
        const { email } = tally.customer;
        if (!email) {
          tally.count("skipped");
          continue;
        }
        tally.count("matched");
        if (stored.get(tally.customer.id) === email) tally.count("unchanged");
        else work.push({ tally, work: { email } });
      }
      return work;
    },
    async write({ email }, tally) {
      await attempt("echoing the email failed", async () => {
        state.writes += 1;
        if (state.down || state.writes > state.downAfter || email === state.downOn) throw new EchoDown("echo is down");
        if (email.endsWith("@refused.test")) throw new EchoRefused(`${email} is refused`);
      });
      stored.set(tally.customer.id, email);
      tally.count("created");
    },
    classifyError: (error: unknown): ErrorVerdict =>
      error instanceof EchoRefused ? { kind: "record", reason: error.message, response: "refused" } : { kind: "stop" },
  };
  return { stored, state, steps };
}
