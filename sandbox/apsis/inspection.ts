/**
 * The APSIS One sandbox's inspection page (sandbox/inspection.ts: read-only, loopback only, no credentials):
 * per account, its Sections' definitions by name, and the profiles the app wrote, each with its keys and, per
 * Section, its attributes, consents (the address each was given for) and events; the imports and the request
 * counters. `GET /_sandbox/inspect` (HTML) and `/_sandbox/inspect.json` (the accounts' `profiles().items` are
 * ApsisSandboxProfile, as `account.profiles()` returns them), `?q=` (a key, an email, any attribute value),
 * `offset`, `limit`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { handleInspection, inspectAccounts, inspectionHtml as html, type InspectionQuery, pageOf } from "../inspection";
import type { ApsisSandboxProfile, SandboxAccount } from "./account";

type SectionNames = { name: string; attributes: Map<string, string>; topics: Map<string, string>; events: Map<string, string> };

function sectionNames(account: SandboxAccount): Map<string, SectionNames> {
  return new Map(
    account.config.sections.map((section) => [
      section.discriminator,
      {
        name: section.name,
        attributes: new Map(section.attributes.map((a) => [a.discriminator, a.name])),
        topics: new Map(section.topics.map((t) => [t.discriminator, t.name])),
        events: new Map(section.events.map((e) => [e.versionId, e.name])),
      },
    ]),
  );
}

/** Everything a search looks in: keys, attribute values, consent addresses. */
function profileTexts(profile: ApsisSandboxProfile): string[] {
  return [
    ...Object.values(profile.keys),
    ...Object.values(profile.sections).flatMap((data) => [
      ...Object.values(data.attributes).map(String),
      ...data.consents.map((consent) => consent.address ?? ""),
    ]),
  ];
}

const profilesPage = (account: SandboxAccount, query: InspectionQuery) => pageOf(query, account.profiles(), profileTexts);

function accountJson(account: SandboxAccount, query: InspectionQuery) {
  return {
    clientId: account.config.clientId,
    consentBinding: account.consentBinding,
    keyspaces: account.config.keyspaces,
    sections: account.config.sections.map((section) => ({
      discriminator: section.discriminator,
      name: section.name,
      attributes: section.attributes.map(({ discriminator, name, type }) => ({ discriminator, name, type })),
      topics: section.topics.map(({ discriminator, name, channel }) => ({ discriminator, name, channel: channel ?? null })),
    })),
    profiles: profilesPage(account, query),
    imports: account.imports(),
    stats: account.stats(),
  };
}

function profileHtml(profile: ApsisSandboxProfile, names: Map<string, SectionNames>): string {
  const keys = Object.entries(profile.keys).map(([keyspace, key]) => `<code>${html.escape(keyspace)}</code> = ${html.escape(key)}`).join("<br>");
  const sections = Object.entries(profile.sections)
    .map(([discriminator, data]) => {
      const section = names.get(discriminator);
      const label = section ? `${section.name} (${discriminator})` : discriminator;
      const attributes = html.table(
        `Section ${label}: attributes`,
        ["Attribute", "Discriminator", "Value"],
        Object.entries(data.attributes).map(([attribute, value]) => [html.escape(section?.attributes.get(attribute) ?? "?"), `<code>${html.escape(attribute)}</code>`, html.value(value)]),
      );
      const consents = html.table(
        `Section ${label}: consents`,
        ["Channel", "Topic", "Type", "Address", "Reason", "Source", "Modified"],
        data.consents.map((c) => [
          html.escape(c.channel),
          `${html.escape(section?.topics.get(c.topic) ?? "?")} <code>${html.escape(c.topic)}</code>`,
          html.escape(c.type),
          html.value(c.address),
          html.escape(c.reason),
          html.escape(c.source),
          html.escape(c.modifiedAt),
        ]),
      );
      const events = html.table(
        `Section ${label}: events`,
        ["Event", "Time", "Data"],
        data.events.map((e) => [html.escape(section?.events.get(e.versionId) ?? e.discriminator), html.escape(e.eventTime), html.value(e.data)]),
      );
      return `${attributes}${consents}${events}`;
    })
    .join("");
  return `<article aria-label="Profile ${html.escape(profile.profileKey)}"><h3>Profile ${html.escape(profile.profileKey)}</h3><p>${keys}</p>${sections || "<p class=\"empty\">No section data.</p>"}</article>`;
}

function accountHtml(account: SandboxAccount, query: InspectionQuery): string {
  const names = sectionNames(account);
  const page = profilesPage(account, query);
  const stats = account.stats();
  const imports = account.imports();
  const sections = [...names.entries()].map(([discriminator, section]) => `${html.escape(section.name)} (<code>${html.escape(discriminator)}</code>)`).join(", ");
  return `<section aria-labelledby="account-${html.escape(account.config.clientId)}">
<h2 id="account-${html.escape(account.config.clientId)}">Account ${html.escape(account.config.clientId)}</h2>
<p>Sections: ${sections}. Consent bound to the ${html.escape(account.consentBinding)}. ${stats.requests.toLocaleString("en-US")} requests so far (${stats.status429} answered 429).</p>
${html.pager(query, page, "Profiles")}
${page.items.map((profile) => profileHtml(profile, names)).join("\n")}
${html.table(
  "Imports",
  ["Import", "Section", "Status", "Rows", "Imported", "Skipped", "Failed", "Error"],
  imports.map((i) => [html.escape(i.id), html.escape(names.get(i.section)?.name ?? i.section), html.escape(i.status), String(i.rows), String(i.imported), String(i.skipped), String(i.failed), html.value(i.error ?? null)]),
)}
</section>`;
}

export function handleApsisInspection(request: IncomingMessage, response: ServerResponse, url: URL, accounts: Map<string, SandboxAccount>): void {
  handleInspection(request, response, url, inspectAccounts("APSIS One", accounts, { json: accountJson, html: accountHtml }));
}
