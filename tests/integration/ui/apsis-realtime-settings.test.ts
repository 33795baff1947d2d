/**
 * The APSIS One page's Real-time sync card as the browser calls it (a Bearer session token, a form post with the
 * intent "save-realtime"), against the APSIS sandbox: valid settings are saved; every bad input is answered 422
 * with the reason on its field (or the form) and saves nothing; disconnecting forgets the event choices.
 */
import { getJwt } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ApsisRealtimeSettings } from "../../../app/models/apsis-realtime-settings.server";
import { connectDemo, DEMO, setUpShop, type Stack, startStack, type Store } from "../apsis/stack";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-realtime-settings.myshopify.com", customers: 3, seed: 11, ianaTimezone: "Europe/Stockholm" };
const GLOBAL = DEMO.globalSection;
const SWEDEN = DEMO.swedenSection;

let stack: Stack;
let shop: ShopContext;
let shopId: string;
let route: typeof import("../../../app/routes/app.apsis");
let settings: typeof import("../../../app/models/apsis-realtime-settings.server");

beforeAll(async () => {
  stack = await startStack({ stores: [STORE], worker: false });
  shop = await setUpShop(stack, STORE);
  shopId = shop.id;
  await connectDemo(stack, shop);
  // Customers in Sweden go to Section Sweden, everyone else to Global: both Sections are used.
  const saved = await stack.app.mapping.saveSyncConditions({
    shop,
    conditions: [{ section: SWEDEN, field: "country", operator: "equals", value: "SE" }, { always: true, section: GLOBAL }],
  });
  if (!saved.ok) throw new Error(`conditions: ${JSON.stringify(saved)}`);
  route = await import("../../../app/routes/app.apsis");
  settings = await import("../../../app/models/apsis-realtime-settings.server");
});

afterAll(async () => {
  await stack?.close();
});

async function bearer() {
  const { token } = await getJwt(STORE.domain.split(".")[0], process.env.SHOPIFY_API_KEY!, process.env.SHOPIFY_API_SECRET!);
  return { Authorization: `Bearer ${token}` };
}

async function postAction(fields: Record<string, string>) {
  const request = new Request("http://127.0.0.1:3000/app/apsis", { method: "POST", headers: await bearer(), body: new URLSearchParams({ intent: "save-realtime", ...fields }) });
  const response = (await route.action({ request, params: {}, context: {} })) as Response;
  return { status: response.status, body: (await response.json()) as { ok: boolean; toast?: string; errors?: Record<string, string> } };
}

const current = () => settings.getApsisRealtimeSettings({ shopId });

/** A valid save: real-time on, profiles kept, purchase events posted as the demo's order event in both Sections. */
const VALID = {
  realtimeEnabled: "true",
  purchaseEventsEnabled: "true",
  onCustomerDelete: "keep_profile",
  purchaseEvents: JSON.stringify({ [SWEDEN]: DEMO.purchaseEvent, [GLOBAL]: DEMO.purchaseEvent }),
};

const SAVED: ApsisRealtimeSettings = {
  realtimeEnabled: true,
  purchaseEventsEnabled: true,
  onCustomerDelete: "keep_profile",
  writebackEnabled: false,
  purchaseEvents: { [SWEDEN]: DEMO.purchaseEvent, [GLOBAL]: DEMO.purchaseEvent },
};

describe("APSIS One page: Real-time sync settings", () => {
  it("the page offers each Section the conditions use, with its APSIS events and the order event proposed", async () => {
    const request = new Request("http://127.0.0.1:3000/app/apsis", { headers: await bearer() });
    const response = (await route.loader({ request, params: {}, context: {} })) as Response;
    const data = (await response.json()) as { realtime: { sections: { discriminator: string; name: string; events: unknown[] }[]; purchaseEvents: Record<string, string>; realtimeEnabled: boolean; onCustomerDelete: string } };
    expect(data.realtime.sections).toEqual([
      { discriminator: SWEDEN, name: "Sweden", events: [{ discriminator: DEMO.purchaseEvent, name: "Purchase" }] },
      { discriminator: GLOBAL, name: "Global", events: [{ discriminator: DEMO.purchaseEvent, name: "Purchase" }] },
    ]);
    expect(data.realtime.purchaseEvents).toEqual({ [SWEDEN]: DEMO.purchaseEvent, [GLOBAL]: DEMO.purchaseEvent });
    expect(data.realtime).toMatchObject({ realtimeEnabled: false, onCustomerDelete: "delete_profile" });
  });

  it("valid settings are saved", async () => {
    const { status, body } = await postAction(VALID);
    expect(status).toBe(200);
    expect(body).toEqual({ ok: true, toast: "Real-time settings saved" });
    expect(await current()).toEqual(SAVED);
  });

  describe("bad input: 422 with the reason in words, nothing saved", () => {
    // Each attempt also switches real-time sync off and purchase events off where it can, so a partial save would show.
    beforeEach(async () => {
      expect(await current()).toEqual(SAVED);
    });

    it("an unknown choice for deleted customers", async () => {
      const { status, body } = await postAction({ ...VALID, realtimeEnabled: "false", onCustomerDelete: "archive_profile" });
      expect(status).toBe(422);
      expect(body.errors?.onCustomerDelete).toBe("Choose what happens to a deleted customer's APSIS profile: delete it or keep it");
      expect(await current()).toEqual(SAVED);
    });

    it("an event the Section does not define in APSIS", async () => {
      const { status, body } = await postAction({
        ...VALID,
        realtimeEnabled: "false",
        purchaseEvents: JSON.stringify({ [SWEDEN]: DEMO.purchaseEvent, [GLOBAL]: "com.example.events.refund" }),
      });
      expect(status).toBe(422);
      expect(body.errors?.[`purchaseEvents.${GLOBAL}`]).toBe('"com.example.events.refund" is not an event of this Section in APSIS One: choose one from the list');
      expect(body.errors?.[`purchaseEvents.${SWEDEN}`]).toBeUndefined();
      expect(await current()).toEqual(SAVED);
    });

    it("a Section the sync conditions do not use", async () => {
      const { status, body } = await postAction({
        ...VALID,
        realtimeEnabled: "false",
        purchaseEvents: JSON.stringify({ [SWEDEN]: DEMO.purchaseEvent, [GLOBAL]: DEMO.purchaseEvent, "usercreated.sections.norway-x1": DEMO.purchaseEvent }),
      });
      expect(status).toBe(422);
      expect(body.errors?.form).toBe('"usercreated.sections.norway-x1" is not a Section the sync conditions use: purchase events go only to the Section a customer is synced to.');
      expect(await current()).toEqual(SAVED);
    });

    it("purchase events on without an event for every Section the conditions use", async () => {
      const { status, body } = await postAction({ ...VALID, realtimeEnabled: "false", purchaseEvents: JSON.stringify({ [GLOBAL]: DEMO.purchaseEvent }) });
      expect(status).toBe(422);
      expect(body.errors?.[`purchaseEvents.${SWEDEN}`]).toBe("Choose the event purchases are posted as in this Section");
      expect(body.errors?.[`purchaseEvents.${GLOBAL}`]).toBeUndefined();
      expect(await current()).toEqual(SAVED);
    });

    it("a switch that is neither on nor off", async () => {
      const { status, body } = await postAction({ ...VALID, realtimeEnabled: "maybe", purchaseEventsEnabled: "false" });
      expect(status).toBe(422);
      expect(body.errors?.realtimeEnabled).toBe("Say whether customers are synced in real time");
      expect(await current()).toEqual(SAVED);
    });
  });

  it("with purchase events off, a Section may go without an event; the remaining choice is kept", async () => {
    const { status } = await postAction({ ...VALID, purchaseEventsEnabled: "false", purchaseEvents: JSON.stringify({ [GLOBAL]: DEMO.purchaseEvent }) });
    expect(status).toBe(200);
    expect(await current()).toEqual({ ...SAVED, purchaseEventsEnabled: false, purchaseEvents: { [GLOBAL]: DEMO.purchaseEvent } });
  });

  it("disconnecting APSIS One forgets the event choices with the connection", async () => {
    const request = new Request("http://127.0.0.1:3000/app/apsis", { method: "POST", headers: await bearer(), body: new URLSearchParams({ intent: "disconnect" }) });
    expect(((await route.action({ request, params: {}, context: {} })) as Response).status).toBe(200);
    expect(await current()).toBeNull();
    expect(await stack.app.db.getDb().apsisEventMapping.count({ where: { shopId } })).toBe(0);
  });
});
