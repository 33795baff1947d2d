import { describe, expect, it } from "vitest";
import { authenticateOps, clientAddressOf, describeLock, isSameOriginRequest, lockMsAfterFailures, loginLockedResponse, OPS_LOGIN_LIMITS } from "./ops-auth.server";

const credentials = [
  { username: "alice@cs", password: "first-password-123" },
  { username: "bob@cs", password: "pass:with:colons!" },
];
const withAuth = (value?: string) => new Request("https://app.example.com/ops", value ? { headers: { Authorization: value } } : {});
const basic = (pair: string) => `Basic ${Buffer.from(pair).toString("base64")}`;

function status(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof Response) return error.status;
    throw error;
  }
  return 200;
}

describe("authenticateOps", () => {
  it("returns the matching operator, whichever entry matches; passwords may contain colons", () => {
    expect(authenticateOps(withAuth(basic("alice@cs:first-password-123")), credentials)).toEqual({ username: "alice@cs" });
    expect(authenticateOps(withAuth(basic("bob@cs:pass:with:colons!")), credentials)).toEqual({ username: "bob@cs" });
  });

  it("refuses with 401 and a Basic challenge: no header, other scheme, garbage, wrong pair, one user's password for another", () => {
    for (const header of [undefined, "Bearer x", "Basic !!!", basic("alice@cs"), basic("alice@cs:nope"), basic("bob@cs:first-password-123"), basic(":")]) {
      expect(status(() => authenticateOps(withAuth(header), credentials)), String(header)).toBe(401);
    }
    try {
      authenticateOps(withAuth(), credentials);
    } catch (error) {
      expect((error as Response).headers.get("WWW-Authenticate")).toBe('Basic realm="ops", charset="UTF-8"');
    }
  });

  it("is disabled (404) with no credentials configured, whatever is sent", () => {
    expect(status(() => authenticateOps(withAuth(basic("alice@cs:first-password-123")), []))).toBe(404);
  });
});

describe("isSameOriginRequest", () => {
  const request = (headers: Record<string, string>) => new Request("http://internal:3000/ops", { method: "POST", headers });
  it("trusts the browser's Sec-Fetch-Site when present", () => {
    expect(isSameOriginRequest(request({ "Sec-Fetch-Site": "same-origin" }))).toBe(true);
    expect(isSameOriginRequest(request({ "Sec-Fetch-Site": "same-site" }))).toBe(false);
    expect(isSameOriginRequest(request({ "Sec-Fetch-Site": "cross-site", Origin: "http://internal:3000" }))).toBe(false);
    expect(isSameOriginRequest(request({ "Sec-Fetch-Site": "none" }))).toBe(false);
  });
  it("otherwise compares Origin with the request's origin or a trusted one (the public app URL behind a proxy)", () => {
    expect(isSameOriginRequest(request({ Origin: "http://internal:3000" }))).toBe(true);
    expect(isSameOriginRequest(request({ Origin: "https://app.example.com" }), ["https://app.example.com"])).toBe(true);
    expect(isSameOriginRequest(request({ Origin: "https://evil.example" }), ["https://app.example.com"])).toBe(false);
    expect(isSameOriginRequest(request({ Origin: "null" }))).toBe(false);
    expect(isSameOriginRequest(request({}))).toBe(false);
  });
});

describe("ops login: slowing down and locking out (the policy; Redis is exercised in tests/integration/security)", () => {
  it("lets a few typos pass, then doubles a short lock, then locks for 15 minutes", () => {
    const { FREE_FAILURES, LOCK_AFTER_FAILURES, LOCKOUT_MS } = OPS_LOGIN_LIMITS;
    for (let n = 1; n < FREE_FAILURES; n++) expect(lockMsAfterFailures(n)).toBe(0);
    expect(lockMsAfterFailures(FREE_FAILURES)).toBe(1000);
    expect(lockMsAfterFailures(FREE_FAILURES + 1)).toBe(2000);
    expect(lockMsAfterFailures(LOCK_AFTER_FAILURES - 1)).toBeLessThan(LOCKOUT_MS);
    expect(lockMsAfterFailures(LOCK_AFTER_FAILURES)).toBe(15 * 60_000);
    expect(lockMsAfterFailures(1000)).toBe(LOCKOUT_MS);
  });

  it("words the lock in minutes or seconds", () => {
    expect(describeLock(15 * 60_000)).toBe("15 minutes");
    expect(describeLock(61_000)).toBe("2 minutes");
    expect(describeLock(60_000)).toBe("1 minute");
    expect(describeLock(1_500)).toBe("2 seconds");
    expect(describeLock(10)).toBe("1 second");
  });

  it("takes the client address from the load context only (no header the client writes)", () => {
    expect(clientAddressOf({ clientAddress: "198.51.100.7" })).toBe("198.51.100.7");
    expect(clientAddressOf({})).toBe("unknown");
    expect(clientAddressOf(undefined)).toBe("unknown");
  });

  it("answers a lock with 429, Retry-After in seconds and the page's words", async () => {
    const response = loginLockedResponse(15 * 60_000);
    expect(response.status).toBe(429);
    expect(response.headers.get("Retry-After")).toBe("900");
    expect(await response.text()).toMatch(/the login is locked for 15 minutes/);
  });
});
