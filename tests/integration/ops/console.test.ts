/**
 * The /ops console's loader and action, called the way Remix calls them, against the real database:
 * Basic auth, the same-origin (CSRF) rule, validation, and what lands in the audit trail.
 */
import { describe, expect, it } from "vitest";
import { getDb } from "../../../app/db.server";
import { resetEnvCache } from "../../../app/env.server";
import { getShop, listInvitationEvents, recordInstall } from "../../../app/models/shop.server";
import { action, loader } from "../../../app/routes/ops";

const ORIGIN = "http://127.0.0.1:3000";
const GOOD = `Basic ${Buffer.from("cs@example.com:correct-horse-battery").toString("base64")}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

function get(headers: Record<string, string> = {}, query = "") {
  return new Request(`${ORIGIN}/ops${query}`, { headers });
}

function post(fields: Record<string, string>, headers: Record<string, string>) {
  return new Request(`${ORIGIN}/ops`, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
  });
}

const args = (request: Request) => ({ request, params: {}, context: {} });

/** The Response a loader/action threw (Remix renders it with the route's ErrorBoundary and headers). */
async function thrown(run: () => Promise<unknown>): Promise<Response> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Response) return error;
    throw error;
  }
  throw new Error("expected a thrown Response");
}

async function counts() {
  const db = getDb();
  return { shops: await db.shop.count(), events: await db.invitationEvent.count() };
}


describe("ops console: authentication", () => {
  it("asks for Basic credentials (401 + WWW-Authenticate) when none or wrong ones are sent", async () => {
    for (const authorization of [undefined, basic("cs@example.com", "wrong-password-123"), basic("nobody@example.com", "correct-horse-battery"), "Bearer abc"]) {
      const response = await thrown(() => loader(args(get(authorization ? { Authorization: authorization } : {}))));
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Basic realm="ops"/);
    }
  });

  it("changes nothing without the right credentials, even from the console's own origin", async () => {
    await recordInstall({ shop: "locked.myshopify.com", name: "Locked" });
    const before = await counts();
    for (const authorization of [undefined, basic("cs@example.com", "wrong-password-123")]) {
      const response = await thrown(() =>
        action(args(post({ intent: "invite", shop: "locked.myshopify.com" }, {
          "Sec-Fetch-Site": "same-origin",
          Origin: ORIGIN,
          ...(authorization ? { Authorization: authorization } : {}),
        }))),
      );
      expect(response.status).toBe(401);
    }
    expect(await counts()).toEqual(before);
    expect((await getShop({ shop: "locked.myshopify.com" }))?.invitation).toBe("pending");
  });

  it("is disabled (404) when no credentials are configured", async () => {
    const before = await counts();
    const saved = process.env.OPS_CONSOLE_CREDENTIALS;
    process.env.OPS_CONSOLE_CREDENTIALS = "";
    resetEnvCache();
    try {
      expect((await thrown(() => loader(args(get({ Authorization: GOOD }))))).status).toBe(404);
      expect((await thrown(() => action(args(post({ intent: "invite", shop: "x.myshopify.com" }, { Authorization: GOOD, "Sec-Fetch-Site": "same-origin" }))))).status).toBe(404);
    } finally {
      process.env.OPS_CONSOLE_CREDENTIALS = saved;
      resetEnvCache();
    }
    expect(await counts()).toEqual(before);
  });
});

describe("ops console: changes", () => {
  it("invites with the right credentials and records the Basic-auth username as the actor, via console", async () => {
    await recordInstall({ shop: "acme.myshopify.com", name: "Acme" });
    const response = await action(args(post({ intent: "invite", shop: "acme.myshopify.com", note: "signed 2026-11" }, {
      Authorization: GOOD,
      "Sec-Fetch-Site": "same-origin",
    })));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ errors: null, done: { intent: "invite", shop: "acme.myshopify.com" } });

    const shop = await getShop({ shop: "acme.myshopify.com" });
    expect(shop).toMatchObject({ invitation: "invited", invitedBy: "cs@example.com" });
    const events = await listInvitationEvents({ shop: "acme.myshopify.com" });
    expect(events.map((e) => [e.action, e.actor, e.via, e.note])).toEqual([["invite", "cs@example.com", "console", "signed 2026-11"]]);
  });

  it("revokes from a browser that sends only Origin (no Sec-Fetch-Site), and lists shop and history", async () => {
    await recordInstall({ shop: "beta.myshopify.com", name: "Beta" });
    await action(args(post({ intent: "invite", shop: "beta.myshopify.com" }, { Authorization: GOOD, "Sec-Fetch-Site": "same-origin" })));
    const revoked = await action(args(post({ intent: "revoke", shop: "beta.myshopify.com" }, { Authorization: GOOD, Origin: ORIGIN })));
    expect(revoked.status).toBe(200);
    expect(await getShop({ shop: "beta.myshopify.com" })).toMatchObject({ invitation: "revoked", revokedBy: "cs@example.com" });

    const page = await (await loader(args(get({ Authorization: GOOD })))).json();
    expect(page.operator).toBe("cs@example.com");
    expect(page.shops).toContainEqual(expect.objectContaining({ domain: "beta.myshopify.com", name: "Beta", invitation: "revoked", changedBy: "cs@example.com" }));

    const history = await (await loader(args(get({ Authorization: GOOD }, "?domain=beta.myshopify.com")))).json();
    expect(history.filter).toBe("beta.myshopify.com");
    expect(history.history.map((e: { action: string; shop: string; actor: string; via: string }) => [e.action, e.shop, e.actor, e.via])).toEqual([
      ["revoke", "beta.myshopify.com", "cs@example.com", "console"],
      ["invite", "beta.myshopify.com", "cs@example.com", "console"],
    ]);
  });

  it("invites a shop ahead of its install from the form", async () => {
    const response = await action(args(post({ intent: "invite", shop: " New-Store.myshopify.com ", form: "add" }, { Authorization: GOOD, "Sec-Fetch-Site": "same-origin" })));
    expect(response.status).toBe(200);
    expect(await getShop({ shop: "new-store.myshopify.com" })).toMatchObject({ invitation: "invited", invitedBy: "cs@example.com" });
  });

  it("refuses cross-origin POSTs (CSRF) with 403 and changes nothing", async () => {
    await recordInstall({ shop: "target.myshopify.com", name: "Target" });
    const before = await counts();
    const attempts: Record<string, string>[] = [
      { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" },
      { "Sec-Fetch-Site": "same-site", Origin: "https://other.127.0.0.1.nip.io" },
      // A spoofed Origin does not help when the browser says cross-site.
      { "Sec-Fetch-Site": "cross-site", Origin: ORIGIN },
      { Origin: "https://evil.example" },
      { Origin: "null" },
      {},
    ];
    for (const headers of attempts) {
      const response = await thrown(() => action(args(post({ intent: "invite", shop: "target.myshopify.com" }, { Authorization: GOOD, ...headers }))));
      expect(response.status, JSON.stringify(headers)).toBe(403);
    }
    expect(await counts()).toEqual(before);
    expect((await getShop({ shop: "target.myshopify.com" }))?.invitation).toBe("pending");
  });

  it("answers an invalid domain with 422 and the error on the shop field, writing nothing", async () => {
    const before = await counts();
    for (const shop of ["evil.com", "", "acme.myshopify.com.evil.com", "acme"]) {
      const response = await action(args(post({ intent: "invite", shop, form: "add" }, { Authorization: GOOD, "Sec-Fetch-Site": "same-origin" })));
      expect(response.status).toBe(422);
      const body = await response.json();
      expect(body.form).toBe("add");
      expect(body.errors?.shop).toMatch(/myshopify\.com/);
      expect(body.done).toBeNull();
    }
    const bad = await action(args(post({ intent: "delete", shop: "acme.myshopify.com" }, { Authorization: GOOD, "Sec-Fetch-Site": "same-origin" })));
    expect(bad.status).toBe(422);
    expect((await bad.json()).errors?.intent).toBeTruthy();
    expect(await counts()).toEqual(before);
  });
});
