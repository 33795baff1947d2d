/**
 * Issue 8, finding 7 (/ops part), through the real web process: the console took 90 wrong passwords a second
 * for ever. Now failures are counted per username and per client address (the socket's, from server.mjs's load
 * context) in Redis: after 5 the login is slowed
 * (locked 1 s, 2 s, 4 s), from the 8th it is locked for 15 minutes — 429 with Retry-After and the page saying
 * so — even for the right password; a successful login clears the username's count; another username from
 * another address is unaffected. Also the console's form bounds (finding 4).
 */
import { request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER, browserFetch, OPS_USERS, startWeb, type Web } from "./web-stack";

let web: Web;
const [CS, CS_PASSWORD] = OPS_USERS.cs.split(":");
const [OTHER, OTHER_PASSWORD] = OPS_USERS.other.split(":");
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

/**
 * GET /ops as a browser at `address`: the connection is made FROM that loopback address (all of 127.0.0.0/8
 * is this machine), so the web process sees it as the socket's peer — the address the lockout counts. A forged
 * X-Forwarded-For rides along to show it is not believed.
 */
function open(username: string, password: string, address: string, forwardedFor = "192.0.2.1") {
  return new Promise<{ status: number; retryAfter: string | null; text: string }>((resolve, reject) => {
    const url = new URL("/ops", web.stack.appUrl);
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        localAddress: address,
        headers: {
          Authorization: basic(username, password),
          "X-Forwarded-For": forwardedFor,
          "User-Agent": BROWSER,
        },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, retryAfter: (response.headers["retry-after"] as string | undefined) ?? null, text }));
      },
    );
    request.on("error", reject);
    request.end();
  });
}

beforeAll(async () => {
  web = await startWeb({ stores: [{ domain: "forms-ops.myshopify.com", name: "Forms Ops", ianaTimezone: "UTC", customers: 1, seed: 3 }], invite: [] });
});

afterAll(async () => {
  await web?.close();
});

describe("/ops login: slowing down and locking out", () => {
  it("a successful login clears the username's count (4 typos, sign in, 4 typos: still not locked)", async () => {
    for (let i = 0; i < 4; i++) expect((await open(OTHER, "typo-password", "127.0.0.10")).status).toBe(401);
    expect((await open(OTHER, OTHER_PASSWORD, "127.0.0.10")).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await open(OTHER, "typo-password", "127.0.0.11")).status).toBe(401);
    expect((await open(OTHER, OTHER_PASSWORD, "127.0.0.12")).status).toBe(200);
  });

  it("after 5 wrong passwords the next attempt waits; from the 8th the login is locked for 15 minutes, even with the right password", async () => {
    const attacker = "127.0.0.7";
    expect((await open(CS, CS_PASSWORD, attacker)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await open(CS, `guess-${i}`, attacker)).status).toBe(401);

    // Slowed down: locked for a second, the right password included.
    const slowed = await open(CS, CS_PASSWORD, attacker);
    expect(slowed.status).toBe(429);
    expect(slowed.retryAfter).toBe("1");
    expect(slowed.text).toMatch(/the login is locked for 1 second/);
    // Another username from another address is unaffected.
    expect((await open(OTHER, OTHER_PASSWORD, "127.0.0.20")).status).toBe(200);

    // Waiting out each lock, guesses 6 and 7 lock for 2 s and 4 s; the 8th for 15 minutes.
    for (const wait of [1, 2, 4]) {
      await sleep(wait * 1000 + 150);
      expect((await open(CS, "guess-again", attacker)).status).toBe(401);
    }
    const locked = await open(CS, CS_PASSWORD, attacker);
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBeGreaterThan(890);
    expect(Number(locked.retryAfter)).toBeLessThanOrEqual(900);
    expect(locked.text).toMatch(/Too many failed sign-ins: the login is locked for 15 minutes/);

    // Per username: the right password from elsewhere is refused too.
    expect((await open(CS, CS_PASSWORD, "127.0.0.21")).status).toBe(429);
    // Per address: another username from the guessing address is refused.
    expect((await open(OTHER, OTHER_PASSWORD, attacker)).status).toBe(429);
    // Another username from another address is unaffected.
    expect((await open(OTHER, OTHER_PASSWORD, "127.0.0.22")).status).toBe(200);
  });

  it("guessing many usernames from one address slows that address down, not the others", async () => {
    const sprayer = "127.0.0.99";
    // Each guess forges another X-Forwarded-For: the socket address is what counts.
    for (let i = 0; i < 5; i++) expect((await open(`user-${i}@example.com`, "password-guess", sprayer, `192.0.2.${i + 10}`)).status).toBe(401);
    const slowed = await open(OTHER, OTHER_PASSWORD, sprayer);
    expect(slowed.status).toBe(429);
    expect(slowed.retryAfter).toBe("1");
    expect((await open(OTHER, OTHER_PASSWORD, "127.0.0.23")).status).toBe(200);
  });

  it("a request without credentials (the browser's first) is a 401 challenge, not a failure", async () => {
    for (let i = 0; i < 10; i++) {
      const response = await browserFetch(`${web.stack.appUrl}/ops`);
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Basic realm="ops"/);
    }
    expect((await open(OTHER, OTHER_PASSWORD, "127.0.0.30")).status).toBe(200);
  });
});

describe("/ops form bounds", () => {
  const change = (body: BodyInit) =>
    browserFetch(`${web.stack.appUrl}/ops?_data=routes%2Fops`, {
      method: "POST",
      headers: { Authorization: basic(OTHER, OTHER_PASSWORD), Origin: web.stack.appUrl },
      body,
    });

  it("an over-long shop domain or note is refused on its field; an oversized post with 413; nothing changes", async () => {
    const shop = await change(new URLSearchParams({ intent: "invite", form: "add", shop: `${"a".repeat(300)}.myshopify.com` }));
    expect(shop.status).toBe(422);
    expect((await shop.json()).errors.shop).toBe("a shop domain is at most 255 characters");
    const note = await change(new URLSearchParams({ intent: "invite", form: "add", shop: "noted.myshopify.com", note: "n".repeat(501) }));
    expect(note.status).toBe(422);
    expect((await note.json()).errors.note).toBe("must be at most 500 characters");
    const big = await change(new URLSearchParams({ intent: "invite", shop: "big.myshopify.com", note: "n".repeat(300 * 1024) }));
    expect(big.status).toBe(413);
    expect((await big.json()).errors.shop).toMatch(/The form is too large/);

    const page = await (
      await browserFetch(`${web.stack.appUrl}/ops?_data=routes%2Fops`, { headers: { Authorization: basic(OTHER, OTHER_PASSWORD) } })
    ).json();
    expect(page.history).toEqual([]);
  });
});
