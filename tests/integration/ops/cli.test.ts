/**
 * scripts/ops.ts run as customer success runs it: a child process with only PATH, NODE_ENV and DATABASE_URL (no Shopify
 * keys), against this file's database; the outcome is checked in the database.
 */
import { execFile } from "node:child_process";
import { userInfo } from "node:os";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { getDb } from "../../../app/db.server";
import { getShop, listInvitationEvents, recordInstall } from "../../../app/models/shop.server";

const run = promisify(execFile);

async function ops(args: string[], extraEnv: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run("node_modules/.bin/tsx", ["scripts/ops.ts", ...args], {
      // Deliberately nothing but PATH, NODE_ENV and DATABASE_URL: the CLI must not need the app's Shopify settings.
      env: { NODE_ENV: "test", PATH: process.env.PATH ?? "", DATABASE_URL: process.env.DATABASE_URL ?? "", ...extraEnv },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm run ops", () => {
  it("invites with --by and --note, then revokes as $OPS_ACTOR, recording each change via cli", async () => {
    await recordInstall({ shop: "acme.myshopify.com", name: "Acme", ianaTimezone: "Europe/Stockholm" });

    const invited = await ops(["invite", "acme.myshopify.com", "--by", "alice@cs", "--note", "contract signed"]);
    expect(invited).toMatchObject({ code: 0, stderr: "" });
    expect(invited.stdout).toContain("Invited acme.myshopify.com (by alice@cs)");
    expect(await getShop({ shop: "acme.myshopify.com" })).toMatchObject({ invitation: "invited", invitedBy: "alice@cs" });

    const revoked = await ops(["revoke", "ACME.myshopify.com"], { OPS_ACTOR: "bob@cs" });
    expect(revoked.code).toBe(0);
    expect(await getShop({ shop: "acme.myshopify.com" })).toMatchObject({ invitation: "revoked", revokedBy: "bob@cs" });

    const events = await listInvitationEvents({ shop: "acme.myshopify.com" });
    expect(events.map((e) => [e.action, e.actor, e.via, e.note])).toEqual([
      ["revoke", "bob@cs", "cli", null],
      ["invite", "alice@cs", "cli", "contract signed"],
    ]);
  });

  it("defaults the actor to the OS user, and can invite a shop before it installs", async () => {
    const result = await ops(["invite", "early-bird.myshopify.com"]);
    expect(result.code).toBe(0);
    expect(await getShop({ shop: "early-bird.myshopify.com" })).toMatchObject({
      invitation: "invited",
      invitedBy: userInfo().username,
    });
  });

  it("lists shops as a table", async () => {
    await recordInstall({ shop: "listed.myshopify.com", name: "Listed Store" });
    const result = await ops(["shops"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^DOMAIN\s+NAME\s+INVITATION\s+BY\s+AT\s+INSTALLED\s+UNINSTALLED$/);
    expect(lines.find((l) => l.startsWith("listed.myshopify.com"))).toMatch(/Listed Store\s+pending\s+-\s+-\s+\d{4}-\d\d-\d\dT/);
  });

  it("refuses an invalid domain with exit code 2 and a clear message, writing nothing", async () => {
    const before = { shops: await getDb().shop.count(), events: await getDb().invitationEvent.count() };
    for (const bad of ["evil.com", "https://acme.myshopify.com"]) {
      const result = await ops(["invite", bad, "--by", "alice"]);
      expect(result.code, bad).toBe(2);
      expect(result.stderr).toContain(`"${bad}" must be a shop's myshopify.com domain`);
    }
    expect((await ops(["frobnicate"])).code).toBe(2);
    expect({ shops: await getDb().shop.count(), events: await getDb().invitationEvent.count() }).toEqual(before);
  });
});
