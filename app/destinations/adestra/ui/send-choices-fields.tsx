import { BlockStack, Divider } from "@shopify/polaris";
import { ActivityRangeField } from "./activity-range-field";
import { ListField } from "./list-field";
import { ProfileGroupField } from "./profile-group-field";
import type { AdestraListOption, FieldErrors, SendChoicesValue } from "./types";

/** The choices On Demand and Auto Send share: profile group, Adestra list, activity date range. */
export function SendChoicesFields({ value, onChange, lists, coreTableName, today, activityDefinition, disabled, errors, form }: {
  value: SendChoicesValue;
  onChange: (value: SendChoicesValue) => void;
  lists: AdestraListOption[];
  coreTableName: string | null;
  /** YYYY-MM-DD in the store's timezone. */
  today: string;
  activityDefinition: string;
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
        lists={lists}
        coreTableName={coreTableName}
        disabled={disabled}
        error={errors?.listId}
        fetcherKey={`${form}-create-list`}
      />
      <Divider />
      <ActivityRangeField
        from={value.activityFrom}
        to={value.activityTo}
        onChange={({ from, to }) => onChange({ ...value, activityFrom: from, activityTo: to })}
        today={today}
        definition={activityDefinition}
        disabled={disabled}
        error={errors?.activityTo ?? errors?.activityFrom}
      />
    </BlockStack>
  );
}
