import { json } from "@remix-run/node";
import { z } from "zod";
import { formValues } from "./form-values";
import { BOUNDS } from "./input-bounds";
import { refusalResponse } from "./refusal-response.server";
import { BodyTooLargeError, readBodyWithin, TOO_LARGE_HEADERS } from "./request-body.server";

/**
 * Reading a form post or JSON body with bounds (issue 8, finding 4): `request.formData()` and `request.json()`
 * buffer whatever is sent. Here a body over BOUNDS.formBodyBytes is refused from its Content-Length, or else
 * while it is read (a chunked body has none), before anything is parsed; a form with more than
 * BOUNDS.formFields fields is refused too. The field values are then checked by each form's own schema.
 */

export class RequestBodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = "RequestBodyError";
  }

  /** What the answer must carry: a 413 closes the connection (the unread rest of the body is never drained). */
  get headers(): Record<string, string> {
    return this.status === 413 ? { ...TOO_LARGE_HEADERS } : {};
  }
}

const TOO_LARGE = `The form is too large to be accepted (more than ${BOUNDS.formBodyBytes / 1024} kB): nothing was saved. Shorten the values and try again.`;
const TOO_MANY_FIELDS = `The form has too many fields (more than ${BOUNDS.formFields}): nothing was saved.`;

/** The body's bytes within BOUNDS.formBodyBytes; throws RequestBodyError (413) past that. */
async function readFormBody(request: Request): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await readBodyWithin(request, BOUNDS.formBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new RequestBodyError(413, TOO_LARGE);
    throw error;
  }
}

/** The posted form (urlencoded or multipart), bounded in size and number of fields. Throws RequestBodyError. */
export async function readBoundedFormData(request: Request): Promise<FormData> {
  const bytes = await readFormBody(request);
  const contentType = request.headers.get("Content-Type") ?? "application/x-www-form-urlencoded";
  let formData: FormData;
  try {
    formData = await new Response(bytes, { headers: { "Content-Type": contentType } }).formData();
  } catch {
    throw new RequestBodyError(400, "The form could not be read: send it as a web form.");
  }
  let fields = 0;
  for (const _ of formData.keys()) if (++fields > BOUNDS.formFields) throw new RequestBodyError(413, TOO_MANY_FIELDS);
  return formData;
}

/** The posted JSON body, bounded in size; undefined when it is not JSON. Throws RequestBodyError (413). */
export async function readBoundedJson(request: Request): Promise<unknown> {
  const bytes = await readFormBody(request);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

/**
 * For the embedded pages' actions: the posted `intent` (one of `intents`) and the form's text values (empty ones
 * left out, see formValues), or the answer to send instead — `{ ok: false, errors: { form } }` with 413/400 for a
 * body out of bounds, 422 for an unknown intent, which the page shows like its other errors.
 */
export async function readActionForm<Intent extends string>(
  request: Request,
  intents: readonly [Intent, ...Intent[]],
): Promise<{ ok: true; intent: Intent; values: Record<string, string> } | { ok: false; response: Response }> {
  let values: Record<string, string>;
  try {
    values = formValues(await readBoundedFormData(request));
  } catch (error) {
    if (error instanceof RequestBodyError) return { ok: false, response: refusedForm(error) };
    throw error;
  }
  const intent = z.enum(intents).safeParse(values.intent);
  if (!intent.success) return { ok: false, response: refusalResponse({ formError: "Unknown action" }) };
  return { ok: true, intent: intent.data, values };
}

function refusedForm(error: RequestBodyError) {
  return json({ ok: false as const, errors: { form: error.message } as Record<string, string> }, { status: error.status, headers: error.headers });
}
