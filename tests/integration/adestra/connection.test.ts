/**
 * Settings → Adestra and "Select Adestra List", against the Adestra sandbox over HTTP: what is saved, what
 * is refused, and that a refusal changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopContext } from "../../../app/models/shop.server";
import { setUpShop, type Stack, startStack, type Store } from "./stack";

const STORE: Store = { domain: "settings-store.myshopify.com", customers: 5, seed: 5, ianaTimezone: "Europe/Stockholm" };
let stack: Stack;
let shop: ShopContext;
let shopId: string;

beforeAll(async () => {
  stack = await startStack({
    stores: [STORE],
    adestra: {
      accounts: [
        (await import("../../../sandbox/adestra/server")).demoAdestraAccount(),
        { accountName: "Other Shop", username: "api", password: "other-secret", coreTables: [{ id: 1, name: "Customers" }], unsubLists: [{ id: 5, name: "Unsubscribed" }], lists: [{ id: 21, name: "Their list", tableId: 1 }] },
      ],
    },
  });
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
});

afterAll(async () => {
  await stack?.close();
});

const row = () => stack.app.db.getDb().adestraConnection.findUnique({ where: { shopId } });

describe("connectAdestra", () => {
  it("wrong credentials: a clear message on the form, nothing saved", async () => {
    const result = await stack.app.connection.connectAdestra({ shop, accountName: "demo", username: "shopify", password: "wrong" });
    expect(result).toEqual({ ok: false, formError: "Adestra rejected the account name, username or password" });
    expect(await row()).toBeNull();
    expect(await stack.app.connection.getAdestraConnection({ shop })).toEqual({ connected: false });
  });

  it("empty or impossible fields are field errors, and Adestra is not called", async () => {
    const before = stack.demo.stats().requests;
    const result = await stack.app.connection.connectAdestra({ shop, accountName: " ", username: "a:b", password: "" });
    expect(result).toEqual({
      ok: false,
      fieldErrors: { accountName: "enter the account name", username: 'the username cannot contain ":"', password: "enter the password" },
    });
    expect(stack.demo.stats().requests).toBe(before);
    expect(await row()).toBeNull();
  });

  it("right credentials: saved with the password encrypted; the view never has the password", async () => {
    expect(await stack.app.connection.connectAdestra({ shop, accountName: " demo ", username: "shopify", password: "sandbox-password" })).toEqual({ ok: true });
    const saved = (await row())!;
    expect(saved).toMatchObject({ accountName: "demo", username: "shopify", coreTableId: null });
    expect(saved.passwordEncrypted).not.toContain("sandbox-password");
    expect(saved.passwordEncrypted).toMatch(/^v1\./);
    const view = await stack.app.connection.getAdestraConnection({ shop });
    expect(view).toMatchObject({ connected: true, accountName: "demo", username: "shopify", coreTable: null, unsubList: null });
    expect(JSON.stringify(view)).not.toContain("sandbox-password");
  });
});

describe("core table and unsub list", () => {
  it("lists the account's core tables", async () => {
    expect(await stack.app.connection.listAdestraCoreTables({ shop })).toEqual([
      { id: 1, name: "Shopify customers" },
      { id: 2, name: "Wholesale" },
    ]);
  });

  it("refuses a core table the account does not have and an unsub list Adestra does not know; nothing saved", async () => {
    const result = await stack.app.connection.chooseAdestraTables({ shop, coreTableId: 99, unsubListId: 77 });
    expect(result).toEqual({
      ok: false,
      fieldErrors: { coreTableId: "This core table is not in the connected Adestra account", unsubListId: "Adestra has no unsub list with this id" },
    });
    expect(await row()).toMatchObject({ coreTableId: null, unsubListId: null });
  });

  it("saves the choice with the names Adestra gives", async () => {
    expect(await stack.app.connection.chooseAdestraTables({ shop, coreTableId: "1", unsubListId: "10" })).toEqual({ ok: true });
    expect(await stack.app.connection.getAdestraConnection({ shop })).toMatchObject({
      coreTable: { id: 1, name: "Shopify customers" },
      unsubList: { id: 10, name: "Shopify unsubscribes" },
    });
  });
});

describe("lists", () => {
  it("offers only the lists on the connected core table", async () => {
    expect(await stack.app.lists.listAdestraLists({ shop })).toEqual([{ id: 21, name: "Existing newsletter" }]);
  });

  it("creates a list by name (trimmed) on the core table", async () => {
    const result = await stack.app.lists.createAdestraList({ shop, name: "  Newsletter  " });
    expect(result).toMatchObject({ ok: true, list: { name: "Newsletter" } });
    const id = result.ok ? result.list.id : 0;
    expect(stack.demo.lists()).toContainEqual({ id, name: "Newsletter", tableId: 1 });
    expect((await stack.app.lists.listAdestraLists({ shop })).map((l) => l.name)).toEqual(["Existing newsletter", "Newsletter"]);
  });

  it.each([
    ["", "enter a name for the list"],
    ["   ", "enter a name for the list"],
    ["x".repeat(101), "the name is at most 100 characters"],
    ["newsletter", "a list with this name already exists — select it instead"],
  ])("refuses %j: %s, and creates nothing", async (name, message) => {
    const before = stack.demo.lists().length;
    expect(await stack.app.lists.createAdestraList({ shop, name })).toEqual({ ok: false, fieldErrors: { name: message } });
    expect(stack.demo.lists()).toHaveLength(before);
  });
});

describe("changing the core table while Auto Send is on", () => {
  it("is refused until Auto Send is turned off", async () => {
    const saved = await stack.app.send.saveAutoSendSettings({ shop, choices: { profileGroup: "subscribers", listId: 21 }, enabled: true });
    expect(saved).toMatchObject({ ok: true });
    const refused = await stack.app.connection.chooseAdestraTables({ shop, coreTableId: 2, unsubListId: 10 });
    expect(refused).toEqual({ ok: false, formError: expect.stringContaining("untick Automatically send profiles and save first") });
    expect(await row()).toMatchObject({ coreTableId: 1 });
    // The same core table (e.g. another unsub list) is fine.
    expect(await stack.app.connection.chooseAdestraTables({ shop, coreTableId: 1, unsubListId: 10 })).toEqual({ ok: true });

    expect(await stack.app.send.saveAutoSendSettings({ shop, choices: { profileGroup: "subscribers", listId: 21 }, enabled: false })).toMatchObject({ ok: true });
    expect(await stack.app.connection.chooseAdestraTables({ shop, coreTableId: 2, unsubListId: 10 })).toEqual({ ok: true });
    expect(await stack.app.lists.listAdestraLists({ shop })).toEqual([{ id: 22, name: "Wholesale buyers" }]);
  });
});

describe("reconnecting and disconnecting", () => {
  it("another account clears the tables and what was recorded as sent", async () => {
    await stack.app.db.getDb().profileLink.create({
      data: { shopId, destination: "adestra", target: "list:21", customerId: "gid://shopify/Customer/1", payloadHash: "x", lastSyncedAt: new Date() },
    });
    expect(await stack.app.connection.connectAdestra({ shop, accountName: "Other Shop", username: "api", password: "other-secret" })).toEqual({ ok: true });
    expect(await row()).toMatchObject({ accountName: "Other Shop", coreTableId: null, unsubListId: null });
    expect(await stack.app.db.getDb().profileLink.count({ where: { shopId } })).toBe(0);
  });

  it("disconnect removes the connection and turns Auto Send off", async () => {
    await stack.app.connection.connectAdestra({ shop, accountName: "demo", username: "shopify", password: "sandbox-password" });
    await stack.app.connection.chooseAdestraTables({ shop, coreTableId: 1, unsubListId: 10 });
    await stack.app.send.saveAutoSendSettings({ shop, choices: { profileGroup: "all", listId: 21 }, enabled: true });
    expect(await stack.app.schedulers.getAdestraAutoSendNextRun({ shopId })).toBeInstanceOf(Date);

    expect(await stack.app.connection.disconnectAdestra({ shop })).toEqual({ ok: true });
    expect(await row()).toBeNull();
    expect(await stack.app.schedulers.getAdestraAutoSendNextRun({ shopId })).toBeNull();
    expect((await stack.app.send.getSendSettings({ shop })).auto.enabled).toBe(false);
  });

  it("an uninvited shop is refused by every service", async () => {
    // The services take a context, and only the gate makes one: resolving the shop is what refuses it.
    const asOther = <T>(call: (other: ShopContext) => Promise<T>) => stack.app.shops.resolveShopContext({ shop: "not-invited.myshopify.com" }).then(call);
    await expect(asOther((other) => stack.app.connection.getAdestraConnection({ shop: other }))).rejects.toMatchObject({ name: "ShopNotInvitedError" });
    await expect(asOther((other) => stack.app.connection.connectAdestra({ shop: other, accountName: "demo", username: "shopify", password: "sandbox-password" }))).rejects.toMatchObject({ name: "ShopNotInvitedError" });
    await expect(asOther((other) => stack.app.lists.createAdestraList({ shop: other, name: "x" }))).rejects.toMatchObject({ name: "ShopNotInvitedError" });
    await expect(asOther((other) => stack.app.send.getSendStatus({ shop: other }))).rejects.toMatchObject({ name: "ShopNotInvitedError" });
    await expect(asOther((other) => stack.app.send.saveAutoSendSettings({ shop: other, choices: {}, enabled: false }))).rejects.toMatchObject({ name: "ShopNotInvitedError" });
  });
});
