import { z } from "zod";
import { EmailMarketingStateSchema } from "./customer";
import { countCustomers } from "./customers";
import { SEGMENT_MEMBERS_COUNT_QUERY, SEGMENT_MEMBERS_PAGE_QUERY } from "./documents";
import { ShopifyGraphqlError } from "./errors";
import type { ShopifyGraphql } from "./graphql-client";
import { parseOrThrow } from "./parse";

/**
 * Shopify's customers counted and read by consent state, for the agreement report.
 *
 * Why segments and not `customersCount(query:)`: the 2026-07 schema documents only `created_at`, `id` and
 * `updated_at` for `customersCount`, and `customers(query:)` documents no email marketing state filter at
 * all (only `accepts_marketing`, a yes/no); Shopify answers a filter it does not support by dropping it
 * (HTTP 200, every customer counted, a warning in `extensions.search`), so a count by state through search
 * would silently be the store's total. `customerSegmentMembers(query:)` takes the segment query language,
 * whose consent filter the schema itself gives as the example (`email_subscription_status = 'SUBSCRIBED'`),
 * and answers `totalCount`. docs/decisions/024-agreement-report.md has what is seen and what is inferred.
 */

export const EMAIL_STATES = EmailMarketingStateSchema.options;
export type EmailState = z.infer<typeof EmailMarketingStateSchema>;
/** SMS is counted for the two states consent is written for (opt-in, opt-out). */
export const SMS_COUNTED_STATES = ["SUBSCRIBED", "UNSUBSCRIBED"] as const;
export type SmsCountedState = (typeof SMS_COUNTED_STATES)[number];

export type ShopifyConsentCounts = {
  customers: number;
  /** Customers by email marketing state; null where Shopify refused to count the state. */
  email: Record<EmailState, number | null>;
  /** Customers with no email address: all customers less every email state (null when one is unknown). */
  noEmail: number | null;
  sms: Record<SmsCountedState, number | null>;
};

export const consentSegmentQuery = (channel: "email" | "sms", state: string) => `${channel}_subscription_status = '${state}'`;

const CountSchema = z.object({ customerSegmentMembers: z.object({ totalCount: z.number().int().nonnegative() }) });

/** How many customers the segment query selects; null when Shopify refuses the query (the state is then shown as not counted). */
async function countSegment({ graphql, query, signal }: { graphql: ShopifyGraphql; query: string; signal?: AbortSignal }) {
  let data: unknown;
  try {
    data = await graphql(SEGMENT_MEMBERS_COUNT_QUERY, { variables: { query }, signal });
  } catch (error) {
    if (error instanceof ShopifyGraphqlError) return null;
    throw error;
  }
  return parseOrThrow({ schema: CountSchema, value: data, path: "data" }).customerSegmentMembers.totalCount;
}

/** Every count the report shows, in one go (each state is its own small query, so one refused state costs only itself). */
export async function countCustomersByConsent({ graphql, signal }: { graphql: ShopifyGraphql; signal?: AbortSignal }): Promise<ShopifyConsentCounts> {
  const count = (channel: "email" | "sms", state: string) => countSegment({ graphql, query: consentSegmentQuery(channel, state), signal });
  const [total, emailCounts, smsCounts] = await Promise.all([
    countCustomers({ graphql, signal }),
    Promise.all(EMAIL_STATES.map((state) => count("email", state))),
    Promise.all(SMS_COUNTED_STATES.map((state) => count("sms", state))),
  ]);
  const email = Object.fromEntries(EMAIL_STATES.map((state, i) => [state, emailCounts[i]])) as Record<EmailState, number | null>;
  const known = emailCounts.every((n): n is number => n !== null);
  return {
    customers: total.count,
    email,
    noEmail: known ? Math.max(0, total.count - emailCounts.reduce((sum, n) => sum + (n ?? 0), 0)) : null,
    sms: Object.fromEntries(SMS_COUNTED_STATES.map((state, i) => [state, smsCounts[i]])) as Record<SmsCountedState, number | null>,
  };
}

/**
 * A member's id names the customer by the same number (`gid://shopify/CustomerSegmentMember/123` is customer
 * 123). Shopify does not document this; apps that act on segment members rely on it.
 */
const MemberIdSchema = z
  .string()
  .regex(/^gid:\/\/shopify\/CustomerSegmentMember\/\d+$/)
  .transform((id) => `gid://shopify/Customer/${id.slice(id.lastIndexOf("/") + 1)}`);

const PageSchema = z.object({
  customerSegmentMembers: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
    edges: z.array(
      z.object({
        node: z.object({
          id: MemberIdSchema,
          defaultEmailAddress: z.object({ marketingState: EmailMarketingStateSchema, marketingUpdatedAt: z.iso.datetime({ offset: true }).nullable() }).nullable(),
        }),
      }),
    ),
  }),
});

export type ConsentMember = { customerId: string; emailState: EmailState | null; emailStateUpdatedAt: string | null };
export type ConsentMemberPage = { members: ConsentMember[]; endCursor: string | null; hasNextPage: boolean };

/** The segment's maximum page size is 1000, but Shopify refuses a single query dearer than 1000 points. */
export const MEMBER_PAGE_SIZE = 250;

/** The customers in one email state, a page at a time, from `after` (a cursor of an earlier page) on. */
export async function* readEmailStateMembers({
  graphql,
  state,
  after = null,
  pageSize = MEMBER_PAGE_SIZE,
  signal,
}: {
  graphql: ShopifyGraphql;
  state: EmailState;
  after?: string | null;
  pageSize?: number;
  signal?: AbortSignal;
}): AsyncIterable<ConsentMemberPage> {
  let cursor = after;
  for (;;) {
    const data = await graphql(SEGMENT_MEMBERS_PAGE_QUERY, { variables: { query: consentSegmentQuery("email", state), first: pageSize, after: cursor }, signal });
    const { customerSegmentMembers: page } = parseOrThrow({ schema: PageSchema, value: data, path: "data" });
    const members = page.edges.map(({ node }) => ({
      customerId: node.id,
      emailState: node.defaultEmailAddress?.marketingState ?? null,
      emailStateUpdatedAt: node.defaultEmailAddress?.marketingUpdatedAt ?? null,
    }));
    const hasNextPage = page.pageInfo.hasNextPage && page.pageInfo.endCursor !== null;
    yield { members, endCursor: page.pageInfo.endCursor, hasNextPage };
    if (!hasNextPage) return;
    cursor = page.pageInfo.endCursor;
  }
}
