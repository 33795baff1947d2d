import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { previewSend } from "../destinations/adestra/send-preview.server";
import { requireShopContext } from "../services/invitation.server";
import { answeringRefusals } from "../utils/refusal-response.server";

const PREVIEW_EXAMPLES = 5;

/**
 * The preview reads the store's customers, so it is loaded only when the choices change: not again after every
 * action on the page (Remix would otherwise reload it, and hold the action's fetcher busy until it is done).
 */
export const shouldRevalidate = () => false;

/**
 * GET /app/data-sync/preview?profileGroup=…&activityFrom=…&activityTo=…: how many profiles these choices would
 * send, and a few examples (the Data Sync page loads it, debounced, as the choices change). Choices the send
 * service refuses answer 422 with the field errors.
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShopContext(request);
  const params = new URL(request.url).searchParams;
  const choices = {
    profileGroup: params.get("profileGroup") ?? undefined,
    activityFrom: params.get("activityFrom") || undefined,
    activityTo: params.get("activityTo") || undefined,
    activityRelative: params.get("activityRelative") || undefined,
  };
  return answeringRefusals(async () => {
    const preview = await previewSend({ shop, choices });
    return json(
      {
        count: preview.count,
        examples: preview.examples.slice(0, PREVIEW_EXAMPLES).map(({ email, firstName, lastName }) => ({ email, firstName, lastName })),
      },
      { headers: { "Cache-Control": "no-store" } },
    );
  });
};
