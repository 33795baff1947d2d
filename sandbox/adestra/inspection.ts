/**
 * The Adestra sandbox's inspection page (sandbox/inspection.ts: read-only, loopback only, no credentials): per
 * account, its core tables with the contacts the app wrote (stored fields, the lists each is on, the unsub lists
 * its address is on), the lists with their member counts, the unsub lists with their addresses, and the call
 * counters and imports. `GET /_sandbox/inspect` (HTML) and `/_sandbox/inspect.json`, `?q=` (an email, any field
 * value), `offset`, `limit` (contacts per table, addresses per unsub list).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { handleInspection, inspectAccounts, inspectionHtml as html, type InspectionQuery, pageOf } from "../inspection";
import type { SandboxAccount } from "./account";
import type { SandboxContact } from "./model";

type ContactView = { id: number; fields: Record<string, string>; lists: number[]; unsubscribed: number[] };

function contactView(account: SandboxAccount, contact: SandboxContact): ContactView {
  const { data } = account;
  const email = (contact.fields.email ?? "").toLowerCase();
  return {
    id: contact.id,
    fields: { ...contact.fields },
    lists: [...data.lists.values()].filter((list) => list.members.has(contact.id)).map((list) => list.id),
    unsubscribed: [...data.unsubLists.values()].filter((unsub) => unsub.emails.has(email)).map((unsub) => unsub.id),
  };
}

function accountJson(account: SandboxAccount, query: InspectionQuery) {
  const { data } = account;
  const contacts = [...data.contacts.values()];
  const { imports, ...stats } = account.stats();
  return {
    name: account.name,
    login: account.login,
    coreTables: account.coreTables().map((table) => {
      const page = pageOf(query, contacts.filter((contact) => contact.tableId === table.id), (contact) => Object.values(contact.fields));
      return { ...table, contacts: { ...page, items: page.items.map((contact) => contactView(account, contact)) } };
    }),
    lists: [...data.lists.values()].map(({ id, name, tableId, workspaceId, members }) => ({ id, name, tableId, workspaceId, members: members.size })),
    unsubLists: [...data.unsubLists.values()].map(({ id, name, emails }) => ({ id, name, addresses: pageOf(query, [...emails].sort(), (email) => [email]) })),
    stats,
    imports: imports.map(({ rejections, ...record }) => ({ ...record, rejections: rejections.slice(0, 20) })),
  };
}

function accountHtml(account: SandboxAccount, query: InspectionQuery): string {
  const view = accountJson(account, query);
  const listName = new Map(view.lists.map((list) => [list.id, list.name]));
  const unsubName = new Map(view.unsubLists.map((unsub) => [unsub.id, unsub.name]));
  const named = (ids: number[], names: Map<number, string>) => ids.map((id) => `${html.escape(names.get(id) ?? "?")} (${id})`).join(", ") || `<span class="none">—</span>`;
  const tables = view.coreTables
    .map((table) => {
      const rows = table.contacts.items.map((contact) => [
        String(contact.id),
        ...table.fields.map((field) => html.value(contact.fields[field] ?? null)),
        named(contact.lists, listName),
        named(contact.unsubscribed, unsubName),
      ]);
      return `<h3>Core table ${html.escape(table.name)} (${table.id})</h3>
${html.pager(query, table.contacts, "Contacts")}
${html.table(`Contacts of ${table.name}`, ["Contact", ...table.fields, "Lists", "Unsubscribed on"], rows)}`;
    })
    .join("\n");
  const unsubs = view.unsubLists
    .map((unsub) => `<h3>Unsub list ${html.escape(unsub.name)} (${unsub.id})</h3>${html.pager(query, unsub.addresses, "Addresses")}
${unsub.addresses.items.length ? `<ul>${unsub.addresses.items.map((email) => `<li>${html.escape(email)}</li>`).join("")}</ul>` : ""}`)
    .join("\n");
  const served = Object.entries(view.stats.served).map(([method, count]) => `${html.escape(method)} ${count}`).join(", ") || "none";
  return `<section aria-labelledby="account-${html.escape(account.name)}">
<h2 id="account-${html.escape(account.name)}">Account ${html.escape(account.name)} (login ${html.escape(account.login)})</h2>
<p>${view.stats.requests.toLocaleString("en-US")} requests so far, ${view.stats.rateLimited} refused by the rate limit. Calls served: ${served}.</p>
${html.table("Lists", ["List", "Name", "Core table", "Members"], view.lists.map((list) => [String(list.id), html.escape(list.name), String(list.tableId), String(list.members)]))}
${tables}
${unsubs}
${html.table(
  "Imports",
  ["Import", "List", "Status", "Imported", "Rejected", "Error"],
  view.imports.map((i) => [String(i.id), named([i.listId], listName), html.escape(i.status), String(i.imported), String(i.rejected), html.value(i.error ?? null)]),
)}
</section>`;
}

export function handleAdestraInspection(request: IncomingMessage, response: ServerResponse, url: URL, accounts: Map<string, SandboxAccount>): void {
  handleInspection(request, response, url, inspectAccounts("Adestra", accounts, { json: accountJson, html: accountHtml }));
}
