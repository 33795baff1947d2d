import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SandboxCustomer } from "../../../sandbox/shopify/customer";
import { type CustomerFormValues, formValuesOf } from "../../../sandbox/shopify/customer-form";
import type { ShopifySandbox } from "../../../sandbox/shopify/server";
import { startTestSandbox, startWebhookReceiver, TEST_APP, TEST_SHOP } from "./test-support";
import { signWebhookBody } from "../../../sandbox/shopify/webhooks/sender";

let sandbox: ShopifySandbox;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
/** What the stand-in app answers; a test may change it. */
let appStatus = 200;

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => appStatus);
  sandbox = await startTestSandbox({ appUrl: receiver.url, customers: 60 });
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});
beforeEach(() => {
  appStatus = 200;
});

const store = () => sandbox.store(TEST_SHOP);
const pageUrl = (id: number) => `${sandbox.url}/admin/${TEST_SHOP}/customers/${id}`;
/** Distinct customers per test: each test changes its own. */
const used = new Set<number>();
function pick(test: (c: SandboxCustomer) => boolean): SandboxCustomer {
  const found = [...store().customers()].find((c) => !used.has(c.id) && test(c));
  if (!found) throw new Error("no seeded customer fits");
  used.add(found.id);
  return found;
}

async function post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}
const form = (customer: SandboxCustomer, changes: Partial<CustomerFormValues> = {}) => ({ ...formValuesOf(customer), ...changes });

/** Follows the 303 like a browser (post/redirect/get) and returns the page's HTML. */
async function follow(response: Response) {
  expect(response.status).toBe(303);
  const location = response.headers.get("location")!;
  const page = await fetch(new URL(location, sandbox.url));
  expect(page.status).toBe(200);
  return { location, html: await page.text() };
}

/** The webhooks received from here on, with the signature checked as the app checks it. */
function receivedSince(before: number) {
  return receiver.received.slice(before).map((webhook) => {
    expect(webhook.headers["x-shopify-hmac-sha256"]).toBe(signWebhookBody(webhook.body, TEST_APP.apiSecret));
    return { topic: webhook.headers["x-shopify-topic"], payload: JSON.parse(webhook.body) };
  });
}

describe("the customer page (Shopify admin's customer editor)", () => {
  it("saves a new first name and email marketing state, then sends customers/update and the email consent topic", async () => {
    const customer = pick((c) => c.email !== null && c.email.marketingState === "NOT_SUBSCRIBED");
    const before = receiver.received.length;
    const response = await post(pageUrl(customer.id), form(customer, { firstName: "Greta", emailMarketingState: "SUBSCRIBED" }));
    const { location, html } = await follow(response);
    expect(location).toMatch(new RegExp(`^/admin/${TEST_SHOP}/customers/${customer.id}\\?sent=`));

    const saved = store().getCustomer(customer.id)!;
    expect(saved.firstName).toBe("Greta");
    expect(saved.email).toEqual({ address: customer.email!.address, marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: saved.updatedAt });
    expect(Date.parse(saved.updatedAt)).toBeGreaterThanOrEqual(Date.parse(store().now));
    expect(saved.phone).toEqual(customer.phone);
    expect(saved.tags).toEqual(customer.tags);
    expect(saved.address).toEqual(customer.address);

    const received = receivedSince(before);
    expect(received.map((w) => w.topic)).toEqual(["customers/update", "customers_email_marketing_consent/update"]);
    expect(received[0].payload).toMatchObject({ id: customer.id, first_name: "Greta", email: customer.email!.address });
    expect(received[1].payload).toEqual({
      customer_id: customer.id,
      email_address: customer.email!.address,
      email_marketing_consent: { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: expect.stringMatching(/\+0[12]:00$/) },
    });
    expect(html).toContain("customers/update</code> → 200");
    expect(html).toContain("customers_email_marketing_consent/update</code> → 200");
    expect(html).toContain("Email marketing: NOT_SUBSCRIBED → SUBSCRIBED");
    expect(html).toContain('value="Greta"');
  });

  it("sends the SMS consent topic (not the email one) when only the SMS state changes, recorded as collected by the merchant", async () => {
    const customer = pick((c) => c.phone !== null && c.phone.marketingState === "SUBSCRIBED");
    const before = receiver.received.length;
    await follow(await post(pageUrl(customer.id), form(customer, { smsMarketingState: "UNSUBSCRIBED" })));
    const phone = store().getCustomer(customer.id)!.phone!;
    expect(phone).toMatchObject({ number: customer.phone!.number, marketingState: "UNSUBSCRIBED", marketingCollectedFrom: "OTHER" });
    expect(phone.marketingOptInLevel).toBe(customer.phone!.marketingOptInLevel ?? "SINGLE_OPT_IN");
    const received = receivedSince(before);
    expect(received.map((w) => w.topic)).toEqual(["customers/update", "customers_marketing_consent/update"]);
    expect(received[1].payload).toMatchObject({ id: customer.id, phone: customer.phone!.number, sms_marketing_consent: { state: "unsubscribed", consent_collected_from: "other" } });
  });

  it("sends customers/update alone for other changes: tags, country, a new email address", async () => {
    const customer = pick((c) => c.email !== null && c.address !== null && c.address.countryCode !== "NO");
    const before = receiver.received.length;
    const { html } = await follow(
      await post(pageUrl(customer.id), form(customer, { tags: " vip, newsletter,VIP ,", countryCode: "NO", email: "new.address@example.com" })),
    );
    const saved = store().getCustomer(customer.id)!;
    expect(saved.tags).toEqual(["newsletter", "vip"]);
    expect(saved.address).toEqual({ ...customer.address, country: "Norway", countryCode: "NO", province: null, provinceCode: null });
    expect(saved.email).toEqual({ ...customer.email, address: "new.address@example.com" });
    expect(receivedSince(before).map((w) => w.topic)).toEqual(["customers/update"]);
    expect(html).toContain(`Country: ${customer.address!.countryCode} → NO`);
  });

  it("refuses invalid input with a 400 page saying why, and changes and sends nothing", async () => {
    const customer = pick((c) => c.email !== null && c.phone !== null);
    const other = [...store().customers()].find((c) => c.id !== customer.id && c.email)!;
    const before = receiver.received.length;
    const cases: [Partial<CustomerFormValues> | Record<string, string>, string][] = [
      [{ email: "not-an-email", firstName: "Changed" }, "&quot;not-an-email&quot; is not a valid email address."],
      [{ emailMarketingState: "OPTED_IN" }, "Email marketing must be one of SUBSCRIBED, NOT_SUBSCRIBED, UNSUBSCRIBED, PENDING (got &quot;OPTED_IN&quot;)."],
      [{ emailMarketingState: "INVALID" }, "Email marketing must be one of"],
      [{ smsMarketingState: "subscribed" }, "SMS marketing must be one of"],
      [{ phone: "070 123 45 67" }, "is not in E.164 format"],
      [{ email: other.email!.address.toUpperCase() }, "Email has already been taken"],
      [{ email: "", emailMarketingState: "SUBSCRIBED" }, "A customer without an email address cannot have email marketing SUBSCRIBED."],
      [{ countryCode: "XX" }, "Country &quot;XX&quot; is not one of"],
      [{ firstName: "x".repeat(256) }, "First name is longer than 255 characters."],
      [{ firstName: "", lastName: "", email: "", phone: "", emailMarketingState: "NOT_SUBSCRIBED", smsMarketingState: "NOT_SUBSCRIBED" }, "A customer needs a name"],
      [{ admin: "1" }, "Unknown field &quot;admin&quot;."],
    ];
    for (const [changes, message] of cases) {
      const response = await post(pageUrl(customer.id), form(customer, changes));
      const html = await response.text();
      expect({ changes, status: response.status }).toEqual({ changes, status: 400 });
      expect(html, JSON.stringify(changes)).toContain(message);
      expect(html).toContain('role="alert"');
      expect(html).toContain("Nothing was changed");
    }
    const { tags: _tags, ...missingTags } = form(customer);
    const missing = await post(pageUrl(customer.id), missingTags);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("The field &quot;tags&quot; is missing.");

    expect(store().getCustomer(customer.id)).toEqual(customer); // updatedAt included: never rewritten
    expect(receiver.received.length).toBe(before);
  });

  it("keeps a state only Shopify sets (INVALID) when the form leaves it as it is", async () => {
    const customer = pick((c) => c.email?.marketingState === "INVALID");
    const before = receiver.received.length;
    await follow(await post(pageUrl(customer.id), form(customer, { lastName: "Kept" })));
    expect(store().getCustomer(customer.id)!.email).toEqual(customer.email);
    expect(receivedSince(before).map((w) => w.topic)).toEqual(["customers/update"]);
  });

  it("sends nothing when the form changes nothing, and says so", async () => {
    const customer = pick(() => true);
    const before = receiver.received.length;
    const { html } = await follow(await post(pageUrl(customer.id), form(customer)));
    expect(html).toContain("Nothing changed, so no webhook was sent.");
    expect(store().getCustomer(customer.id)).toEqual(customer);
    expect(receiver.received.length).toBe(before);
  });

  it("places an order: the customer's orders change and orders/create is sent", async () => {
    const customer = pick(() => true);
    const before = receiver.received.length;
    const { html } = await follow(await post(`${pageUrl(customer.id)}/orders`, { total: "120.5" }));
    const after = store().getCustomer(customer.id)!;
    expect(after.numberOfOrders).toBe(customer.numberOfOrders + 1);
    expect(after.amountSpentCents).toBe(customer.amountSpentCents + 12_050);
    const received = receivedSince(before);
    expect(received.map((w) => w.topic)).toEqual(["orders/create"]);
    expect(received[0].payload).toMatchObject({ total_price: "120.50", currency: "SEK", customer: { id: customer.id } });
    expect(html).toContain(`Order ${after.lastOrder!.name} placed: 120.50 SEK.`);
    expect(html).toContain("orders/create</code> → 200");

    for (const total of ["0", "-5", "12.345", "abc"]) {
      const refused = await post(`${pageUrl(customer.id)}/orders`, { total });
      expect(refused.status, total).toBe(400);
    }
    expect(store().getCustomer(customer.id)).toEqual(after);
  });

  it("deletes a customer, sends customers/delete and goes back to the list", async () => {
    const customer = pick(() => true);
    const before = receiver.received.length;
    const { location, html } = await follow(await post(`${pageUrl(customer.id)}/delete`, {}));
    expect(location).toMatch(new RegExp(`^/admin/${TEST_SHOP}/customers\\?sent=`));
    expect(store().getCustomer(customer.id)).toBeNull();
    const received = receivedSince(before);
    expect(received.map((w) => w.topic)).toEqual(["customers/delete"]);
    expect(received[0].payload).toMatchObject({ id: customer.id });
    expect(html).toContain(`(${customer.id}) deleted.`);
    expect(html).toContain("customers/delete</code> → 200");
    expect((await fetch(pageUrl(customer.id))).status).toBe(404);
    expect((await post(`${pageUrl(customer.id)}/delete`, {})).status).toBe(404);
  });

  it("shows the app's answer when it is not 200, and when the app cannot be reached", async () => {
    const customer = pick((c) => c.firstName !== "Ada");
    appStatus = 401;
    const { html } = await follow(await post(pageUrl(customer.id), form(customer, { firstName: "Ada" })));
    expect(html).toContain("customers/update</code> → 401");

    const closed = await startWebhookReceiver();
    await closed.close();
    const offline = await startTestSandbox({ appUrl: closed.url });
    const someone = [...offline.store(TEST_SHOP).customers()][0];
    const response = await post(`${offline.url}/admin/${TEST_SHOP}/customers/${someone.id}`, form(someone, { firstName: "Offline" }));
    const page = await fetch(new URL(response.headers.get("location")!, offline.url));
    expect(await page.text()).toMatch(/customers\/update<\/code> → not delivered \(.+\)/);
    await offline.close();
  });

  it("refuses a form posted from another site, and anything but a URL-encoded form", async () => {
    const customer = pick(() => true);
    const before = receiver.received.length;
    const crossSite = await post(pageUrl(customer.id), form(customer, { firstName: "Mallory" }), { origin: "http://evil.example" });
    expect(crossSite.status).toBe(403);
    const json = await fetch(pageUrl(customer.id), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(form(customer)) });
    expect(json.status).toBe(415);
    const sameSite = await post(pageUrl(customer.id), form(customer, { firstName: "Sam" }), { origin: sandbox.url });
    expect(sameSite.status).toBe(303);
    expect(store().getCustomer(customer.id)!.firstName).toBe("Sam");
    expect(receiver.received.length).toBe(before + 1);
    expect((await fetch(`${pageUrl(customer.id)}/orders`)).status).toBe(405);
  });
});

describe("the customer list", () => {
  it("lists customers with links, searches by email and country, and pages on", async () => {
    const list = await fetch(`${sandbox.url}/admin/${TEST_SHOP}/customers`);
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain("<h1>Customers</h1>");
    const first = [...store().customers()][0];
    expect(html).toContain(`href="/admin/${TEST_SHOP}/customers/${first.id}"`);
    expect(html.match(/<tr><td><a /g)).toHaveLength(50);
    const next = /href="([^"]+after=\d+)"/.exec(html)![1].replaceAll("&amp;", "&");
    expect((await (await fetch(new URL(next, sandbox.url))).text()).match(/<tr><td><a /g)).toHaveLength(store().count() - 50);

    const target = [...store().customers()].find((c) => c.email && c.address)!;
    const byEmail = await (await fetch(`${sandbox.url}/admin/${TEST_SHOP}/customers?q=${encodeURIComponent(target.email!.address.toUpperCase())}`)).text();
    expect(byEmail.match(/<tr><td><a /g)).toHaveLength(1);
    expect(byEmail).toContain(`/customers/${target.id}"`);

    const country = target.address!.countryCode;
    const byCountry = await (await fetch(`${sandbox.url}/admin/${TEST_SHOP}/customers?country=${country}`)).text();
    expect(byCountry.match(/<tr><td><a /g)).toHaveLength([...store().customers()].filter((c) => c.address?.countryCode === country).length);
    expect((await fetch(`${sandbox.url}/admin/${TEST_SHOP}/customers?country=ZZ`)).status).toBe(400);
    expect((await fetch(`${sandbox.url}/admin/nope.myshopify.com/customers`)).status).toBe(404);
  });

  it("is linked from the store picker and from the admin's navigation bar (the App Bridge stand-in)", async () => {
    expect(await (await fetch(`${sandbox.url}/`)).text()).toContain(`href="/admin/${TEST_SHOP}/customers"`);
    const script = await (await fetch(sandbox.appBridgeUrl)).text();
    expect(script).toContain('"/admin/" + encodeURIComponent(shop) + "/customers"');
    expect(script).toContain("Customers (Shopify admin)");
  });
});
