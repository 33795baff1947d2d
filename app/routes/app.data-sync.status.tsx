import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { toSendStatusView } from "../destinations/adestra/ui/status.server";
import { getSendStatus } from "../destinations/adestra/send.server";
import { requireShopContext } from "../services/invitation.server";

/**
 * GET /app/data-sync/status: the shop's send progress, polled by the Data Sync page every second while a run is
 * active (read from the SyncRun rows, never from Redis). Dates formatted in the store's timezone.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShopContext(request);
  const status = await getSendStatus({ shop });
  return json({ status: toSendStatusView(status, shop.ianaTimezone) }, { headers: { "Cache-Control": "no-store" } });
};
