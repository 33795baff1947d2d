/**
 * One shape for a refusal, from the use-cases to the routes: what the merchant must change, as a message for the
 * form and/or one per field (keyed by the form's field names, phrased to follow the field's label: "enter a
 * name for the list"). Nothing was changed. A use-case that answers a form returns it as the failure of its
 * `Result`; one whose success is a value throws it as a `UserFacingError`. Routes answer both with one call,
 * `refusalResponse` (utils/refusal-response.server.ts); jobs and the ops CLI read the error's `message`.
 */
export type Refusal<Field extends string = string> = {
  formError?: string;
  fieldErrors?: Partial<Record<Field, string>>;
};

export type Refused<Field extends string = string> = { ok: false } & Refusal<Field>;

/** A form use-case's answer: `{ ok: true, …success }` or `{ ok: false, formError?, fieldErrors? }`. */
export type Result<Field extends string = string, Success extends object = object> = ({ ok: true } & Success) | Refused<Field>;

/** Shown when a refusal names neither the form nor a field (nothing more specific is known). */
export const REFUSED = "The changes were refused";

/** The refusal in one sentence: the form's message, else the first field's. */
export function refusalMessage({ formError, fieldErrors }: Refusal): string {
  return formError ?? Object.values(fieldErrors ?? {}).find(Boolean) ?? REFUSED;
}

export class UserFacingError<Field extends string = string> extends Error {
  readonly status = 422;
  readonly formError?: string;
  readonly fieldErrors: Partial<Record<Field, string>>;
  constructor({ formError, fieldErrors = {} }: Refusal<Field>) {
    super(refusalMessage({ formError, fieldErrors }));
    this.name = "UserFacingError";
    this.formError = formError;
    this.fieldErrors = fieldErrors;
  }
}
