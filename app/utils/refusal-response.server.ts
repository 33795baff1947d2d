import { json } from "@remix-run/node";
import { sentenceCase } from "./form-values";
import { REFUSED, type Refusal, UserFacingError } from "./user-facing-error";

/**
 * A refusal as the pages show it (house style): 422 with `errors` keyed by field for the Polaris fields' `error=`,
 * and `form` for the form's banner; the form's message alone when no field explains it.
 */
export function refusalResponse({ formError, fieldErrors = {} }: Refusal) {
  const fields = sentenceCase(fieldErrors);
  const form = formError ?? (Object.keys(fields).length ? undefined : REFUSED);
  return json({ ok: false as const, errors: { ...fields, ...sentenceCase({ form }) } }, { status: 422 });
}

/** Runs a route's work and answers a `UserFacingError` it throws with its 422 (anything else is rethrown). */
export async function answeringRefusals<T>(work: () => Promise<T>) {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserFacingError) return refusalResponse(error);
    throw error;
  }
}
