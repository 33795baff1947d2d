import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "../services/webhooks.server";

/** POST /webhooks/app/scopes_update (shopify.app.toml). Verification, dedupe and processing: app/services/webhooks.server.ts. */
export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request);
