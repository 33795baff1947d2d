import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, Outlet, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppBridgeProvider } from "../components/app-bridge-provider";
import { parseEnv } from "../env.server";
import { getShopAccess } from "../services/invitation.server";

/**
 * The embedded layout. Authenticates (token exchange), records the shop on first sight, and hands root.tsx
 * what it needs to load App Bridge from APP_BRIDGE_URL (decision 006: not the library's AppProvider).
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, invited } = await getShopAccess(request);
  const env = parseEnv();
  return json({ apiKey: env.SHOPIFY_API_KEY, appBridgeUrl: env.APP_BRIDGE_URL, shop, invited });
};

export default function App() {
  return (
    <AppBridgeProvider>
      <NavMenu>
        <Link to="/app" rel="home">
          Overview
        </Link>
        <Link to="/app/data-sync">Data Sync</Link>
        <Link to="/app/apsis">APSIS One</Link>
        <Link to="/app/activity">Activity</Link>
        <Link to="/app/agreement">Subscriber counts</Link>
        <Link to="/app/settings">Settings</Link>
      </NavMenu>
      <Outlet />
    </AppBridgeProvider>
  );
}

// Shopify needs Remix to catch some thrown responses, so that their headers are included in the response.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
