/**
 * Issue 8, finding 4, through the real web process (remix-serve over HTTP, real Redis and database): form values
 * had no length limit — a 5 MB sync-condition value was saved and the APSIS One page grew to 10 MB. Now a body
 * over 256 kB is refused with 413 before it is parsed, every field has a bound whose message shows on that field
 * (422), nothing is saved, and the same forms still save genuine values.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_APSIS } from "../../../sandbox/apsis/server";
import { startWeb, type Web } from "./web-stack";

const SHOP = "forms-bounds.myshopify.com";
const FIVE_MB = "S".repeat(5 * 1024 * 1024);
let web: Web;

const rule = (value: unknown, extra: Record<string, unknown> = {}) => ({ field: "country", operator: "equals", value, section: DEMO_APSIS.swedenSection, ...extra });
const OTHERWISE = { always: true, section: DEMO_APSIS.globalSection };

/** What the APSIS One page holds now (its loader, over HTTP). */
async function apsisPage() {
  const { status, body } = await web.embedded(SHOP, "/app/apsis");
  expect(status).toBe(200);
  return body as unknown as { rows: unknown[]; otherwise: string; attributes: Record<string, unknown>; consents: Record<string, unknown>; realtime: { purchaseEvents: Record<string, string> } | null };
}

beforeAll(async () => {
  web = await startWeb({
    stores: [{ domain: SHOP, name: "Forms Bounds", ianaTimezone: "Europe/Stockholm", customers: 3, seed: 11 }],
    invite: [SHOP],
    connectAdestra: [SHOP],
  });
  const connected = await web.post(SHOP, "/app/apsis", { intent: "connect", region: "eu", clientId: DEMO_APSIS.clientId, clientSecret: DEMO_APSIS.clientSecret });
  expect(connected.status, `${JSON.stringify(connected.body)}\n${web.stack.logs().slice(-3000)}`).toBe(200);
});

afterAll(async () => {
  await web?.close();
});

describe("sync conditions", () => {
  it("a 5 MB condition value is refused with 413 before it is parsed, and nothing is saved", async () => {
    const conditions = JSON.stringify([rule(FIVE_MB), OTHERWISE]);
    const declared = await web.post(SHOP, "/app/apsis", { intent: "save-conditions", conditions });
    expect(declared.status).toBe(413);
    expect(declared.body.errors?.form).toMatch(/The form is too large to be accepted \(more than 256 kB\): nothing was saved/);

    // The same body sent chunked (no Content-Length): refused while it is read.
    const bytes = new TextEncoder().encode(new URLSearchParams({ intent: "save-conditions", conditions }).toString());
    const chunked = await web.embedded(SHOP, "/app/apsis", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
          controller.close();
        },
      }),
      duplex: "half",
    });
    expect(chunked.status).toBe(413);

    const page = await apsisPage();
    expect(page.rows).toEqual([]);
    expect(page.otherwise).toBe("");
  });

  it("a value just over the bound is refused on the rule's value field (422), nothing saved; within it, saved", async () => {
    const tooLong = await web.post(SHOP, "/app/apsis", { intent: "save-conditions", conditions: JSON.stringify([rule("S".repeat(256)), OTHERWISE]) });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.errors?.["conditions.0.value"]).toBe("The value is at most 255 characters");
    expect((await apsisPage()).rows).toEqual([]);

    const manyValues = await web.post(SHOP, "/app/apsis", {
      intent: "count-matches",
      conditions: JSON.stringify([rule(Array.from({ length: 101 }, (_, i) => `C${i}`), { operator: "in" }), OTHERWISE]),
    });
    expect(manyValues.status).toBe(422);
    expect(manyValues.body.errors?.["conditions.0.value"]).toBe("At most 100 values");

    const longSection = await web.post(SHOP, "/app/apsis", { intent: "save-conditions", conditions: JSON.stringify([rule("SE", { section: "x".repeat(201) }), OTHERWISE]) });
    expect(longSection.status).toBe(422);
    expect(longSection.body.errors?.["conditions.0.section"]).toBe("A Section id is at most 200 characters");

    const genuine = await web.post(SHOP, "/app/apsis", { intent: "save-conditions", conditions: JSON.stringify([rule("S".repeat(255)), OTHERWISE]) });
    expect(genuine.status, JSON.stringify(genuine.body)).toBe(200);
    expect((await apsisPage()).rows).toHaveLength(1);
  });
});

describe("every other APSIS One form", () => {
  it("connection: an over-long client id, secret or keyspace (when chosen) is refused on its field", async () => {
    const base = { intent: "connect", region: "eu", clientId: DEMO_APSIS.clientId, clientSecret: DEMO_APSIS.clientSecret };
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ ...base, clientId: "c".repeat(201) }, "clientId", /client id is at most 200 characters/],
      [{ ...base, clientSecret: "s".repeat(501) }, "clientSecret", /client secret is at most 500 characters/],
      [{ intent: "choose-keyspace", keyspace: "k".repeat(201) }, "keyspace", /keyspace id is at most 200 characters/],
    ];
    for (const [fields, field, message] of cases) {
      const { status, body } = await web.post(SHOP, "/app/apsis", fields);
      expect(status, field).toBe(422);
      expect(body.errors?.[field], field).toMatch(message);
    }
  });

  it("attribute and consent mappings: over-long ids are refused on the mapping's field, nothing saved", async () => {
    const attribute = await web.post(SHOP, "/app/apsis", {
      intent: "save-attributes",
      section: DEMO_APSIS.globalSection,
      mappings: JSON.stringify([{ field: "email", attribute: "a".repeat(201) }]),
    });
    expect(attribute.status).toBe(422);
    expect(attribute.body.errors?.["mappings.email"]).toBe("An APSIS attribute id is at most 200 characters");

    const section = await web.post(SHOP, "/app/apsis", { intent: "save-attributes", section: "x".repeat(201), mappings: "[]" });
    expect(section.status).toBe(422);
    expect(section.body.errors?.form).toBe("A Section id is at most 200 characters");

    const topic = await web.post(SHOP, "/app/apsis", { intent: "save-consents", section: DEMO_APSIS.globalSection, email: JSON.stringify(["t".repeat(201)]), sms: "[]" });
    expect(topic.status).toBe(422);
    expect(topic.body.errors?.email).toBe("A topic id is at most 200 characters");

    const page = await apsisPage();
    expect(page.attributes).toEqual({});
    expect(page.consents).toEqual({});
  });

  it("real-time settings: an over-long event id is refused on its Section's field; an over-long Section key on the form", async () => {
    const base = { intent: "save-realtime", realtimeEnabled: "false", purchaseEventsEnabled: "false", onCustomerDelete: "keep" };
    const event = await web.post(SHOP, "/app/apsis", { ...base, purchaseEvents: JSON.stringify({ [DEMO_APSIS.swedenSection]: "e".repeat(201) }) });
    expect(event.status).toBe(422);
    expect(event.body.errors?.[`purchaseEvents.${DEMO_APSIS.swedenSection}`]).toBe("The event id is at most 200 characters");

    const key = await web.post(SHOP, "/app/apsis", { ...base, purchaseEvents: JSON.stringify({ ["s".repeat(100_000)]: DEMO_APSIS.purchaseEvent }) });
    expect(key.status).toBe(422);
    expect(key.body.errors?.form).toBe("Choose an event from the list for each Section");
    // The oversized key never becomes the name of an error field.
    expect(Object.keys(key.body.errors ?? {}).every((field) => field.length < 300)).toBe(true);
    expect((await apsisPage()).realtime?.purchaseEvents[DEMO_APSIS.swedenSection]).not.toBe("e".repeat(201));
  });
});

describe("Adestra forms", () => {
  it("Settings: over-long login parts, password or unsub list id are refused on their fields; the connection is unchanged", async () => {
    const base = { intent: "connect", accountName: "demo", username: "api", password: "secret-password" };
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ ...base, accountName: "a".repeat(101) }, "accountName", /account name is at most 100 characters/],
      [{ ...base, username: "u".repeat(101) }, "username", /username is at most 100 characters/],
      [{ ...base, password: "p".repeat(501) }, "password", /password is at most 500 characters/],
      [{ intent: "choose-tables", coreTableId: "1", unsubListId: "99999999999999" }, "unsubListId", /too large/],
    ];
    const before = (await web.embedded(SHOP, "/app/settings")).body.adestra;
    for (const [fields, field, message] of cases) {
      const { status, body } = await web.post(SHOP, "/app/settings", fields);
      expect(status, field).toBe(422);
      expect(body.errors?.[field], field).toMatch(message);
    }
    expect((await web.embedded(SHOP, "/app/settings")).body.adestra).toEqual(before);
  });

  it("Data Sync: an over-long list name or an impossible list id is refused on its field", async () => {
    const name = await web.post(SHOP, "/app/data-sync", { intent: "create-list", name: "n".repeat(101) });
    expect(name.status).toBe(422);
    expect(name.body.errors?.name).toBe("The name is at most 100 characters");
    const list = await web.post(SHOP, "/app/data-sync", { intent: "start-send", profileGroup: "all", listId: "1e12" });
    expect(list.status).toBe(422);
    expect(list.body.errors?.listId).toBe("Choose an Adestra list");
  });
});

describe("any form post", () => {
  it("more fields than any form has is refused with 413", async () => {
    const fields: Record<string, string> = { intent: "save-conditions", conditions: "[]" };
    for (let i = 0; i < 150; i++) fields[`extra${i}`] = "x";
    const { status, body } = await web.post(SHOP, "/app/settings", fields);
    expect(status).toBe(413);
    expect(body.errors?.form).toMatch(/too many fields/);
  });

  it("the admin block's Resync endpoint bounds its JSON body and the customer id", async () => {
    const json = (body: string) => web.embedded(SHOP, "/api/customer-sync-status", { method: "POST", headers: { "Content-Type": "application/json" }, body });
    const big = await json(JSON.stringify({ customerId: "gid://shopify/Customer/1", padding: "x".repeat(300 * 1024) }));
    expect(big.status).toBe(413);
    const longId = await json(JSON.stringify({ customerId: `gid://shopify/Customer/${"1".repeat(200)}` }));
    expect(longId.status).toBe(400);
    expect(longId.body.error).toBe("the customer id is at most 100 characters");
  });
});
