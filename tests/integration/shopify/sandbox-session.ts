/**
 * Test helper: gives a sandbox shop an offline session the way the app gets one in production — a token
 * exchange of a session token for an expiring offline token — and stores it where the library looks.
 */
import { Session } from "@shopify/shopify-api";
import { mintSessionToken } from "../../../sandbox/shopify/tokens";

const TokenResponse = (body: Record<string, unknown>) => ({
  accessToken: String(body.access_token),
  scope: String(body.scope),
  expiresIn: Number(body.expires_in),
  refreshToken: String(body.refresh_token),
  refreshTokenExpiresIn: Number(body.refresh_token_expires_in),
});

export async function installOfflineSession({
  sandboxUrl,
  shop,
  apiKey,
  apiSecret,
  storeSession,
  expiresInMs,
}: {
  sandboxUrl: string;
  shop: string;
  apiKey: string;
  apiSecret: string;
  storeSession: (session: Session) => Promise<boolean>;
  /** Overrides the stored expiry (the sandbox's token stays valid for its hour), e.g. to force a refresh. */
  expiresInMs?: number;
}) {
  const response = await fetch(`${sandboxUrl}/store/${shop}/admin/oauth/access_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      client_id: apiKey,
      client_secret: apiSecret,
      grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: mintSessionToken({ shop, apiKey, apiSecret }),
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
      expiring: "1",
    }),
  });
  if (!response.ok) throw new Error(`token exchange failed: ${response.status} ${await response.text()}`);
  const token = TokenResponse(await response.json());
  const session = new Session({
    id: `offline_${shop}`,
    shop,
    state: "",
    isOnline: false,
    scope: token.scope,
    accessToken: token.accessToken,
    expires: new Date(Date.now() + (expiresInMs ?? token.expiresIn * 1000)),
    refreshToken: token.refreshToken,
    refreshTokenExpires: new Date(Date.now() + token.refreshTokenExpiresIn * 1000),
  });
  await storeSession(session);
  return session;
}
