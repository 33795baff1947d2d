import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, receiveWebhook } from "../shopify/webhooks.server";

/**
 * POST /webhooks/customers/merge (shopify.app.toml).
 * Only deliveries of this topic: the topic header is not signed, so the route fixes it.
 * Verification, dedupe and processing: app/shopify/webhooks.server.ts.
 */
export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request, { topic: "customers/merge" });

/** A GET is not a delivery: 405 with Allow: POST (not the 400 a missing signature would get). */
export const loader = () => methodNotAllowed();
