import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { z } from "zod";
import { toDriftPageView } from "../components/agreement-view.server";
import { getAgreementDrift, UnknownAgreementDestinationError } from "../services/agreement.server";
import { requireShopContext } from "../services/invitation.server";
import { EMAIL_STATES } from "../shopify/consent-segments";

/** Loaded by the Subscriber counts page on "Show the customers that differ", not after its other requests. */
export const shouldRevalidate = () => false;

const ParamsSchema = z.object({
  destination: z.string().min(1).max(40),
  state: z.enum(EMAIL_STATES),
  // A Shopify cursor, as an earlier answer gave it.
  after: z.string().max(2_000).optional(),
});

/**
 * GET /app/agreement/customers?destination=apsis&state=SUBSCRIBED[&after=…]: the customers Shopify has in that
 * email state whose last write to the destination differs (the first 50 of at most 2,500 read; `after` reads on).
 */
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await requireShopContext(request);
  const params = ParamsSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!params.success) return json({ error: "Choose a destination and an email state." }, { status: 400 });
  try {
    const drift = await getAgreementDrift({ shop, ...params.data });
    return json({ drift: toDriftPageView(drift, shop.ianaTimezone) }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    if (error instanceof UnknownAgreementDestinationError) throw new Response("Not found", { status: 404 });
    throw error;
  }
};
