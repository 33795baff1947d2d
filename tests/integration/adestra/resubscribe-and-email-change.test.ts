/**
 * What a send does with a customer's history (issue 15, items 3 and 4), through the real worker, the Shopify
 * sandbox and the Adestra sandbox over HTTP:
 *  - unsubscribed and sent (on the unsub list), then SUBSCRIBED again in Shopify: the next send puts them on the
 *    list AND takes the address off the unsub list, and says so; a SUBSCRIBED state whose consent time is not
 *    newer than the unsubscribe the app wrote takes no one off;
 *  - an email changed between two sends: the old address's contact leaves the list, the new one is on it; when
 *    the customer then unsubscribes, both addresses go on the unsub list.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ShopContext } from "../../../app/models/shop.server";
import type { SandboxCustomer, SandboxEmail } from "../../../sandbox/shopify/customer";
import { connectDemo, setUpShop, type Stack, startStack, type Store, waitForRun } from "./stack";

const STORE: Store = { domain: "history-store.myshopify.com", customers: 12, seed: 57, ianaTimezone: "Europe/Stockholm" };
const UNSUB_LIST = 10;

let stack: Stack;
let shop: ShopContext;
let listId: number;

beforeAll(async () => {
  stack = await startStack({ stores: [STORE] });
  stack.app.env.resetEnvCache();
  shop = await setUpShop(stack, STORE);
  await connectDemo(stack, shop);
  const created = await stack.app.lists.createAdestraList({ shop, name: "Newsletter" });
  if (!created.ok) throw new Error(JSON.stringify(created));
  listId = created.list.id;
});

afterAll(async () => {
  await stack?.close();
});

const store = () => stack.shopify.store(STORE.domain);
const onList = () => stack.demo.listMembers(listId).map((email) => email.toLowerCase());
const onUnsubList = () => stack.demo.unsubAddresses(UNSUB_LIST);

async function send() {
  const { runId, alreadyRunning } = await stack.app.send.startSend({ shop, trigger: "on_demand", choices: { profileGroup: "subscribers", listId } });
  expect(alreadyRunning).toBe(false);
  const run = await waitForRun(stack, runId);
  expect(run.status, JSON.stringify(run)).toBe("succeeded");
  return run;
}

const email = (address: string, marketingState: SandboxEmail["marketingState"], marketingUpdatedAt = new Date().toISOString()): SandboxEmail => ({
  address,
  marketingState,
  marketingOptInLevel: marketingState === "SUBSCRIBED" ? "SINGLE_OPT_IN" : null,
  marketingUpdatedAt,
});

/** Shopify's consent times have whole seconds: a change made now must be dated after the send that just ended. */
async function nextSecondAfter(at: Date | null) {
  const next = Math.floor((at ?? new Date()).getTime() / 1000) * 1000 + 1000;
  while (Date.now() < next) await new Promise((resolve) => setTimeout(resolve, 25));
}

const resubscribe = (c: SandboxCustomer) => store().updateCustomer(c.id, { email: { ...c.email!, marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN" } });

describe("a re-subscribed customer", () => {
  it("is on the list and off the unsub list after the next send, which says how many it took off", async () => {
    const rita = store().createCustomer({ firstName: "Rita", email: email("rita.resub@example.com", "UNSUBSCRIBED") });
    store().createCustomer({ firstName: "Ulla", email: email("ulla.stays@example.com", "UNSUBSCRIBED") });
    const first = await send();
    expect(onUnsubList()).toEqual(expect.arrayContaining(["rita.resub@example.com", "ulla.stays@example.com"]));
    expect(onList()).not.toContain("rita.resub@example.com");

    await nextSecondAfter(first.finishedAt);
    resubscribe(rita); // Shopify dates the new consent now, after the app's unsub-list write
    const second = await send();

    expect(onList()).toContain("rita.resub@example.com");
    expect(onUnsubList()).not.toContain("rita.resub@example.com");
    // Ulla is still unsubscribed: still suppressed.
    expect(onUnsubList()).toContain("ulla.stays@example.com");
    expect(second).toMatchObject({ unsuppressed: 1, created: 1, suppressed: 0 });
    const status = await stack.app.send.getSendStatus({ shop });
    expect(status.lastRunByKind.onDemand).toMatchObject({ unsuppressed: 1 });

    // Once off, a send with nothing new takes no one off again.
    expect(await send()).toMatchObject({ unsuppressed: 0, created: 0 });
  });

  it("stays on the unsub list when Shopify's SUBSCRIBED consent is not newer than the unsubscribe the app wrote", async () => {
    const olle = store().createCustomer({ firstName: "Olle", email: email("olle.older@example.com", "UNSUBSCRIBED") });
    const first = await send();
    expect(onUnsubList()).toContain("olle.older@example.com");

    // SUBSCRIBED, but consented (by Shopify's record) a day before the app put the address on the unsub list.
    const dayBefore = new Date(first.finishedAt!.getTime() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    store().updateCustomer(olle.id, { email: email("olle.older@example.com", "SUBSCRIBED", dayBefore) });
    const second = await send();

    expect(onUnsubList()).toContain("olle.older@example.com");
    expect(second.unsuppressed).toBe(0);
  });
});

describe("an email change between two sends", () => {
  it("takes the old address off the list and puts the new one on; a later unsubscribe reaches both", async () => {
    const emil = store().createCustomer({ firstName: "Emil", email: email("emil.old@example.com", "SUBSCRIBED") });
    await send();
    expect(onList()).toContain("emil.old@example.com");
    const oldContact = stack.demo.contacts(1).find((c) => c.fields.email === "emil.old@example.com")!;

    store().updateCustomer(emil.id, { email: { ...emil.email!, address: "emil.new@example.com" } });
    const moved = await send();

    expect(onList()).toContain("emil.new@example.com");
    expect(onList()).not.toContain("emil.old@example.com");
    expect(moved).toMatchObject({ created: 1, failed: 0 });
    // The old contact stays in the core table (Adestra documents no delete), off the list.
    expect(stack.demo.contacts(1).some((c) => c.id === oldContact.id)).toBe(true);

    // Unsubscribed afterwards: the old address is suppressed too, not only the one Shopify has now.
    const current = store().getCustomer(emil.id)!;
    store().updateCustomer(emil.id, { email: { ...current.email!, marketingState: "UNSUBSCRIBED", marketingOptInLevel: null } });
    const gone = await send();
    expect(gone.suppressed).toBe(1);
    expect(onUnsubList()).toEqual(expect.arrayContaining(["emil.new@example.com", "emil.old@example.com"]));
  });

  it("leaves an address on the list when another customer has it now", async () => {
    const anna = store().createCustomer({ firstName: "Anna", email: email("anna.first@example.com", "SUBSCRIBED") });
    await send();
    // Anna moves to a new address; Bea, a new customer, signs up with Anna's old one.
    store().updateCustomer(anna.id, { email: email("anna.second@example.com", "SUBSCRIBED") });
    store().createCustomer({ firstName: "Bea", email: email("anna.first@example.com", "SUBSCRIBED") });
    await send();

    expect(onList()).toEqual(expect.arrayContaining(["anna.first@example.com", "anna.second@example.com"]));
  });
});
