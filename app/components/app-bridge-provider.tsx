import { useEffect, type ReactNode } from "react";
import { useNavigate } from "@remix-run/react";
import { PolarisProvider } from "./polaris-provider";

/**
 * Our replacement for `AppProvider` from `@shopify/shopify-app-remix/react`, which hard-codes
 * https://cdn.shopify.com/shopifycloud/app-bridge.js. This app loads App Bridge from `APP_BRIDGE_URL`
 * (the CDN in production, the sandbox's stand-in locally): docs/decisions/006-app-bridge-from-app-bridge-url.md.
 *
 * The script and the provider are split because they render in different places: the script must be a plain,
 * synchronous <script> in the document <head>, before any of the app's scripts (App Bridge's own requirement:
 * no async, defer or type=module), so root.tsx renders <AppBridgeScript> in <head> from the app layout's loader
 * data; the provider wraps the embedded pages in app.tsx.
 */
export function AppBridgeScript({ apiKey, src }: { apiKey: string; src: string }) {
  return <script src={src} data-api-key={apiKey} />;
}

/**
 * Polaris (English strings, Remix links) plus what the library's provider does for App Bridge: the admin's
 * navigation (<ui-nav-menu> links, history) dispatches `shopify:navigate` on the link it activated, and we route
 * it through Remix so the page is not reloaded.
 */
export function AppBridgeProvider({ children }: { children: ReactNode }) {
  const navigate = useNavigate();
  useEffect(() => {
    const onNavigate = (event: Event) => {
      const href = (event.target as Element | null)?.getAttribute?.("href");
      if (href) navigate(href);
    };
    addEventListener("shopify:navigate", onNavigate);
    return () => removeEventListener("shopify:navigate", onNavigate);
  }, [navigate]);
  return <PolarisProvider>{children}</PolarisProvider>;
}
