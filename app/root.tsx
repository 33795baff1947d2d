/// <reference types="@remix-run/dev" />
import type { LinksFunction, MetaFunction } from "@remix-run/node";
import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import type { ReactNode } from "react";
// The classic compiler turns a CSS import into the URL of the emitted file (no `?url` as with Vite).
import polarisStyles from "@shopify/polaris/build/esm/styles.css";
import { AppBridgeScript } from "./components/app-bridge-provider";
import type { loader as appLoader } from "./routes/app";

// No Inter web font from Shopify's CDN (the template links it): Polaris falls back to the system font stack,
// and pages load with no third-party request (offline sandbox, browser tests).
export const links: LinksFunction = () => [
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
  { rel: "stylesheet", href: polarisStyles },
];

export const meta: MetaFunction = () => [{ title: "Profile Sync" }];

export function Layout({ children }: { children: ReactNode }) {
  // Present only on embedded pages (below routes/app) whose layout loader authenticated the shop.
  const app = useRouteLoaderData<typeof appLoader>("routes/app");
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        {/* App Bridge first, blocking, before any of the app's scripts (decision 006). */}
        {app ? <AppBridgeScript apiKey={app.apiKey} src={app.appBridgeUrl} /> : null}
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function Root() {
  return <Outlet />;
}

/** Last resort: plain HTML, so it renders even when Polaris or App Bridge are what failed. */
export function ErrorBoundary() {
  const error = useRouteError();
  const title = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : "Something went wrong";
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", padding: "2rem", maxWidth: "40rem" }}>
      <h1 style={{ fontSize: "1.5rem", marginBottom: "1rem" }}>{title}</h1>
      {isRouteErrorResponse(error) ? null : <p>The error has been logged. Please try again in a moment.</p>}
    </main>
  );
}
