/**
 * A customer whose Section changes (issue 15, item 5): the sync conditions put a Swedish customer in Section
 * Sweden; moved abroad with the vip tag they belong in Section Global, and without it in none. The app must not
 * leave the old Section's opt-ins behind, which it no longer keeps up to date: they are opted out there, the
 * new Section gets Shopify's consent, and the old Section's attributes stay. Deliveries go over HTTP to the
 * app's webhook routes; the real worker writes to the APSIS sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookDelivery } from "../../../sandbox/shopify/webhooks/payloads";
import type { SandboxCustomer } from "../../../sandbox/shopify/customer";
import { DEMO, demoDefinitions, setUpRealtimeShop, type Stack, startStack, type Store } from "./stack";
import { waitFor } from "../../support/wait-for";
import type { ShopContext } from "../../../app/models/shop.server";

const STORE: Store = { domain: "apsis-section-move.myshopify.com", customers: 5, seed: 93, ianaTimezone: "Europe/Stockholm" };

process.env.REALTIME_COALESCE_MS = "50";

let stack: Stack;
let shop: ShopContext;
let names: Awaited<ReturnType<typeof demoDefinitions>>;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE] });
  stack.app.env.resetEnvCache();
  shop = await setUpRealtimeShop(stack, STORE);
  names = await demoDefinitions(stack, shop);
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

async function deliver(delivery: WebhookDelivery) {
  expect(await stack.shopify.webhooks.sendMany([delivery])).toEqual([200]);
  const receipt = await waitFor(
    async () => {
      const row = await stack.app.db.getDb().webhookReceipt.findFirst({ where: { eventId: delivery.eventId } });
      return row && ["processed", "ignored", "failed"].includes(row.status) ? row : undefined;
    },
    { what: `the receipt of ${delivery.topic}` },
  );
  expect(receipt, receipt.detail ?? "").toMatchObject({ status: "processed" });
}

const address = (countryCode: string, country: string) =>
  ({ firstName: "Vera", lastName: "Holm", company: null, address1: "Gata 2", address2: null, city: "Staden", province: null, provinceCode: null, country, countryCode, zip: "21149", phone: null }) as const;

/** The customer's consents in APSIS in a Section ("Sweden" or "Global"), topic name → type. */
function consentsIn(c: SandboxCustomer, sectionName: "Sweden" | "Global") {
  const section = sectionName === "Sweden" ? DEMO.swedenSection : DEMO.globalSection;
  const profile = stack.apsis.account(DEMO.clientId).profile(DEMO.shopifyKeyspace, String(c.id));
  const consents = profile?.sections[section]?.consents ?? [];
  return Object.fromEntries(
    ["Newsletter", "Offers", "SMS offers"].flatMap((name) => {
      const found = consents.find((x) => x.topic === names.topic(sectionName, name));
      return found ? [[name, found.type]] : [];
    }),
  );
}

function attributesIn(c: SandboxCustomer, section: string) {
  return stack.apsis.account(DEMO.clientId).profile(DEMO.shopifyKeyspace, String(c.id))?.sections[section]?.attributes;
}

describe("a customer whose Section changes, in real time", () => {
  it("Sweden → Global (moved abroad, tagged vip) → none: opted out where they left, opted in where they are, attributes kept", async () => {
    const shopify = stack.shopify.store(STORE.domain);
    const now = new Date().toISOString();
    const c = shopify.createCustomer({
      firstName: "Vera",
      lastName: "Holm",
      email: { address: "vera.mover@example.com", marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: now },
      phone: null,
      address: address("SE", "Sweden"),
      tags: [],
    });
    await deliver(stack.shopify.webhooks.build.customersCreate(STORE.domain, c.id));
    expect(consentsIn(c, "Sweden")).toEqual({ Newsletter: "opt-in", Offers: "opt-in" });
    expect(consentsIn(c, "Global")).toEqual({});
    const swedishAttributes = attributesIn(c, DEMO.swedenSection);
    expect(swedishAttributes).toBeDefined();

    shopify.updateCustomer(c.id, { address: address("NO", "Norway"), tags: ["vip"] });
    await deliver(stack.shopify.webhooks.build.customersUpdate(STORE.domain, c.id));
    expect(consentsIn(c, "Sweden")).toEqual({ Newsletter: "opt-out", Offers: "opt-out" });
    expect(consentsIn(c, "Global")).toEqual({ Newsletter: "opt-in", Offers: "opt-in" });
    expect(attributesIn(c, DEMO.swedenSection)).toEqual(swedishAttributes);

    shopify.updateCustomer(c.id, { tags: [] });
    await deliver(stack.shopify.webhooks.build.customersUpdate(STORE.domain, c.id));
    expect(consentsIn(c, "Sweden")).toEqual({ Newsletter: "opt-out", Offers: "opt-out" });
    expect(consentsIn(c, "Global")).toEqual({ Newsletter: "opt-out", Offers: "opt-out" });

    // The audit trail: the two opt-outs in each Section left, for the address they were given for.
    const events = await stack.app.db.getDb().consentEvent.findMany({ where: { shopId: shop.id, customerId: `gid://shopify/Customer/${c.id}`, type: "opt_out" } });
    const topics = ["Newsletter", "Offers"].flatMap((name) => [names.topic("Sweden", name), names.topic("Global", name)]);
    expect(events.map((e) => e.topic).sort()).toEqual(topics.sort());
    expect(new Set(events.map((e) => e.address))).toEqual(new Set(["vera.mover@example.com"]));
  });
});
