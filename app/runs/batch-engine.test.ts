/**
 * The run kernel with a destination that exists only in tests ("echo": a Map that stores each customer's
 * email, refuses some addresses, and can go down): what any new destination gets from the kernel without
 * writing it — counters, progress, recorded failures with the destination's reason, a stop that keeps what was
 * written, and a resume from the checkpoint that ends in the same state with exact counters.
 */
import { describe, expect, it } from "vitest";
import { EchoDown, type EchoCounters, echoEngine } from "../../tests/support/echo-destination";
import { shopifyCustomer } from "../../tests/support/factories";
import type { ShopifyCustomer } from "../shopify/customer";
import { type RunCheckpoint, type RunFailure, runBatches } from "./batch-engine";

/** The test-only destination (tests/support/echo-destination.ts), run straight on the engine. */
function echoDestination() {
  const { stored, state, steps } = echoEngine();
  const run = (customers: ShopifyCustomer[], extra: { resumeFrom?: RunCheckpoint<EchoCounters> | null; shouldStop?: () => boolean } = {}) => {
    const progress: EchoCounters[] = [];
    const checkpoints: RunCheckpoint<EchoCounters>[] = [];
    const failures: RunFailure[] = [];
    const result = runBatches<EchoCounters, { email: string }>({
      customers: (async function* () {
        yield* customers;
      })(),
      ...steps,
      concurrency: 3,
      batchSize: 7,
      progressEveryRecords: 5,
      ...extra,
      onProgress: async ({ counters, checkpoint }) => {
        progress.push(counters);
        if (checkpoint) checkpoints.push(checkpoint);
      },
      onFailures: async (list) => void failures.push(...list),
    });
    return { result, progress, checkpoints, failures };
  };
  return { stored, state, run };
}

const store = (n = 40) =>
  Array.from({ length: n }, (_, i) =>
    shopifyCustomer({
      id: `gid://shopify/Customer/${1000 + i}`,
      email: i % 10 === 3 ? null : i % 10 === 7 ? `c${i}@refused.test` : `c${i}@example.com`,
    }),
  );

describe("the run kernel, through a test-only destination", () => {
  it("a send: every customer counted once, refusals recorded with the destination's reason, progress as it goes", async () => {
    const echo = echoDestination();
    const { result, progress, failures } = echo.run(store());
    const { counters, checkpoint, stoppedBy } = await result;
    expect(stoppedBy).toBeUndefined();
    expect(counters).toEqual({ seen: 40, matched: 36, created: 32, unchanged: 0, skipped: 4, failed: 4 });
    expect(failures.map((f) => f.reason)).toEqual(["c7", "c17", "c27", "c37"].map((c) => `echoing the email failed: ${c}@refused.test is refused`));
    expect(failures[0]).toMatchObject({ customerId: "gid://shopify/Customer/1007", response: "refused" });
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toEqual(counters);
    expect(checkpoint).toEqual({ afterId: "1039", counters });
    expect(echo.stored.size).toBe(32);

    const again = await echo.run(store()).result;
    expect(again.counters).toMatchObject({ seen: 40, created: 0, unchanged: 32, failed: 4 });
  });

  it("the destination goes down: what was written stays, and a resume from the checkpoint ends exactly as a clean run", async () => {
    const clean = await echoDestination().run(store()).result;

    const echo = echoDestination();
    echo.state.downAfter = 12;
    const first = echo.run(store());
    const stopped = await first.result;
    expect(stopped.stoppedBy).toBeInstanceOf(EchoDown);
    expect(echo.stored.size).toBeLessThan(32);
    const saved = first.checkpoints.at(-1)!;
    expect(Number(saved.afterId)).toBeLessThan(1039);

    echo.state.downAfter = Infinity;
    const rest = store().filter((c) => Number(c.id.split("/").pop()) > Number(saved.afterId));
    const resumed = await echo.run(rest, { resumeFrom: saved }).result;
    expect(resumed.stoppedBy).toBeUndefined();
    // Written after the checkpoint but before the outage: found unchanged, not written twice.
    expect(resumed.counters.created + resumed.counters.unchanged).toBe(clean.counters.created);
    expect({ ...resumed.counters, created: 0, unchanged: 0 }).toEqual({ ...clean.counters, created: 0, unchanged: 0 });
    expect(echo.stored.size).toBe(32);
  });

  it("down while other lanes land their writes: the checkpoint keeps those customers and what they counted; the resume counts them exactly, writing none again", async () => {
    const clean = await echoDestination().run(store()).result;

    const echo = echoDestination();
    // The second batch (1007..1013; 1013 has no email, finished at once) is written in three lanes: 1007 is
    // refused, the outage starts at 1008's write, 1009 lands.
    echo.state.downOn = "c8@example.com";
    const first = echo.run(store());
    expect((await first.result).stoppedBy).toBeInstanceOf(EchoDown);
    const saved = first.checkpoints.at(-1)!;
    expect(saved).toEqual({
      afterId: "1007",
      counters: expect.objectContaining({ seen: 8, failed: 1 }),
      ahead: [
        { id: "1009", counts: { seen: 1, matched: 1, created: 1 } },
        { id: "1013", counts: { seen: 1, skipped: 1 } },
      ],
    });

    echo.state.downOn = null;
    const writesBefore = echo.state.writes;
    const rest = store().filter((c) => Number(c.id.split("/").pop()) > Number(saved.afterId));
    const resumed = await echo.run(rest, { resumeFrom: saved }).result;
    expect(resumed.counters).toEqual(clean.counters);
    expect(echo.stored.size).toBe(32);
    // Written: every customer after the checkpoint with an email but 1009.
    expect(echo.state.writes - writesBefore).toBe(rest.filter((c) => c.email).length - 1);
  });

  it("asked to stop: halted before the next write, the rest left after the checkpoint", async () => {
    const echo = echoDestination();
    let asked = 0;
    const { result } = echo.run(store(), { shouldStop: () => ++asked > 8 });
    const { halted, checkpoint, counters } = await result;
    expect(halted).toBe(true);
    expect(counters.seen).toBeLessThan(40);
    expect(Number(checkpoint!.afterId)).toBeLessThan(1039);
  });
});
