import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { agreementRow, type AgreementCardView, type DriftView } from "./agreement";
import { AgreementCard, DriftCard } from "./agreement-card";
import { toDriftPageView } from "./agreement-view.server";

const render = (node: React.ReactNode) => renderToStaticMarkup(<AppProvider i18n={en}>{node}</AppProvider>);

const card = (written: number): AgreementCardView => ({
  destination: "adestra",
  title: "Adestra",
  connected: written > 0,
  written,
  lastWritten: written ? "2 Nov 2026, 09:00 GMT+1" : null,
  rows: [
    agreementRow({ key: "list:12", shopifyLabel: "Subscribed to email", writtenLabel: "Contacts on list Newsletter", shopify: 455, written, drillStates: ["SUBSCRIBED"], more: ["never sent"], fewer: ["not removed"] }),
  ],
  notes: [],
});

describe("a destination's card", () => {
  it("puts Shopify's count beside the app's, explains the difference and offers the customers", () => {
    const html = render(<AgreementCard agreement={card(456)} onDrill={() => {}} loading={null} />);
    expect(html).toContain("The app has written 456 records here, last on 2 Nov 2026, 09:00 GMT+1.");
    expect(html).toContain("−1");
    expect(html).toContain("The app wrote 1 more than Shopify has now. Usually: not removed.");
    expect(html).toContain("Show the customers that differ");
  });

  it("with nothing written, says so once instead of a difference per row", () => {
    const html = render(<AgreementCard agreement={card(0)} onDrill={() => {}} loading={null} />);
    expect(html).toContain("The app has not written anything here yet, so every customer Shopify counts is still to be sent (connect Adestra first).");
    expect(html).toContain("Not connected");
    expect(html).not.toContain("Shopify has 455 more");
    expect(html).not.toContain("Show the customers that differ");
  });
});

describe("the customers that differ", () => {
  const drift: DriftView = {
    destination: "adestra",
    title: "Adestra",
    state: "UNSUBSCRIBED",
    stateLabel: "Unsubscribed",
    read: 147,
    agreeing: 145,
    neverWritten: 0,
    differing: 2,
    customers: [
      {
        customerId: "gid://shopify/Customer/6042000000007",
        adminUrl: "shopify://admin/customers/6042000000007",
        shopifyState: "UNSUBSCRIBED",
        shopifyStateAt: "2026-12-06T12:45:10Z",
        written: "on list Newsletter",
        writtenAt: "2026-12-06T12:44:00.000Z",
        reason: "Unsubscribed in Shopify after the last send.",
      },
    ],
    listCut: true,
    after: "cursor-1",
  };

  it("are formatted in the store's timezone on the server, and link to the customer in Shopify's admin", () => {
    const view = toDriftPageView(drift, "Europe/Stockholm");
    expect(view.customers[0]).toMatchObject({ name: "Customer 6042000000007", inShopify: "Unsubscribed since 6 Dec 2026, 13:45 GMT+1", writtenAt: "6 Dec 2026, 13:44 GMT+1" });
    const html = render(<DriftCard drift={view} onReadOn={() => {}} loading={false} />);
    expect(html).toContain('href="shopify://admin/customers/6042000000007"');
    expect(html).toContain("Read 147 customers unsubscribed in Shopify: 145 agree, 0 never written");
    expect(html).toContain("Showing the first 1 of the 2 that differ.");
    expect(html).toContain("Read the next customers");
    expect(html).toContain("the app last wrote: on list Newsletter (6 Dec 2026, 13:44 GMT+1).");
  });
});
