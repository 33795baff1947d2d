import { type AgreementReport, type DriftView, driftTally } from "../components/agreement";
import { DESTINATIONS } from "../destinations/index.server";
import type { ShopContext } from "../models/shop.server";
import { getShopifyAdmin } from "../shopify/admin.server";
import { countCustomersByConsent, type EmailState, MEMBER_PAGE_SIZE, readEmailStateMembers } from "../shopify/consent-segments";

/**
 * The Subscriber counts page: Shopify's customers by consent state beside what the app last wrote to each
 * destination that reports it (the `agreement` member of the Destination contract), and the customers of one
 * state whose last write differs. Every database read is filtered by the shop's id.
 */

const sources = () => DESTINATIONS.flatMap((d) => (d.agreement ? [{ name: d.name, source: d.agreement }] : []));

export async function getAgreementReport({ shop, now = new Date() }: { shop: ShopContext; now?: Date }): Promise<AgreementReport> {
  const { graphql } = await getShopifyAdmin({ shop: shop.domain });
  const shopify = await countCustomersByConsent({ graphql });
  const destinations = await Promise.all(sources().map(({ source }) => source.summarize({ shopId: shop.id, shopify })));
  return { shopify, destinations, countedAt: now.toISOString() };
}

/** A drill-down reads at most this many Shopify customers per request (`after` goes on), and lists this many. */
export const DRIFT_READ_LIMIT = 2_500;
export const DRIFT_SHOWN = 50;

export class UnknownAgreementDestinationError extends Error {}

/**
 * The customers Shopify has in `state` whose last write to the destination differs, read page by page in
 * Shopify's order from `after`, until `readLimit` customers were read (to the end of the page that reaches it): memory holds one page and the first
 * `shown` differing customers, whatever the store's size.
 */
export async function getAgreementDrift({ shop, destination, state, after = null, readLimit = DRIFT_READ_LIMIT, shown = DRIFT_SHOWN, pageSize = MEMBER_PAGE_SIZE }: {
  shop: ShopContext;
  destination: string;
  state: EmailState;
  after?: string | null;
  readLimit?: number;
  shown?: number;
  pageSize?: number;
}): Promise<DriftView> {
  const found = sources().find((s) => s.name === destination);
  if (!found) throw new UnknownAgreementDestinationError(`no agreement report for destination "${destination}"`);
  const { graphql } = await getShopifyAdmin({ shop: shop.domain });
  const tally = driftTally({ shown });
  let next: string | null = null;
  for await (const page of readEmailStateMembers({ graphql, state, after, pageSize: Math.min(pageSize, readLimit) })) {
    const verdicts = await found.source.compareCustomers({ shopId: shop.id, members: page.members });
    page.members.forEach((member, i) => tally.add(member, verdicts[i]));
    if (tally.read >= readLimit) {
      next = page.hasNextPage ? page.endCursor : null;
      break;
    }
  }
  return tally.view({ destination, title: found.source.title, state, after: next });
}
