import { formatDateTime } from "../utils/format-date";
import { type AgreementPageView, type AgreementReport, type DriftPageView, type DriftView, EMAIL_STATE_LABELS } from "./agreement";

/**
 * The Subscriber counts page's views (./agreement-card.tsx): times formatted on the server in the store's
 * timezone, as the other pages do (utils/format-date.ts keeps luxon out of the browser).
 */

export function toAgreementPageView(report: AgreementReport, timeZone: string): AgreementPageView {
  return {
    customers: report.shopify.customers,
    countedAt: formatDateTime(report.countedAt, timeZone),
    timeZone,
    destinations: report.destinations.map(({ lastWrittenAt, ...card }) => ({ ...card, lastWritten: formatDateTime(lastWrittenAt, timeZone) })),
  };
}

export function toDriftPageView(drift: DriftView, timeZone: string): DriftPageView {
  return {
    ...drift,
    timeZone,
    customers: drift.customers.map((c) => {
      const since = formatDateTime(c.shopifyStateAt, timeZone);
      return {
        customerId: c.customerId,
        adminUrl: c.adminUrl,
        name: `Customer ${c.customerId.slice(c.customerId.lastIndexOf("/") + 1)}`,
        inShopify: c.shopifyState ? `${EMAIL_STATE_LABELS[c.shopifyState]}${since ? ` since ${since}` : ""}` : "No email address",
        written: c.written,
        writtenAt: formatDateTime(c.writtenAt, timeZone) ?? "—",
        reason: c.reason,
      };
    }),
  };
}
