/**
 * Invitation only: a shop can install the app, but sync features unlock only after customer success enables it
 * (scripts/ops.ts or the /ops console). Every embedded loader starts here:
 *  - `getShopAccess(request)` for pages that show the invitation message themselves (the Overview);
 *  - `requireShopContext(request)` for everything that syncs: it throws a 403 that the pages' ErrorBoundary
 *    (app/components/app-error-boundary.tsx) renders as the invitation-only page, and otherwise answers the
 *    shop's context (app/models/shop.server.ts ShopContext), read once for the request, that the use-cases
 *    take. The server, not the UI, enforces the rule.
 */
import { json } from "@remix-run/node";
import type { InvitationRequired } from "../components/invitation-only";
import { createShopifyGraphql } from "../shopify/graphql-client";
import { readShop } from "../shopify/shop";
import { getShop, invitedShopContext, recordInstall, resolveShopContext, type ShopContext, ShopNotInvitedError, whyNotInvited } from "../models/shop.server";
import { authenticate } from "../shopify.server";

type AdminContext = Awaited<ReturnType<typeof authenticate.admin>>;
type ShopRecord = NonNullable<Awaited<ReturnType<typeof getShop>>>;
export type InvitationView = "invited" | "pending" | "revoked";

/** A page load waits at most this long for a throttled shop query; the shop is then recorded without details. */
const SHOP_QUERY_THROTTLE_DEADLINE_MS = 5_000;

/** The gate's own predicate (whyNotInvited, app/models/shop.server.ts) as the pages word it. */
export function invitationView(record: ShopRecord | null): InvitationView {
  if (!whyNotInvited(record)) return "invited";
  return record?.invitation === "revoked" ? "revoked" : "pending";
}

export function invitationRequiredResponse(shop: string, state: InvitationRequired["state"]) {
  return json<InvitationRequired>({ reason: "invitation_required", shop, state }, { status: 403 });
}

/** The shop's name, IANA timezone and currency: one Admin GraphQL query (SHOP_QUERY, validated against the schema). */
async function fetchShopDetails({ shop, admin, signal }: { shop: string; admin: AdminContext["admin"]; signal?: AbortSignal }) {
  const graphql = createShopifyGraphql({ admin, shop, throttleDeadlineMs: SHOP_QUERY_THROTTLE_DEADLINE_MS });
  const { name, ianaTimezone, currencyCode } = await readShop({ graphql, signal });
  return { name, ianaTimezone, currencyCode };
}

/**
 * Records the install the first time the app sees a shop (also a shop customer success invited before it
 * installed, which has no name yet, and a shop that reinstalls), with its name, IANA timezone and currency.
 * Layout and page loaders run in parallel, so two requests may both get here on first sight: the loser of the
 * insert race just reads the winner's row.
 */
export async function ensureShopRecorded({ shop, admin, signal }: {
  shop: string;
  admin: AdminContext["admin"];
  signal?: AbortSignal;
}) {
  const existing = await getShop({ shop });
  if (existing?.name && !existing.uninstalledAt) return existing;
  let details: { name?: string; ianaTimezone?: string; currencyCode?: string } = {};
  try {
    details = await fetchShopDetails({ shop, admin, signal });
  } catch (error) {
    // In a request, the library turns every HTTP error from Shopify into a thrown Response. An invalid or
    // revoked token (401, or a redirect to the bounce page) must reach the client so App Bridge re-authenticates.
    if (error instanceof Response && (error.status === 401 || (error.status >= 300 && error.status < 400))) throw error;
    // Anything else (Shopify down, throttled past the deadline, odd data) must not lock the merchant out:
    // record the install without details and ask again on the next visit.
    const reason = error instanceof Response ? `Shopify answered HTTP ${error.status}` : error;
    console.warn(`Could not read the shop details of ${shop}; will retry on the next visit:`, reason);
  }
  try {
    return await recordInstall({ shop, ...details });
  } catch (error) {
    if ((error as { code?: string } | null)?.code === "P2002") {
      const row = await getShop({ shop });
      if (row) return row;
    }
    throw error;
  }
}

/** Authenticates an embedded request and tells whether the shop may use sync features. Never throws 403. */
export async function getShopAccess(request: Request) {
  const context = await authenticate.admin(request);
  const shop = context.session.shop;
  const shopRecord = await ensureShopRecorded({ shop, admin: context.admin, signal: request.signal });
  const invitation = invitationView(shopRecord);
  return { ...context, shop, shopRecord, invitation, invited: invitation === "invited" };
}

/**
 * The gate for one shop domain, without authentication (tests can use it): returns the shop's context, or
 * throws the 403 Response the embedded pages render as the invitation-only page.
 */
export async function requireInvitedShopDomain({ shop }: { shop: string }): Promise<ShopContext> {
  try {
    return await resolveShopContext({ shop });
  } catch (error) {
    if (!(error instanceof ShopNotInvitedError)) throw error;
    const row = await getShop({ shop });
    throw invitationRequiredResponse(shop, row?.invitation === "revoked" ? "revoked" : "pending");
  }
}

/**
 * Authenticates an embedded request and refuses (403) a shop that customer success has not enabled; `context`
 * is the shop's context for the use-cases, from the row read for this request.
 */
export async function requireInvitedShop(request: Request) {
  const access = await getShopAccess(request);
  const context = invitedShopContext(access.shopRecord);
  if (access.invitation !== "invited" || !context) throw invitationRequiredResponse(access.shop, access.invitation === "revoked" ? "revoked" : "pending");
  return { ...access, context, invitation: "invited" as const, invited: true as const };
}

/** What a sync page's loader or action starts with: the invited shop's context (or the 403 above). */
export async function requireShopContext(request: Request): Promise<ShopContext> {
  return (await requireInvitedShop(request)).context;
}
