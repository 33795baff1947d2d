import type { AgreementSource } from "../../components/agreement";
import { getAdestraConnectionSummary } from "../../models/adestra-connection.server";
import { countAdestraLinksByTarget, listAdestraLinksOfCustomers, listTarget, unsubTarget } from "../../models/adestra-profile-link.server";
import { getSendSettingsRows } from "../../models/adestra-send-settings.server";
import { groupBy } from "../../utils/group-by";
import { adestraAgreementRows, adestraVerdict } from "./rules/agreement";

const TITLE = "Adestra";

/**
 * What the comparison needs from the shop's settings: the names of the lists it knows (the saved send choices'
 * lists, the connection's unsub list), and whether every saved choice sends subscribers only (no saved
 * choice: the stricter reading, so nothing that may be mailed is hidden).
 */
async function sendContext(shopId: string) {
  const [connection, settings] = await Promise.all([getAdestraConnectionSummary({ shopId }), getSendSettingsRows({ shopId })]);
  const rows = [settings.onDemand, settings.auto].filter((row) => row !== null);
  const names = new Map<string, string>();
  for (const row of rows) if (row.listId !== null && row.listName) names.set(listTarget(row.listId), row.listName);
  if (connection?.unsubListId != null && connection.unsubListName) names.set(unsubTarget(connection.unsubListId), connection.unsubListName);
  return { connected: connection !== null, names, subscribersOnly: rows.every((row) => row.profileGroup === "subscribers") };
}

/** Adestra on the Subscriber counts page (rules/agreement.ts): its lists' contacts and unsub lists' addresses. */
export const adestraAgreement: AgreementSource = {
  title: TITLE,
  async summarize({ shopId, shopify }) {
    const [targets, { connected, names, subscribersOnly }] = await Promise.all([countAdestraLinksByTarget({ shopId }), sendContext(shopId)]);
    const last = targets.reduce<Date | null>((latest, t) => (t.lastSyncedAt && (!latest || t.lastSyncedAt > latest) ? t.lastSyncedAt : latest), null);
    return {
      destination: "adestra",
      title: TITLE,
      connected,
      written: targets.reduce((sum, t) => sum + t.customers, 0),
      lastWrittenAt: last?.toISOString() ?? null,
      rows: adestraAgreementRows({ shopify, targets, names, subscribersOnly }),
      notes: subscribersOnly ? [] : ["A saved send choice sends All profiles, so the list also holds customers who are not subscribed."],
    };
  },
  async compareCustomers({ shopId, members }) {
    const [links, { names, subscribersOnly }] = await Promise.all([
      listAdestraLinksOfCustomers({ shopId, customerIds: members.map((m) => m.customerId) }),
      sendContext(shopId),
    ]);
    const byCustomer = groupBy(links, (link) => link.customerId);
    return members.map((member) => adestraVerdict({ member, links: byCustomer.get(member.customerId) ?? [], names, subscribersOnly }));
  },
};
