/**
 * What the Adestra pages send to the browser: plain, serialisable values, dates already formatted in the
 * store's timezone on the server (app/utils/format-date.ts), so the browser needs no luxon and no zone data.
 */

import type { RunPairView, RunView } from "../../../runs/ui/run-view";

export type ProfileGroup = "all" | "subscribers";

/** The send choices as the form holds them: strings, "" for "not chosen". */
export type SendChoicesValue = {
  profileGroup: ProfileGroup;
  listId: string;
  /** YYYY-MM-DD, calendar days in the store's timezone; "" = no bound. */
  activityFrom: string;
  activityTo: string;
  /** A range relative to the day the send runs ("this_year", "last_days:30"…), or "" for the fixed days above. */
  activityRelative: string;
};

export type AdestraListOption = { id: number; name: string };

/** Field errors as actions return them with 422: one message per field. */
export type FieldErrors = Partial<Record<string, string>>;

/** A send as the page shows it: the kernel's run view and the list it went to. */
export type SendRunView = RunView & { listName: string | null };

export type SendStatusView = RunPairView<SendRunView> & {
  /** The last successful send of either kind, formatted in the store's timezone, e.g. "23 Nov 2026, 17:05 GMT+1". */
  lastSendAt: string | null;
  /** The last successful On Demand send, and the last Auto Send (scheduled or Send now). */
  lastOnDemandSendAt: string | null;
  lastAutoSendAt: string | null;
  /** Each tab's own last finished send (On Demand; Auto Send and Send now). */
  lastOnDemandRun: SendRunView | null;
  lastAutoRun: SendRunView | null;
};

/** The Data Sync page of a connected store, as its On Demand and Auto Send tabs read it. */
export type DataSyncView = {
  lists: AdestraListOption[];
  coreTable: { id: number; name: string } | null;
  /** YYYY-MM-DD in the store's timezone. */
  today: string;
  timeZone: string;
  activityDefinition: string;
  onDemand: SendChoicesValue;
  auto: { choices: SendChoicesValue; enabled: boolean; timeOfDay: string; nextRunAt: string | null };
};

export const emptyChoices: SendChoicesValue = { profileGroup: "subscribers", listId: "", activityFrom: "", activityTo: "", activityRelative: "" };

/** The choices as form fields (and URL search params for the preview). */
export function choicesToEntries(choices: SendChoicesValue): Record<string, string> {
  const entries: Record<string, string> = { profileGroup: choices.profileGroup, listId: choices.listId };
  if (choices.activityRelative) {
    entries.activityRelative = choices.activityRelative;
    return entries;
  }
  if (choices.activityFrom) entries.activityFrom = choices.activityFrom;
  if (choices.activityTo) entries.activityTo = choices.activityTo;
  return entries;
}
