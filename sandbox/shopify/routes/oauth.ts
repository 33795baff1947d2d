/**
 * `POST /store/{shop}/admin/oauth/access_token`: token exchange and refresh, as @shopify/shopify-api 13.1
 * calls them (token-exchange.mjs, refresh-token.mjs: a JSON body with client_id, client_secret, grant_type…)
 * and as Shopify answers: `{access_token, scope, expires_in, refresh_token, refresh_token_expires_in}` (what
 * create-session.mjs reads), or an OAuth error `{error, error_description}`. The library's token-exchange
 * strategy turns `400 invalid_subject_token` into a session-token bounce, so that code matters.
 * The authorization-code grant is not simulated: the app uses token exchange (Shopify-managed install).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
import { parseParams, readBody, sendJson } from "../http";
import type { ShopRuntime } from "../shop-runtime";
import { verifySessionToken } from "../tokens";

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
const OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token";
const ONLINE = "urn:shopify:params:oauth:token-type:online-access-token";

export async function handleAccessToken(
  context: SandboxContext,
  runtime: ShopRuntime,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const fail = (status: number, error: string, description: string) => sendJson(response, status, { error, error_description: description });
  const params = parseParams(await readBody(request), request.headers["content-type"]);
  if (!params) return fail(400, "invalid_request", "The request body must be JSON or form-encoded.");
  const grantType = params.grant_type;
  if (grantType === TOKEN_EXCHANGE) runtime.stats.tokenExchanges++;
  if (grantType === "refresh_token") runtime.stats.refreshes++;

  if (params.client_id !== context.app.apiKey || params.client_secret !== context.app.apiSecret) {
    return fail(401, "invalid_client", "Client authentication failed: unknown client_id or wrong client_secret.");
  }

  if (grantType === TOKEN_EXCHANGE) {
    if (typeof params.subject_token !== "string" || !params.subject_token) return fail(400, "missing_subject_token", "The subject_token parameter is required.");
    if (params.subject_token_type !== ID_TOKEN_TYPE) return fail(400, "invalid_request", `subject_token_type must be ${ID_TOKEN_TYPE}.`);
    const check = verifySessionToken(params.subject_token, {
      secret: context.app.apiSecret,
      apiKey: context.app.apiKey,
      shop: runtime.store.domain,
    });
    if (!check.ok) return fail(400, "invalid_subject_token", `The session token ${check.reason}.`);
    if (params.requested_token_type === ONLINE) return sendJson(response, 200, runtime.tokens.issueOnline(check.claims.sub));
    if (params.requested_token_type !== OFFLINE) return fail(400, "invalid_request", `requested_token_type must be ${OFFLINE} or ${ONLINE}.`);
    const expiring = params.expiring === "1" || params.expiring === 1 || params.expiring === true;
    return sendJson(response, 200, runtime.tokens.issueOffline(expiring));
  }

  if (grantType === "refresh_token") {
    if (typeof params.refresh_token !== "string" || !params.refresh_token) return fail(400, "invalid_request", "The refresh_token parameter is required.");
    const result = runtime.tokens.refresh(params.refresh_token);
    return result.ok ? sendJson(response, 200, result.body) : fail(400, "invalid_grant", result.description);
  }

  return fail(400, "unsupported_grant_type", "The Shopify sandbox supports token exchange and refresh_token grants.");
}
