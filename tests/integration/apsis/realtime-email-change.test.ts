/**
 * An email (or phone) change in real time under both ways APSIS may bind consent (issue 10, finding 6): one shop
 * on an APSIS account whose consent belongs to the profile (Consent 2.0, the sandbox's default), one on an
 * account whose consent belongs to the address the profile has when the consent is written
 * (sandbox/apsis/consent-store.ts). Deliveries go over HTTP to the app's webhook routes; the real worker writes.
 * Required either way: the old address opted out of the topics it was opted in to; the new address carrying
 * exactly Shopify's consent for it (SUBSCRIBED → opt-in, UNSUBSCRIBED → opt-out, NOT_SUBSCRIBED → nothing written).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookDelivery } from "../../../sandbox/shopify/webhooks/payloads";
import type { SandboxCustomer } from "../../../sandbox/shopify/customer";
import { DEMO_APSIS, demoApsisAccount, type ApsisSandboxAccount } from "../../../sandbox/apsis/server";
import { configureDemo, DEMO, demoDefinitions, enableRealtime, setUpShop, type Stack, startStack, type Store } from "./stack";
import { waitFor } from "../../support/wait-for";
import type { ShopContext } from "../../../app/models/shop.server";

const PROFILE_BOUND: Store = { domain: "apsis-email-profile.myshopify.com", customers: 10, seed: 91, ianaTimezone: "Europe/Stockholm" };
const ADDRESS_BOUND: Store = { domain: "apsis-email-address.myshopify.com", customers: 10, seed: 92, ianaTimezone: "Europe/Stockholm" };
const ADDRESS_ACCOUNT = { clientId: "5b2f8e1c-9d4a-4f7b-a3c6-0e8d1f2a4b97", clientSecret: "Zx9".repeat(21) + "Q" };
const EMAIL = "com.apsis1.channels.email";
const SMS = "com.apsis1.channels.sms";

process.env.REALTIME_COALESCE_MS = "50";

type Binding = "profile" | "address";
let stack: Stack;
const shops = {} as Record<Binding, { store: Store; shop: ShopContext; account: ApsisSandboxAccount; topic: (name: string) => string }>;

beforeAll(async () => {
  stack = await startStack({
    stores: [PROFILE_BOUND, ADDRESS_BOUND],
    apsis: { accounts: [demoApsisAccount(), { ...demoApsisAccount(), ...ADDRESS_ACCOUNT, consentBinding: "address" }] },
  });
  stack.app.env.resetEnvCache();
  const credentials: Record<Binding, { clientId: string; clientSecret: string }> = {
    profile: { clientId: DEMO_APSIS.clientId, clientSecret: DEMO_APSIS.clientSecret },
    address: ADDRESS_ACCOUNT,
  };
  for (const [binding, store] of [["profile", PROFILE_BOUND], ["address", ADDRESS_BOUND]] as const) {
    const shop = await setUpShop(stack, store);
    const connected = await stack.app.connection.connectApsis({ shop, region: "eu", ...credentials[binding] });
    if (!connected.ok) throw new Error(`connect failed: ${JSON.stringify(connected)}`);
    await configureDemo(stack, shop);
    await enableRealtime(shop);
    const names = await demoDefinitions(stack, shop);
    shops[binding] = { store, shop, account: stack.apsis.account(credentials[binding].clientId), topic: (name) => names.topic("Sweden", name) };
  }
  expect(shops.profile.account.consentBinding).toBe("profile");
  expect(shops.address.account.consentBinding).toBe("address");
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

async function deliver(domain: string, delivery: WebhookDelivery) {
  const statuses = await stack.shopify.webhooks.sendMany([delivery]);
  expect(statuses).toEqual([200]);
  const receipt = await waitFor(
    async () => {
      const row = await stack.app.db.getDb().webhookReceipt.findFirst({ where: { eventId: delivery.eventId } });
      return row && ["processed", "ignored", "failed"].includes(row.status) ? row : undefined;
    },
    { what: `the receipt of ${delivery.topic} for ${domain}` },
  );
  expect(receipt, receipt.detail ?? "").toMatchObject({ status: "processed" });
}

/** A Swedish customer (Section Sweden) opted in on email (and SMS when asked), synced to APSIS. */
async function syncedSwede(binding: Binding, email: string, phone: string | null = null): Promise<SandboxCustomer> {
  const { store } = shops[binding];
  const shopify = stack.shopify.store(store.domain);
  const now = new Date().toISOString();
  const c = shopify.createCustomer({
    firstName: "Vera",
    lastName: "Holm",
    email: { address: email, marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: now },
    phone: phone ? { number: phone, marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: now, marketingCollectedFrom: "SHOPIFY" } : null,
    address: { firstName: "Vera", lastName: "Holm", company: null, address1: "Kungsgatan 2", address2: null, city: "Malmö", province: null, provinceCode: null, country: "Sweden", countryCode: "SE", zip: "21149", phone: null },
    tags: [],
  });
  await deliver(store.domain, stack.shopify.webhooks.build.customersCreate(store.domain, c.id));
  return c;
}

/** What applies to the address on the channel in Section Sweden, by topic name. */
function consentOf(binding: Binding, channel: string, address: string) {
  const { account, topic } = shops[binding];
  const consents = account.addressConsents({ section: DEMO.swedenSection, channel, address });
  return (name: string) => consents.find((c) => c.topic === topic(name));
}

/** The consents on the customer's profile in Section Sweden, by topic name. */
function profileConsentOf(binding: Binding, c: SandboxCustomer) {
  const { account, topic } = shops[binding];
  const consents = account.profile(DEMO.shopifyKeyspace, String(c.id))!.sections[DEMO.swedenSection].consents;
  return (name: string) => consents.find((x) => x.topic === topic(name));
}

const EXPECTED = { SUBSCRIBED: "opt-in", UNSUBSCRIBED: "opt-out", NOT_SUBSCRIBED: undefined } as const;
const CASES = (["profile", "address"] as const).flatMap((binding) => (["SUBSCRIBED", "UNSUBSCRIBED", "NOT_SUBSCRIBED"] as const).map((state) => [binding, state] as const));

describe("an email change in real time", () => {
  it.each(CASES)("consent bound to the %s, new address %s: old address opted out, new one has exactly Shopify's consent", async (binding, state) => {
    const slug = `${binding}-${state.toLowerCase()}`;
    const oldAddress = `vera.${slug}.old@example.com`;
    const newAddress = `vera.${slug}.new@example.com`;
    const c = await syncedSwede(binding, oldAddress);
    const { store, shop } = shops[binding];
    expect(profileConsentOf(binding, c)("Newsletter")).toMatchObject({ type: "opt-in", address: oldAddress });

    stack.shopify.store(store.domain).updateCustomer(c.id, {
      email: { address: newAddress, marketingState: state, marketingOptInLevel: state === "SUBSCRIBED" ? "SINGLE_OPT_IN" : null, marketingUpdatedAt: new Date().toISOString() },
    });
    await deliver(store.domain, stack.shopify.webhooks.build.customersUpdate(store.domain, c.id));

    const expected = EXPECTED[state];
    const onProfile = profileConsentOf(binding, c);
    for (const topic of ["Newsletter", "Offers"]) {
      if (binding === "address") {
        // Each address has its own consent: the old one opted out, the new one exactly Shopify's (or none).
        expect(consentOf(binding, EMAIL, oldAddress)(topic), `${topic}, old address`).toMatchObject({ type: "opt-out", address: oldAddress });
        expect(consentOf(binding, EMAIL, newAddress)(topic)?.type, `${topic}, new address`).toBe(expected);
      } else if (expected) {
        // One consent per profile, which now has the new address: Shopify's for it.
        expect(onProfile(topic)?.type, topic).toBe(expected);
      } else {
        // NOT_SUBSCRIBED: the profile holds the opt-out written for the old address, nothing written for the new one, no opt-in.
        expect(onProfile(topic), topic).toMatchObject({ type: "opt-out", address: oldAddress });
      }
      // Either way no consent was ever written for the new address but Shopify's, and the new address is opted in only when SUBSCRIBED.
      if (expected === "opt-in") expect(onProfile(topic)).toMatchObject({ type: "opt-in", address: newAddress });
      else expect(consentOf(binding, EMAIL, newAddress)(topic)?.type ?? null).not.toBe("opt-in");
    }

    // The audit trail: the old address's opt-outs; an opt-in for the new address only when SUBSCRIBED.
    const events = await stack.app.db.getDb().consentEvent.findMany({ where: { shopId: shop.id, customerId: `gid://shopify/Customer/${c.id}`, channel: "email" }, orderBy: { createdAt: "asc" } });
    const of = (address: string, type: string) => events.filter((e) => e.address === address && e.type === type).map((e) => e.topic).sort();
    expect(of(oldAddress, "opt_out")).toEqual([shops[binding].topic("Newsletter"), shops[binding].topic("Offers")].sort());
    expect(of(newAddress, "opt_in")).toEqual(expected === "opt-in" ? [shops[binding].topic("Newsletter"), shops[binding].topic("Offers")].sort() : []);
  });

  it("a phone change under the address binding: the old number opted out of SMS, the new NOT_SUBSCRIBED one given nothing", async () => {
    const oldNumber = "+46701110001";
    const newNumber = "+46701110002";
    const c = await syncedSwede("address", "vera.phone@example.com", oldNumber);
    const { store } = shops.address;
    // APSIS's Mobile attribute holds the number in MSISDN form (no +): that is the address consent binds to.
    const msisdn = (number: string) => number.replace(/\D/g, "");
    expect(consentOf("address", SMS, msisdn(oldNumber))("SMS offers")?.type).toBe("opt-in");
    stack.shopify.store(store.domain).updateCustomer(c.id, {
      phone: { number: newNumber, marketingState: "NOT_SUBSCRIBED", marketingOptInLevel: null, marketingUpdatedAt: new Date().toISOString(), marketingCollectedFrom: "SHOPIFY" },
    });
    await deliver(store.domain, stack.shopify.webhooks.build.customersUpdate(store.domain, c.id));
    expect(consentOf("address", SMS, msisdn(oldNumber))("SMS offers")?.type).toBe("opt-out");
    expect(consentOf("address", SMS, msisdn(newNumber))("SMS offers")).toBeUndefined();
    // Email was not touched by the phone change.
    expect(consentOf("address", EMAIL, "vera.phone@example.com")("Newsletter")?.type).toBe("opt-in");
  });
});
