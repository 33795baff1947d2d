import { describe, expect, it } from "vitest";
import { ApsisClient } from "./client";
import { createMemoryLimiter, slotIntervalMs } from "./limiter";

describe("createMemoryLimiter", () => {
  it("paces each key to its rate: one slot every 10 ms per account, every 100 ms per profile key", async () => {
    let now = 1_000;
    const waits: number[] = [];
    const limiter = createMemoryLimiter({ limits: { accountPerSecond: 100, profilePerSecond: 10 }, now: () => now, sleep: async (ms) => void waits.push(ms) });
    for (let i = 0; i < 3; i++) await limiter.acquire("account");
    for (let i = 0; i < 3; i++) await limiter.acquire("profile:a@b.se");
    await limiter.acquire("profile:c@d.se");
    expect(waits).toEqual([10, 20, 100, 200]);
    now += 1_000; // idle keys start afresh
    await limiter.acquire("profile:a@b.se");
    expect(waits).toHaveLength(4);
  });

  it("refuses keys it has no rate for", () => {
    expect(slotIntervalMs("account", { accountPerSecond: 50, profilePerSecond: 5 })).toBe(20);
    expect(() => slotIntervalMs("profile", { accountPerSecond: 50, profilePerSecond: 5 })).toThrow(TypeError);
  });
});

describe("ApsisClient with a limiter", () => {
  it("takes the profile's slot, then the account's, before every request on a profile (not for the token)", async () => {
    const acquired: string[] = [];
    const fetch = async (input: RequestInfo | URL) =>
      String(input).endsWith("/oauth/token")
        ? Response.json({ access_token: "opaque", expires_in: 3_600 })
        : String(input).endsWith("/audience/keyspaces")
          ? Response.json({ items: [] })
          : new Response(null, { status: 204 });
    const client = new ApsisClient({ baseUrl: "https://api.apsis.one", clientId: "c", clientSecret: "s", fetch, limiter: { acquire: async (key) => void acquired.push(key) } });
    await client.profiles.setAttributes({ keyspace: "ks", profileKey: "a@b.se", section: "s", attributes: { x: 1 } });
    await client.keyspaces.list();
    expect(acquired).toEqual(["profile:a@b.se", "account", "account"]);
  });
});
