/**
 * The admin's customer pages, standing in for Shopify admin's Customers: a merchant edits a customer, places an
 * order for them or deletes them, and the sandbox sends the app the webhooks Shopify would. Server-rendered HTML
 * (no script of its own; the customer page embeds the app's blocks, routes/admin-blocks.ts), post/redirect/get:
 *  - `GET  /admin/{shop}/customers[?q=&country=&after=]` lists customers, 50 at a time, by email or name and country;
 *  - `GET  /admin/{shop}/customers/{id}[?sent=…]` shows one, the edit form, and what the last action sent;
 *  - `POST /admin/{shop}/customers/{id}` saves the form (customer-form.ts validates it), then sends customers/update,
 *    plus customers_email_marketing_consent/update when the email marketing state changed and
 *    customers_marketing_consent/update when the SMS one did;
 *  - `POST /admin/{shop}/customers/{id}/orders` places an order (`total`), then sends orders/create;
 *  - `POST /admin/{shop}/customers/{id}/delete` deletes the customer, then sends customers/delete.
 * A POST answers 303 to the page, which shows each webhook's topic and the app's HTTP status ("customers/update
 * → 200"). Invalid input answers 400 with the reasons and changes nothing. A POST whose Origin is another site
 * is refused (403), so no other page open in the browser can change the store.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { customerGid, displayName, formatMoney, type SandboxCustomer } from "../customer";
import {
  type CustomerFormValues,
  EDITOR_COUNTRIES,
  formValuesOf,
  parseCustomerForm,
  SETTABLE_MARKETING_STATES,
} from "../customer-form";
import { escapeHtml, readBody, sendText } from "../http";
import type { SandboxStore } from "../store";
import type { WebhookDelivery } from "../webhooks/payloads";
import type { WebhookSender } from "../webhooks/sender";
import { customerBlocksSection } from "./admin-blocks";

const PAGE_SIZE = 50;
/** A search stops after this many customers and offers to go on, so a huge store never stalls a request. */
const SCAN_LIMIT = 100_000;
/** Recent action results kept for the redirected page (memory only: a restart forgets them). */
const FLASHES_KEPT = 200;
const DEFAULT_ORDER_TOTAL = "49.90";

const PATH = /^\/admin\/([^/]+)\/customers(?:\/(\d{1,20})(?:\/(orders|delete))?)?\/?$/;

export type CustomerRoute = { shop: string; customerId: number | null; action: "orders" | "delete" | null };

export function matchCustomerRoute(pathname: string): CustomerRoute | null {
  const match = PATH.exec(pathname);
  if (!match) return null;
  return { shop: match[1], customerId: match[2] === undefined ? null : Number(match[2]), action: (match[3] as CustomerRoute["action"]) ?? null };
}

/** One webhook as the page reports it. */
export type SentWebhook = { topic: string; status: number; error?: string };

type Flash = { shop: string; customerId: number; summary: string; changes: string[]; sent: SentWebhook[] };

export type CustomerAdmin = {
  handle(route: CustomerRoute, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void>;
};

export function createCustomerAdmin(context: SandboxContext, webhooks: WebhookSender): CustomerAdmin {
  const flashes = new Map<string, Flash>();
  const remember = (flash: Flash) => {
    const key = randomBytes(9).toString("base64url");
    flashes.set(key, flash);
    for (const oldest of flashes.keys()) {
      if (flashes.size <= FLASHES_KEPT) break;
      flashes.delete(oldest);
    }
    return key;
  };
  const recall = (url: URL, shop: string, customerId: number | null) => {
    const flash = flashes.get(url.searchParams.get("sent") ?? "");
    return flash && flash.shop === shop && (customerId === null || flash.customerId === customerId) ? flash : undefined;
  };

  /** Sends one after another, as Shopify's separate topics arrive; reports each attempt's status. */
  const send = async (deliveries: WebhookDelivery[]): Promise<SentWebhook[]> => {
    const sent: SentWebhook[] = [];
    for (const delivery of deliveries) {
      const [status] = await webhooks.send(delivery);
      const error = [...webhooks.attempts()].reverse().find((attempt) => attempt.eventId === delivery.eventId)?.error;
      sent.push({ topic: delivery.topic, status, ...(error ? { error } : {}) });
    }
    return sent;
  };

  return {
    async handle(route, request, response, url) {
      const runtime = context.shops.get(route.shop);
      if (!runtime) return sendHtml(response, 404, errorPage("Not found", [`The sandbox has no store "${route.shop}".`], null));
      const { store } = runtime;
      const method = request.method ?? "GET";
      const base = `/admin/${store.domain}/customers`;

      if (route.customerId === null) {
        if (method !== "GET") return methodNotAllowed(response, "GET");
        return listCustomers(store, url, recall(url, store.domain, null), response);
      }
      const allowed = route.action ? "POST" : "GET, POST";
      if (!allowed.split(", ").includes(method)) return methodNotAllowed(response, allowed);

      const customer = store.getCustomer(route.customerId);
      if (!customer) {
        return sendHtml(response, 404, errorPage("Customer not found", [`${store.name} has no customer ${route.customerId} (it may have been deleted).`], store));
      }
      if (method === "GET") return sendHtml(response, 200, customerPage(store, customer, { flash: recall(url, store.domain, customer.id) }));

      const refused = refusePost(request);
      if (refused) return sendHtml(response, refused.status, errorPage(refused.title, [refused.message], store));
      const form = new URLSearchParams(await readBody(request));
      const pageUrl = `${base}/${customer.id}`;

      if (route.action === null) {
        const parsed = parseCustomerForm(form, customer, store);
        if (!parsed.ok) return sendHtml(response, 400, customerPage(store, customer, { errors: parsed.errors, values: parsed.values }));
        const { edit } = parsed;
        if (!edit.changes.length) {
          return seeOther(response, `${pageUrl}?sent=${remember({ shop: store.domain, customerId: customer.id, summary: "Nothing changed, so no webhook was sent.", changes: [], sent: [] })}`);
        }
        store.updateCustomer(customer.id, edit.patch);
        const build = webhooks.build;
        const deliveries = [build.customersUpdate(store.domain, customer.id)];
        if (edit.emailConsentChanged) deliveries.push(build.customersEmailMarketingConsentUpdate(store.domain, customer.id));
        if (edit.smsConsentChanged) deliveries.push(build.customersMarketingConsentUpdate(store.domain, customer.id));
        const sent = await send(deliveries);
        return seeOther(response, `${pageUrl}?sent=${remember({ shop: store.domain, customerId: customer.id, summary: "Customer saved.", changes: edit.changes, sent })}`);
      }

      if (route.action === "orders") {
        const total = parseOrderForm(form);
        if ("errors" in total) return sendHtml(response, 400, customerPage(store, customer, { errors: total.errors, orderTotal: form.get("total") ?? "" }));
        const order = store.createOrder(customer.id, { totalPriceCents: total.cents });
        const sent = await send([webhooks.build.ordersCreate(store.domain, order)]);
        const summary = `Order ${order.name} placed: ${formatMoney(order.totalPriceCents, "rest")} ${store.currencyCode}.`;
        return seeOther(response, `${pageUrl}?sent=${remember({ shop: store.domain, customerId: customer.id, summary, changes: [], sent })}`);
      }

      const unexpected = [...new Set(form.keys())];
      if (unexpected.length) return sendHtml(response, 400, customerPage(store, customer, { errors: unexpected.map((key) => `Unknown field "${key}".`) }));
      store.deleteCustomer(customer.id);
      const sent = await send([webhooks.build.customersDelete(store.domain, customer.id)]);
      const summary = `Customer ${displayName(customer) || customer.id} (${customer.id}) deleted.`;
      return seeOther(response, `${base}?sent=${remember({ shop: store.domain, customerId: customer.id, summary, changes: [], sent })}`);
    },
  };
}

/** A browser's cross-site POST carries another Origin; a form must be URL-encoded (what a plain HTML form sends). */
function refusePost(request: IncomingMessage): { status: number; title: string; message: string } | null {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    if (host === null || host !== request.headers.host) {
      return { status: 403, title: "Forbidden", message: `A form from ${origin} cannot change this store: open the sandbox's own customer page.` };
    }
  }
  const type = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    return { status: 415, title: "Unsupported media type", message: `Send the form as application/x-www-form-urlencoded (got ${type || "no content type"}).` };
  }
  return null;
}

function parseOrderForm(form: URLSearchParams): { cents: number } | { errors: string[] } {
  const errors = [...new Set(form.keys())].filter((key) => key !== "total").map((key) => `Unknown field "${key}".`);
  const totals = form.getAll("total");
  if (totals.length !== 1) errors.push(totals.length ? 'The field "total" is given more than once.' : 'The field "total" is missing.');
  const match = /^(\d{1,7})(?:\.(\d{1,2}))?$/.exec((totals[0] ?? "").trim());
  if (totals.length === 1 && !match) errors.push(`The order total "${totals[0]}" is not an amount like 49.90.`);
  if (errors.length || !match) return { errors };
  const cents = Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
  if (cents === 0) return { errors: ["The order total must be more than 0."] };
  return { cents };
}

function listCustomers(store: SandboxStore, url: URL, flash: Flash | undefined, response: ServerResponse): void {
  const q = (url.searchParams.get("q") ?? "").trim();
  const country = (url.searchParams.get("country") ?? "").trim();
  const afterRaw = url.searchParams.get("after") ?? "";
  const errors: string[] = [];
  if (q.length > 200) errors.push("The search is longer than 200 characters.");
  if (country && !EDITOR_COUNTRIES.some((c) => c.code === country)) errors.push(`Country "${country}" is not one of ${EDITOR_COUNTRIES.map((c) => c.code).join(", ")}.`);
  if (afterRaw && !/^\d{1,20}$/.test(afterRaw)) errors.push(`"after" must be a customer id (got "${afterRaw}").`);
  if (errors.length) return sendHtml(response, 400, errorPage("Bad search", errors, store));

  const needle = q.toLowerCase();
  const byId = /^(?:gid:\/\/shopify\/Customer\/)?(\d+)$/.exec(q)?.[1];
  const matches = (c: SandboxCustomer) =>
    (!country || c.address?.countryCode === country) &&
    (!needle ||
      String(c.id) === byId ||
      (c.email?.address.toLowerCase().includes(needle) ?? false) ||
      [c.firstName, c.lastName].filter(Boolean).join(" ").toLowerCase().includes(needle));
  const found: SandboxCustomer[] = [];
  let scanned = 0;
  let lastScanned: number | null = null;
  let more = false;
  for (const customer of store.customers({ afterId: afterRaw ? Number(afterRaw) : undefined })) {
    if (matches(customer)) {
      if (found.length === PAGE_SIZE) {
        more = true;
        break;
      }
      found.push(customer);
    }
    lastScanned = customer.id;
    if (++scanned >= SCAN_LIMIT) {
      more = true;
      break;
    }
  }
  const nextAfter = found.length === PAGE_SIZE ? found[PAGE_SIZE - 1].id : lastScanned;
  const params = (after: number) => new URLSearchParams({ ...(q ? { q } : {}), ...(country ? { country } : {}), after: String(after) });
  const base = `/admin/${store.domain}/customers`;
  const rows = found
    .map(
      (c) => `<tr><td><a href="${base}/${c.id}">${escapeHtml(displayName(c) || `Customer ${c.id}`)}</a></td><td>${cell(c.email?.address)}</td><td>${cell(c.email?.marketingState)}</td>` +
        `<td>${cell(c.phone?.number)}</td><td>${cell(c.phone?.marketingState)}</td><td>${cell(c.address?.countryCode)}</td><td>${c.numberOfOrders}</td></tr>`,
    )
    .join("\n");
  const countryOptions = [`<option value="">Any country</option>`, ...EDITOR_COUNTRIES.map((c) => option(c.code, `${c.code} — ${c.name}`, country))].join("");
  const filtered = Boolean(q || country);
  const body = `${flashSection(flash)}
<form method="get" action="${base}" role="search" aria-label="Search customers" class="row">
<div><label for="q">Email, name or id</label><input id="q" name="q" type="search" value="${escapeHtml(q)}"></div>
<div><label for="country">Country</label><select id="country" name="country">${countryOptions}</select></div>
<div><button type="submit">Search</button>${filtered ? ` <a href="${base}">Clear</a>` : ""}</div>
</form>
${
  found.length
    ? `<table><caption>${filtered ? "Customers matching the search" : "Customers"}, in id order${afterRaw ? ", continued" : ""}</caption>
<thead><tr><th scope="col">Customer</th><th scope="col">Email</th><th scope="col">Email marketing</th><th scope="col">Phone</th><th scope="col">SMS marketing</th><th scope="col">Country</th><th scope="col">Orders</th></tr></thead>
<tbody>
${rows}
</tbody></table>`
    : `<p>No customers${filtered ? " match the search" : ""}${afterRaw ? " after this point" : ""}.</p>`
}
${more && nextAfter !== null ? `<p><a href="${base}?${params(nextAfter)}">${found.length === PAGE_SIZE ? `Next ${PAGE_SIZE} customers` : `Searched ${SCAN_LIMIT.toLocaleString("en-US")} customers: search on`}</a></p>` : ""}`;
  sendHtml(response, 200, layout(`Customers`, `${store.name}: ${store.count().toLocaleString("en-US")} customers. Open one to edit it, place an order or delete it; the app gets the webhooks Shopify would send.`, body, store));
}

type CustomerPageState = { flash?: Flash; errors?: string[]; values?: CustomerFormValues; orderTotal?: string };

function customerPage(store: SandboxStore, customer: SandboxCustomer, state: CustomerPageState): string {
  const base = `/admin/${store.domain}/customers/${customer.id}`;
  const values = state.values ?? formValuesOf(customer);
  const field = (id: string, name: keyof CustomerFormValues, label: string, attributes = "") =>
    `<div><label for="${id}">${label}</label><input id="${id}" name="${name}" value="${escapeHtml(values[name])}"${attributes}></div>`;
  const stateSelect = (id: string, name: "emailMarketingState" | "smsMarketingState", label: string, ownState: string | undefined, shopifyOnly: string) => {
    const states: string[] = [...SETTABLE_MARKETING_STATES];
    if (ownState === shopifyOnly) states.push(shopifyOnly);
    if (!states.includes(values[name])) states.push(values[name]); // a refused value stays visible, selected
    return `<div><label for="${id}">${label}</label><select id="${id}" name="${name}">${states.map((s) => option(s, s === shopifyOnly ? `${s} (set by Shopify)` : s, values[name])).join("")}</select></div>`;
  };
  const countries = [option("", "No address", values.countryCode), ...EDITOR_COUNTRIES.map((c) => option(c.code, `${c.code} — ${c.name}`, values.countryCode))];
  if (values.countryCode && !EDITOR_COUNTRIES.some((c) => c.code === values.countryCode)) countries.push(option(values.countryCode, values.countryCode, values.countryCode));
  const errors = state.errors?.length
    ? `<section role="alert" aria-labelledby="errors-heading" class="errors"><h2 id="errors-heading">Nothing was changed</h2><ul>${state.errors.map((e) => `<li>${escapeHtml(e)}</li>`).join("")}</ul></section>`
    : "";
  const body = `${flashSection(state.flash)}${errors}
<section aria-labelledby="details-heading"><h2 id="details-heading">Details</h2>${details(store, customer)}</section>
${customerBlocksSection(store, customer.id)}
<form method="post" action="${base}" aria-labelledby="edit-heading">
<h2 id="edit-heading">Edit customer</h2>
<fieldset><legend>Name</legend>${field("first-name", "firstName", "First name", ' autocomplete="off"')}${field("last-name", "lastName", "Last name", ' autocomplete="off"')}</fieldset>
<fieldset><legend>Email</legend>${field("email", "email", "Email address", ' type="email" autocomplete="off"')}${stateSelect("email-marketing", "emailMarketingState", "Email marketing", customer.email?.marketingState, "INVALID")}</fieldset>
<fieldset><legend>SMS</legend>${field("phone", "phone", "Phone (E.164, like +46701234567)", ' type="tel" autocomplete="off"')}${stateSelect("sms-marketing", "smsMarketingState", "SMS marketing", customer.phone?.marketingState, "REDACTED")}</fieldset>
<fieldset><legend>More</legend>${field("tags", "tags", "Tags (comma-separated)", ' autocomplete="off"')}<div><label for="country">Country</label><select id="country" name="countryCode">${countries.join("")}</select></div></fieldset>
<p class="hint">Saving sends customers/update; also customers_email_marketing_consent/update when the email marketing state changes, and customers_marketing_consent/update when the SMS one does.</p>
<button type="submit">Save</button>
</form>
<form method="post" action="${base}/orders" aria-labelledby="order-heading">
<h2 id="order-heading">Orders</h2>
<div><label for="order-total">Order total (${escapeHtml(store.currencyCode)})</label><input id="order-total" name="total" inputmode="decimal" value="${escapeHtml(state.orderTotal ?? DEFAULT_ORDER_TOTAL)}"></div>
<p class="hint">Places a paid order for this customer (their order count, amount spent and last order change) and sends orders/create.</p>
<button type="submit">Place an order</button>
</form>
<form method="post" action="${base}/delete" aria-labelledby="delete-heading">
<h2 id="delete-heading">Delete</h2>
<p class="hint">Deletes the customer from the store and sends customers/delete.</p>
<button type="submit" class="danger">Delete customer</button>
</form>`;
  return layout(displayName(customer) || `Customer ${customer.id}`, null, body, store);
}

function details(store: SandboxStore, c: SandboxCustomer): string {
  const consent = (state: string | undefined, level: string | null | undefined, at: string | null | undefined, from?: string | null) =>
    state ? [state, level ? `opt-in level ${level}` : null, at ? `changed ${at}` : "never changed", from ? `collected from ${from}` : null].filter(Boolean).join(", ") : "—";
  const a = c.address;
  const rows: [string, string][] = [
    ["Customer id", customerGid(c.id)],
    ["Account", c.state],
    ["Email", c.email ? `${c.email.address}${c.verifiedEmail ? " (verified)" : ""}` : "—"],
    ["Email marketing", consent(c.email?.marketingState, c.email?.marketingOptInLevel, c.email?.marketingUpdatedAt)],
    ["Phone", c.phone?.number ?? "—"],
    ["SMS marketing", consent(c.phone?.marketingState, c.phone?.marketingOptInLevel, c.phone?.marketingUpdatedAt, c.phone?.marketingCollectedFrom)],
    ["Tags", c.tags.join(", ") || "—"],
    ["Address", a ? [a.address1, [a.zip, a.city].filter(Boolean).join(" "), a.province, `${a.country} (${a.countryCode})`].filter(Boolean).join(", ") : "—"],
    ["Locale", c.locale],
    ["Orders", `${c.numberOfOrders}, ${formatMoney(c.amountSpentCents, "rest")} ${store.currencyCode} spent${c.lastOrder ? `; last ${c.lastOrder.name} on ${c.lastOrder.createdAt}` : ""}`],
    ["Created", c.createdAt],
    ["Updated", c.updatedAt],
  ];
  return `<dl>${rows.map(([term, value]) => `<dt>${term}</dt><dd>${escapeHtml(value)}</dd>`).join("")}</dl>`;
}

/** What the last action did and sent: one line per webhook, "customers/update → 200". */
function flashSection(flash: Flash | undefined): string {
  if (!flash) return "";
  const sent = flash.sent
    .map((s) => `<li><code>${escapeHtml(s.topic)}</code> → ${s.status ? s.status : `not delivered${s.error ? ` (${escapeHtml(s.error)})` : ""}`}</li>`)
    .join("");
  const ok = flash.sent.every((s) => s.status >= 200 && s.status < 300);
  return `<section role="status" aria-labelledby="sent-heading" class="${ok ? "sent" : "sent failed"}"><h2 id="sent-heading">${escapeHtml(flash.summary)}</h2>
${flash.changes.length ? `<ul>${flash.changes.map((c) => `<li>${escapeHtml(c)}</li>`).join("")}</ul>` : ""}
${flash.sent.length ? `<p>Webhooks sent to the app (its HTTP answer):</p><ul data-testid="sent-webhooks">${sent}</ul>` : ""}</section>`;
}

const cell = (value: string | null | undefined) => (value ? escapeHtml(value) : "—");
const option = (value: string, label: string, selected: string) =>
  `<option value="${escapeHtml(value)}"${value === selected ? " selected" : ""}>${escapeHtml(label)}</option>`;

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f1f1f1}
header{background:#1a1a1a;padding:10px 16px}header a{color:#e3e3e3;margin-right:18px}
main{max-width:960px;margin:0 auto;padding:8px 16px 40px}
form,section{background:#fff;border-radius:10px;padding:12px 16px;margin:14px 0}
fieldset{border:1px solid #ddd;border-radius:8px;margin:0 0 10px;display:flex;flex-wrap:wrap;gap:12px}
label{display:block;font-weight:600;font-size:13px}input,select{font:inherit;padding:4px 6px;min-width:14em}
.row{display:flex;flex-wrap:wrap;gap:12px;align-items:end}button{font:inherit;padding:6px 14px;cursor:pointer}
.danger{color:#8e1f0b}.hint{color:#555;font-size:13px}.errors{border:2px solid #8e1f0b}.sent{border:2px solid #0c5132}.failed{border-color:#8e1f0b}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee}
caption{text-align:left;padding:6px 0;color:#555}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}dt{font-weight:600}dd{margin:0}`;

function layout(title: string, intro: string | null, body: string, store: SandboxStore | null): string {
  const nav = store
    ? `<a href="/">Stores</a><a href="/admin/${escapeHtml(store.domain)}">Open the app</a><a href="/admin/${escapeHtml(store.domain)}/customers">Customers</a>`
    : `<a href="/">Stores</a>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${escapeHtml(title)}${store ? ` · ${escapeHtml(store.name)}` : ""} · Shopify sandbox admin</title><style>${STYLE}</style></head>
<body><header><nav aria-label="Shopify sandbox admin">${nav}</nav></header><main>
<h1>${escapeHtml(title)}</h1>${intro ? `<p>${escapeHtml(intro)}</p>` : ""}
${body}
</main></body></html>`;
}

function errorPage(title: string, messages: string[], store: SandboxStore | null): string {
  return layout(title, null, `<section role="alert"><ul>${messages.map((m) => `<li>${escapeHtml(m)}</li>`).join("")}</ul></section>`, store);
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  sendText(response, status, "text/html; charset=utf-8", html, { "cache-control": "no-store" });
}

function seeOther(response: ServerResponse, location: string): void {
  response.writeHead(303, { location, "content-length": 0, "cache-control": "no-store" });
  response.end();
}

function methodNotAllowed(response: ServerResponse, allow: string): void {
  sendText(response, 405, "text/plain; charset=utf-8", `Method not allowed (allowed: ${allow})`, { allow });
}
