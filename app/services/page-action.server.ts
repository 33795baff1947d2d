import type { ShopContext } from "../models/shop.server";
import { readActionForm } from "../utils/read-form.server";
import { answeringRefusals } from "../utils/refusal-response.server";
import { requireShopContext } from "./invitation.server";

/**
 * An embedded page's action: the invited shop (else the invitation refusal), the posted form within bounds
 * (413/400), one of the page's intents (else 422 "Unknown action"), and the refusals the services throw
 * (`UserFacingError`) answered 422 in the pages' error shape. `handle` does the intent's work.
 */
export async function pageAction<Intent extends string>(
  request: Request,
  intents: readonly [Intent, ...Intent[]],
  handle: (form: { shop: ShopContext; intent: Intent; values: Record<string, string> }) => Promise<Response>,
): Promise<Response> {
  const shop = await requireShopContext(request);
  const form = await readActionForm(request, intents);
  if (!form.ok) return form.response;
  return answeringRefusals(() => handle({ shop, intent: form.intent, values: form.values }));
}
