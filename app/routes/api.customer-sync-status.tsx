import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { resolveShopContext, ShopNotInvitedError } from "../models/shop.server";
import { getCustomerSyncStatus, InvalidCustomerIdError, resyncCustomer } from "../services/customer-sync-status.server";
import { authenticate } from "../shopify.server";
import { readBoundedFormData, readBoundedJson, RequestBodyError } from "../utils/read-form.server";

/**
 * The customer page block's backend (extensions/customer-sync-status):
 *  - GET  /api/customer-sync-status?customerId=gid://shopify/Customer/123 → the customer's APSIS One sync state;
 *  - POST /api/customer-sync-status with `{ customerId }` (JSON or form) → Resync: 202 `{ queued: true }`, or
 *    409 `{ queued: false, reason }` when it cannot be queued (APSIS One not connected, no keyspace).
 *
 * Admin UI extensions call it cross-origin with `Authorization: Bearer <session token>`. authenticate.admin
 * verifies the token (HS256 with the app's secret, audience = the API key, exp/nbf), takes the shop from its
 * `dest` claim, answers the CORS preflight (OPTIONS reaches the action) and an invalid token (401) itself, with
 * CORS headers; every answer of ours goes through its `cors` too, or the browser would hide it from the block.
 * The shop is only ever the token's: nothing in the request can name another one.
 */

type Cors = Awaited<ReturnType<typeof authenticate.admin>>["cors"];

const NO_STORE = { "Cache-Control": "no-store" };

/** What the block shows for a refused request: the reason in words, with the status it maps to. */
function refusal(cors: Cors, error: unknown) {
  if (error instanceof InvalidCustomerIdError || error instanceof ShopNotInvitedError || error instanceof RequestBodyError) {
    return cors(json({ error: error.message }, { status: error.status, headers: { ...NO_STORE, ...(error instanceof RequestBodyError ? error.headers : {}) } }));
  }
  throw error;
}

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session, cors } = await authenticate.admin(request);
  const customerId = new URL(request.url).searchParams.get("customerId") ?? undefined;
  try {
    const status = await getCustomerSyncStatus({ shop: await resolveShopContext({ shop: session.shop }), customerId });
    return cors(json(status, { headers: NO_STORE }));
  } catch (error) {
    return refusal(cors, error);
  }
};

/**
 * `{ customerId }` from a JSON body or a form, read with the bounds of utils/read-form.server.ts (an oversized
 * body throws RequestBodyError, 413); anything unreadable is left to the service to refuse.
 */
async function readCustomerId(request: Request): Promise<unknown> {
  if (request.headers.get("Content-Type")?.includes("application/json")) {
    const body = (await readBoundedJson(request)) as { customerId?: unknown } | null | undefined;
    return typeof body === "object" ? body?.customerId : undefined;
  }
  try {
    return (await readBoundedFormData(request)).get("customerId") ?? undefined;
  } catch (error) {
    if (error instanceof RequestBodyError && error.status === 400) return undefined;
    throw error;
  }
}

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, cors } = await authenticate.admin(request);
  if (request.method !== "POST") return cors(json({ error: "Use POST to resync a customer." }, { status: 405, headers: { ...NO_STORE, Allow: "GET, POST" } }));
  try {
    const customerId = await readCustomerId(request);
    const result = await resyncCustomer({ shop: await resolveShopContext({ shop: session.shop }), customerId });
    return cors(json(result, { status: result.queued ? 202 : 409, headers: NO_STORE }));
  } catch (error) {
    return refusal(cors, error);
  }
};
