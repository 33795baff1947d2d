import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { InvitationOnlyPage, isInvitationRequired } from "./invitation-only";

/**
 * ErrorBoundary for every embedded page (app.*.tsx). The invitation gate's 403 renders as the invitation-only
 * page inside the app layout (navigation and App Bridge stay); everything else goes to Shopify's boundary,
 * which renders the library's own auth responses and re-throws real errors to the root boundary.
 */
export function AppErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 403 && isInvitationRequired(error.data)) {
    return <InvitationOnlyPage shop={error.data.shop} state={error.data.state} />;
  }
  return boundary.error(error);
}
