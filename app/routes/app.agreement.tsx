import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AgreementPage } from "../components/agreement-card";
import { toAgreementPageView } from "../components/agreement-view.server";
import { AppErrorBoundary } from "../components/app-error-boundary";
import { getAgreementReport } from "../services/agreement.server";
import { requireShopContext } from "../services/invitation.server";

/**
 * Subscriber counts: Shopify's customers by consent state beside what the app last wrote to each destination,
 * the plain-words reasons they differ, and the customers that differ (app.agreement.customers.tsx).
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShopContext(request);
  const report = await getAgreementReport({ shop });
  return json({ view: toAgreementPageView(report, shop.ianaTimezone) }, { headers: { "Cache-Control": "no-store" } });
};

export default function Agreement() {
  return <AgreementPage view={useLoaderData<typeof loader>().view} />;
}

export const ErrorBoundary = AppErrorBoundary;
export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
