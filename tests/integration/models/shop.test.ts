import { describe, expect, it } from "vitest";
import {
  getShop,
  listInvitationEvents,
  recordInstall,
  resolveShopContext,
  setInvitation,
  ShopNotInvitedError,
} from "../../../app/models/shop.server";

describe("invitation only", () => {
  it("a newly installed shop is not invited, and the gate refuses it", async () => {
    await recordInstall({ shop: "fresh.myshopify.com", name: "Fresh", ianaTimezone: "Europe/Stockholm" });
    await expect(resolveShopContext({ shop: "fresh.myshopify.com" })).rejects.toBeInstanceOf(ShopNotInvitedError);
  });

  it("invite then revoke records who and when, and the gate follows", async () => {
    await recordInstall({ shop: "acme.myshopify.com" });
    await setInvitation({ shop: "acme.myshopify.com", invited: true, actor: "cs@example.com", via: "cli" });
    expect(await resolveShopContext({ shop: "acme.myshopify.com" })).toMatchObject({ domain: "acme.myshopify.com" });
    expect((await getShop({ shop: "acme.myshopify.com" }))?.invitedBy).toBe("cs@example.com");

    await setInvitation({ shop: "acme.myshopify.com", invited: false, actor: "lead@example.com", via: "console" });
    await expect(resolveShopContext({ shop: "acme.myshopify.com" })).rejects.toThrow(/invitation only/);
    const events = await listInvitationEvents({ shop: "acme.myshopify.com" });
    expect(events.map((e) => [e.action, e.actor, e.via])).toEqual([
      ["revoke", "lead@example.com", "console"],
      ["invite", "cs@example.com", "cli"],
    ]);
  });

  it("rejects a domain that is not a myshopify.com shop, writing nothing", async () => {
    await expect(setInvitation({ shop: "evil.com", invited: true, actor: "x", via: "cli" })).rejects.toThrow(/myshopify/);
  });
});
