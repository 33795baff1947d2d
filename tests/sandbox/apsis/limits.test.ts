import { afterEach, describe, expect, it } from "vitest";
import { ApsisRateLimitError, ApsisUnavailableError } from "../../../app/destinations/apsis/client/errors";
import { createMemoryLimiter } from "../../../app/destinations/apsis/client/limiter";
import { sleep } from "../../../app/http/retry";
import { DEMO_APSIS, type ApsisSandbox } from "../../../sandbox/apsis/server";
import { demoAccount, demoApsisClient, startDemoApsisSandbox } from "./test-support";

const FIRSTNAME_V1 = "9820002";
const profile = { keyspace: DEMO_APSIS.shopifyKeyspace, section: DEMO_APSIS.globalSection };

let sandbox: ApsisSandbox | undefined;
afterEach(() => sandbox?.close());

const writeNames = (client: ReturnType<typeof demoApsisClient>, profileKey: string, count: number) =>
  Promise.all(Array.from({ length: count }, (_, i) => client.profiles.setAttributesV1({ ...profile, profileKey, byVersionId: { [FIRSTNAME_V1]: `Name ${i}` } })));

describe("APSIS sandbox limits", () => {
  it("answers 429 with Retry-After past 10 requests a second on one profile; the client waits and every write lands", async () => {
    sandbox = await startDemoApsisSandbox();
    await writeNames(demoApsisClient(sandbox, { sleep }), "9001", 15);
    const stats = demoAccount(sandbox).stats();
    expect(stats.status429).toBeGreaterThanOrEqual(5);
    expect(stats.byEndpoint["PATCH /audience/keyspaces/{keyspace}/profiles/{profileKey}/sections/{section}/attributes"]).toBe(15 + stats.status429);
    expect(demoAccount(sandbox).profile(profile.keyspace, "9001")?.sections[profile.section].attributes["com.apsis1.attributes.firstname"]).toMatch(/^Name \d+$/);
  });

  it("is never hit by a client pacing itself with the limiter", async () => {
    sandbox = await startDemoApsisSandbox();
    await writeNames(demoApsisClient(sandbox, { limiter: createMemoryLimiter() }), "9002", 12);
    expect(demoAccount(sandbox).stats().status429).toBe(0);
  });

  it("limits the account's requests per second", async () => {
    sandbox = await startDemoApsisSandbox({ limits: { accountPerSecond: 3 } });
    const client = demoApsisClient(sandbox, { maxRetries: 0 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.sections.list()));
    const refused = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
    expect(refused).toHaveLength(2);
    expect(refused[0]).toBeInstanceOf(ApsisRateLimitError);
    expect(refused[0]).toMatchObject({ status: 429, retryAfterMs: 1_000 });
  });

  it("fails the next N calls with setFailure: retried through a short outage, ApsisUnavailableError through a long one", async () => {
    sandbox = await startDemoApsisSandbox();
    const client = demoApsisClient(sandbox, { maxRetries: 3 });
    demoAccount(sandbox).setFailure({ status: 503, count: 2 });
    await expect(client.keyspaces.list()).resolves.toHaveLength(2);

    demoAccount(sandbox).setFailure({ count: 10 });
    const error = await client.keyspaces.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApsisUnavailableError);
    expect(error).toMatchObject({ status: 500, detail: "Simulated failure (setFailure)" });
    expect(demoAccount(sandbox).stats().byEndpoint["GET /audience/keyspaces"]).toBe(3 + 4);
  });
});
