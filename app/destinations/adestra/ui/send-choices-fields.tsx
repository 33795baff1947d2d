import { BlockStack, Divider } from "@shopify/polaris";
import { ActivityRangeField } from "./activity-range-field";
import { ListField } from "./list-field";
import { ProfileGroupField } from "./profile-group-field";
import type { DataSyncView, FieldErrors, SendChoicesValue } from "./types";

/** The choices On Demand and Auto Send share: profile group, Adestra list, activity date range. */
export function SendChoicesFields({ value, onChange, page, disabled, errors, form }: {
  value: SendChoicesValue;
  onChange: (value: SendChoicesValue) => void;
  /** The page's lists, core table, today (in the store's timezone) and what counts as activity. */
  page: Pick<DataSyncView, "lists" | "coreTable" | "today" | "activityDefinition">;
  disabled?: boolean;
  errors?: FieldErrors;
  /** "on-demand" | "auto": keeps each tab's create-list form apart. */
  form: string;
}) {
  return (
    <BlockStack gap="500">
      <ProfileGroupField
        value={value.profileGroup}
        onChange={(profileGroup) => onChange({ ...value, profileGroup })}
        disabled={disabled}
        error={errors?.profileGroup}
      />
      <Divider />
      <ListField
        value={value.listId}
        onChange={(listId) => onChange({ ...value, listId })}
        lists={page.lists}
        coreTableName={page.coreTable?.name ?? null}
        disabled={disabled}
        error={errors?.listId}
        fetcherKey={`${form}-create-list`}
      />
      <Divider />
      <ActivityRangeField
        from={value.activityFrom}
        to={value.activityTo}
        relative={value.activityRelative}
        onChange={({ from, to, relative }) => onChange({ ...value, activityFrom: from, activityTo: to, activityRelative: relative })}
        today={page.today}
        definition={page.activityDefinition}
        disabled={disabled}
        error={errors?.activityTo ?? errors?.activityFrom ?? errors?.activityRelative}
      />
    </BlockStack>
  );
}
