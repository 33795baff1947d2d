import { describe, expect, it } from "vitest";
import { ApsisTokenProvider, type ApsisTokenCache } from "./token";

const jwt = (claims: object) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
const hourFromNow = () => Math.floor(Date.now() / 1_000) + 3_600;

describe("ApsisTokenProvider", () => {
  it("never hands back a rejected token, even one a refresh already under way found in the shared cache", async () => {
    const stale = jwt({ exp: hourFromNow(), jti: "stale" });
    let cached: string | undefined = stale;
    const cache: ApsisTokenCache = { get: async () => cached, set: async (_key, token) => void (cached = token) };
    let tokenRequests = 0;
    const fetch = async () => Response.json({ access_token: jwt({ exp: hourFromNow(), jti: `new${++tokenRequests}` }) });
    const provider = new ApsisTokenProvider({ baseUrl: "https://api.apsis.one", clientId: "c", clientSecret: "s", fetch, timeoutMs: 1_000, maxRetries: 0, sleep: async () => {}, cache });

    const [plain, replacement] = await Promise.all([provider.get(), provider.get(stale)]);
    expect(plain).toBe(stale);
    expect(replacement).not.toBe(stale);
    expect(tokenRequests).toBe(1);
    expect(cached).toBe(replacement);
    await expect(provider.get()).resolves.toBe(replacement);
  });
});
