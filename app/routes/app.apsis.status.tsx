import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { toFullSyncStatusView } from "../destinations/apsis/ui/status.server";
import { getFullSyncStatus } from "../destinations/apsis/full-sync.server";
import { requireShopContext } from "../services/invitation.server";

/**
 * GET /app/apsis/status: the shop's Full Sync progress, polled by the APSIS One page every second while a run is
 * active (read from the SyncRun rows). Dates formatted in the store's timezone.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShopContext(request);
  const status = await getFullSyncStatus({ shop });
  return json({ status: toFullSyncStatusView(status) }, { headers: { "Cache-Control": "no-store" } });
};
