/**
 * The customer editor of the sandbox's admin (routes/customers.ts): what its form holds, and how a submitted
 * form becomes a store patch, strictly validated. Pure: it reads the store (uniqueness checks) but never
 * changes it, so a refused form changes nothing.
 */
import { z } from "zod";
import {
  type CustomerPatch,
  type EmailMarketingState,
  type MarketingOptInLevel,
  type SandboxAddress,
  type SandboxCustomer,
  type SandboxEmail,
  type SandboxPhone,
  type SmsMarketingState,
  toShopifyDateTime,
} from "./customer";
import { COUNTRIES, type CountryCode } from "./seed-pools";
import type { SandboxStore } from "./store";

/** The states a merchant can set in the admin. INVALID (email) and REDACTED (SMS) are Shopify's own: kept, never set. */
export const SETTABLE_MARKETING_STATES = ["SUBSCRIBED", "NOT_SUBSCRIBED", "UNSUBSCRIBED", "PENDING"] as const;
export type SettableMarketingState = (typeof SETTABLE_MARKETING_STATES)[number];

export const CUSTOMER_FORM_FIELDS = ["firstName", "lastName", "email", "emailMarketingState", "phone", "smsMarketingState", "tags", "countryCode"] as const;
export type CustomerFormField = (typeof CUSTOMER_FORM_FIELDS)[number];
export type CustomerFormValues = Record<CustomerFormField, string>;

/** Countries the editor offers: the seed's (they have names, phone formats and address pools). */
export const EDITOR_COUNTRIES = Object.entries(COUNTRIES).map(([code, spec]) => ({ code: code as CountryCode, name: spec.name }));

const MAX_TEXT = 255;
const MAX_TAGS = 250;
const CONTROL = /[\u0000-\u001f\u007f]/;
/** E.164: "+", a country code not starting with 0, 7 to 15 digits in all. */
const E164 = /^\+[1-9]\d{6,14}$/;
const EmailSchema = z.email().max(254);

/** What the form shows for a customer: the store's values as the fields spell them. */
export function formValuesOf(customer: SandboxCustomer): CustomerFormValues {
  return {
    firstName: customer.firstName ?? "",
    lastName: customer.lastName ?? "",
    email: customer.email?.address ?? "",
    emailMarketingState: customer.email?.marketingState ?? "NOT_SUBSCRIBED",
    phone: customer.phone?.number ?? "",
    smsMarketingState: customer.phone?.marketingState ?? "NOT_SUBSCRIBED",
    tags: customer.tags.join(", "),
    countryCode: customer.address?.countryCode ?? "",
  };
}

export type CustomerEdit = {
  /** Only what changed; empty when the form changed nothing. */
  patch: CustomerPatch;
  /** One line per change, for the page: `Email marketing: NOT_SUBSCRIBED → SUBSCRIBED`. */
  changes: string[];
  /** The customer has an email address and its marketing state changed: Shopify sends customers_email_marketing_consent/update. */
  emailConsentChanged: boolean;
  /** The customer has a phone number and its SMS marketing state changed: Shopify sends customers_marketing_consent/update. */
  smsConsentChanged: boolean;
};

export type ParsedCustomerForm = { ok: true; values: CustomerFormValues; edit: CustomerEdit } | { ok: false; values: CustomerFormValues; errors: string[] };

/**
 * Validates a submitted form against the customer as it is now. Refused, with every reason, for: a missing,
 * repeated or unknown field; a name or tag over 255 characters or with control characters; an invalid email
 * address or one another customer has; a phone number that is not E.164 or that another customer has; a
 * marketing state that is not SUBSCRIBED, NOT_SUBSCRIBED, UNSUBSCRIBED or PENDING (INVALID and REDACTED only
 * when the customer already has it); SUBSCRIBED or PENDING without an address or number to market to; an
 * unknown country; more than 250 tags; no name, email and phone at all (Shopify's rule).
 */
export function parseCustomerForm(form: URLSearchParams, current: SandboxCustomer, store: SandboxStore): ParsedCustomerForm {
  const errors: string[] = [];
  const values = formValuesOf(current);
  const keys = new Set(form.keys());
  for (const key of keys) {
    if (!(CUSTOMER_FORM_FIELDS as readonly string[]).includes(key)) errors.push(`Unknown field "${key}".`);
  }
  for (const field of CUSTOMER_FORM_FIELDS) {
    const all = form.getAll(field);
    if (all.length === 0) errors.push(`The field "${field}" is missing.`);
    else if (all.length > 1) errors.push(`The field "${field}" is given ${all.length} times.`);
    else values[field] = all[0];
  }
  if (errors.length) return { ok: false, values, errors };

  const text = (label: string, raw: string): string | null => {
    const value = raw.trim();
    if (value.length > MAX_TEXT) errors.push(`${label} is longer than ${MAX_TEXT} characters.`);
    if (CONTROL.test(value)) errors.push(`${label} contains control characters.`);
    return value || null;
  };
  const firstName = text("First name", values.firstName);
  const lastName = text("Last name", values.lastName);

  const emailAddress = values.email.trim() || null;
  if (emailAddress !== null && !EmailSchema.safeParse(emailAddress).success) errors.push(`"${emailAddress}" is not a valid email address.`);
  else if (emailAddress !== null && emailAddress.toLowerCase() !== current.email?.address.toLowerCase() && taken(store, current.id, (c) => c.email?.address.toLowerCase() === emailAddress.toLowerCase())) {
    errors.push(`Email has already been taken: another customer has ${emailAddress}.`);
  }
  const emailState = marketingState("Email marketing", values.emailMarketingState, current.email?.marketingState ?? null, "INVALID", errors);
  if (emailAddress === null && (emailState === "SUBSCRIBED" || emailState === "PENDING")) {
    errors.push(`A customer without an email address cannot have email marketing ${emailState}.`);
  }

  const phoneNumber = values.phone.trim() || null;
  if (phoneNumber !== null && !E164.test(phoneNumber)) errors.push(`Phone "${phoneNumber}" is not in E.164 format (like +46701234567: "+", country code, number, no spaces).`);
  else if (phoneNumber !== null && phoneNumber !== current.phone?.number && taken(store, current.id, (c) => c.phone?.number === phoneNumber)) {
    errors.push(`Phone has already been taken: another customer has ${phoneNumber}.`);
  }
  const smsState = marketingState("SMS marketing", values.smsMarketingState, current.phone?.marketingState ?? null, "REDACTED", errors);
  if (phoneNumber === null && (smsState === "SUBSCRIBED" || smsState === "PENDING")) {
    errors.push(`A customer without a phone number cannot have SMS marketing ${smsState}.`);
  }

  const tags = parseTags(values.tags, errors);
  const countryCode = values.countryCode.trim();
  if (countryCode && !(countryCode in COUNTRIES)) {
    errors.push(`Country "${countryCode}" is not one of ${Object.keys(COUNTRIES).join(", ")} (or empty for no address).`);
  }
  if (!firstName && !lastName && !emailAddress && !phoneNumber) errors.push("A customer needs a name, an email address or a phone number.");
  if (errors.length) return { ok: false, values, errors };

  const now = toShopifyDateTime(store.clock());
  const email = nextEmail(current.email, emailAddress, emailState as EmailMarketingState, now);
  const phone = nextPhone(current.phone, phoneNumber, smsState as SmsMarketingState, now);
  const address = nextAddress(current, countryCode as CountryCode | "");

  const patch: CustomerPatch = {};
  const changes: string[] = [];
  const show = (value: string | null | undefined) => (value ? `"${value}"` : "(none)");
  if (firstName !== current.firstName) {
    patch.firstName = firstName;
    changes.push(`First name: ${show(current.firstName)} → ${show(firstName)}`);
  }
  if (lastName !== current.lastName) {
    patch.lastName = lastName;
    changes.push(`Last name: ${show(current.lastName)} → ${show(lastName)}`);
  }
  if (JSON.stringify(email) !== JSON.stringify(current.email)) {
    patch.email = email;
    if (email?.address !== current.email?.address) changes.push(`Email address: ${show(current.email?.address)} → ${show(email?.address)}`);
    if (email && email.marketingState !== (current.email?.marketingState ?? null)) changes.push(`Email marketing: ${current.email?.marketingState ?? "(none)"} → ${email.marketingState}`);
  }
  if (JSON.stringify(phone) !== JSON.stringify(current.phone)) {
    patch.phone = phone;
    if (phone?.number !== current.phone?.number) changes.push(`Phone: ${show(current.phone?.number)} → ${show(phone?.number)}`);
    if (phone && phone.marketingState !== (current.phone?.marketingState ?? null)) changes.push(`SMS marketing: ${current.phone?.marketingState ?? "(none)"} → ${phone.marketingState}`);
  }
  if (tags.join(",") !== current.tags.join(",")) {
    patch.tags = tags;
    changes.push(`Tags: ${current.tags.join(", ") || "(none)"} → ${tags.join(", ") || "(none)"}`);
  }
  if (JSON.stringify(address) !== JSON.stringify(current.address)) {
    patch.address = address;
    changes.push(`Country: ${current.address?.countryCode ?? "(no address)"} → ${address?.countryCode ?? "(no address)"}`);
  }
  return {
    ok: true,
    values,
    edit: {
      patch,
      changes,
      emailConsentChanged: email !== null && email.marketingState !== (current.email?.marketingState ?? "NOT_SUBSCRIBED"),
      smsConsentChanged: phone !== null && phone.marketingState !== (current.phone?.marketingState ?? "NOT_SUBSCRIBED"),
    },
  };
}

/** Another customer of the store matches (a scan: fine for the sandbox's demo-sized stores). */
function taken(store: SandboxStore, ownId: number, matches: (customer: SandboxCustomer) => boolean): boolean {
  for (const customer of store.customers()) if (customer.id !== ownId && matches(customer)) return true;
  return false;
}

function marketingState(label: string, raw: string, current: string | null, keepOnly: string, errors: string[]): string {
  const value = raw.trim();
  if ((SETTABLE_MARKETING_STATES as readonly string[]).includes(value)) return value;
  if (value === keepOnly && current === keepOnly) return value;
  errors.push(`${label} must be one of ${SETTABLE_MARKETING_STATES.join(", ")} (got "${value}").`);
  return value;
}

function parseTags(raw: string, errors: string[]): string[] {
  const tags = new Map<string, string>();
  for (const part of raw.split(",")) {
    const tag = part.trim();
    if (!tag) continue;
    if (tag.length > MAX_TEXT) errors.push(`The tag "${tag.slice(0, 40)}…" is longer than ${MAX_TEXT} characters.`);
    if (CONTROL.test(tag)) errors.push("A tag contains control characters.");
    // Shopify's tags are case-insensitive: "VIP" and "vip" are one tag (the first spelling wins).
    if (!tags.has(tag.toLowerCase())) tags.set(tag.toLowerCase(), tag);
  }
  if (tags.size > MAX_TAGS) errors.push(`A customer can have at most ${MAX_TAGS} tags (got ${tags.size}).`);
  return [...tags.values()].sort((a, b) => a.localeCompare(b, "en"));
}

/**
 * The opt-in level a state change records: SUBSCRIBED is a single opt-in (a confirmed one when it ends a
 * PENDING double opt-in), PENDING awaits confirmation (CONFIRMED_OPT_IN), and an opt-out keeps the level the
 * consent was given with.
 */
function optInLevel(state: string, previousState: string | null, previousLevel: MarketingOptInLevel | null): MarketingOptInLevel {
  if (state === "SUBSCRIBED") return previousState === "PENDING" ? "CONFIRMED_OPT_IN" : "SINGLE_OPT_IN";
  if (state === "PENDING") return "CONFIRMED_OPT_IN";
  return previousLevel ?? "SINGLE_OPT_IN";
}

/** The email after the edit: a state change is stamped with the store's clock; null without an address. */
function nextEmail(current: SandboxEmail | null, address: string | null, state: EmailMarketingState, now: string): SandboxEmail | null {
  if (address === null) return null;
  const previousState = current?.marketingState ?? "NOT_SUBSCRIBED";
  if (current && state === current.marketingState) return { ...current, address };
  if (!current && state === "NOT_SUBSCRIBED") return { address, marketingState: state, marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: null };
  return { address, marketingState: state, marketingOptInLevel: optInLevel(state, previousState, current?.marketingOptInLevel ?? null), marketingUpdatedAt: now };
}

/** The phone after the edit. A merchant records consent they collected themselves: `marketingCollectedFrom` OTHER. */
function nextPhone(current: SandboxPhone | null, number: string | null, state: SmsMarketingState, now: string): SandboxPhone | null {
  if (number === null) return null;
  const previousState = current?.marketingState ?? "NOT_SUBSCRIBED";
  if (current && state === current.marketingState) return { ...current, number };
  if (!current && state === "NOT_SUBSCRIBED") {
    return { number, marketingState: state, marketingOptInLevel: null, marketingUpdatedAt: null, marketingCollectedFrom: null };
  }
  return {
    number,
    marketingState: state,
    marketingOptInLevel: optInLevel(state, previousState, current?.marketingOptInLevel ?? null),
    marketingUpdatedAt: now,
    marketingCollectedFrom: "OTHER",
  };
}

/**
 * The address after the edit: none for an empty country; the same address in another country (its province
 * dropped: provinces belong to a country); or, for a customer without one, an address with only the country
 * and the customer's name, as Shopify allows.
 */
function nextAddress(current: SandboxCustomer, countryCode: CountryCode | ""): SandboxAddress | null {
  if (!countryCode) return null;
  const address = current.address;
  if (address?.countryCode === countryCode) return address;
  const country = COUNTRIES[countryCode].name;
  if (address) return { ...address, country, countryCode, province: null, provinceCode: null };
  return {
    firstName: current.firstName,
    lastName: current.lastName,
    company: null,
    address1: "",
    address2: null,
    city: "",
    province: null,
    provinceCode: null,
    country,
    countryCode,
    zip: "",
    phone: null,
  };
}
