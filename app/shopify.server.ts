import "@shopify/shopify-app-remix/adapters/node";
import { setAbstractFetchFunc } from "@shopify/shopify-api/runtime";
import { ApiVersion, AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import { getDb } from "./db.server";
import { parseEnv } from "./env.server";
import { assertEmbeddedRequestAcceptable } from "./shopify/embedded-request";
import { sandboxTransport } from "./shopify/transport.server";
import { EncryptedSessionStorage } from "./models/shopify-session-storage.server";

const env = parseEnv();

// Sandbox only: the same library code, with its HTTP pointed at the local Shopify stand-in.
if (env.SHOPIFY_ADMIN_TRANSPORT_URL) {
  setAbstractFetchFunc(sandboxTransport(env.SHOPIFY_ADMIN_TRANSPORT_URL, globalThis.fetch));
}

export const API_VERSION = ApiVersion.July26;

const shopify = shopifyApp({
  apiKey: env.SHOPIFY_API_KEY,
  apiSecretKey: env.SHOPIFY_API_SECRET,
  apiVersion: API_VERSION,
  scopes: env.SCOPES.split(","),
  appUrl: env.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  // Access and refresh tokens are stored encrypted (models/shopify-session-storage.server.ts).
  sessionStorage: new EncryptedSessionStorage(getDb(), env.CREDENTIALS_ENCRYPTION_KEY),
  distribution: AppDistribution.AppStore,
  future: {
    unstable_newEmbeddedAuthStrategy: true,
    expiringOfflineAccessTokens: true,
  },
});

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
/**
 * The library's authenticate, with our checks before the embedded (admin) one: changes need the session token
 * in the Authorization header, and a token must be for a *.myshopify.com shop (integrations/shopify/embedded-request.ts).
 */
export const authenticate: typeof shopify.authenticate = {
  ...shopify.authenticate,
  admin: async (request) => {
    assertEmbeddedRequestAcceptable(request);
    return shopify.authenticate.admin(request);
  },
};
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
