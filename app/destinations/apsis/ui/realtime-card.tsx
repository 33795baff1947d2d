import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, Checkbox, ChoiceList, InlineStack, Select, Text } from "@shopify/polaris";
import { useState } from "react";
import { useActionToast } from "../../../components/use-toast";
import { APSIS_ACTION, type ApsisActionResult } from "./types";

export type OnCustomerDeleteChoice = "delete_profile" | "keep_profile";

/** A Section the sync conditions use, with the event definitions APSIS has for it. */
export type RealtimeSectionView = { discriminator: string; name: string; events: { discriminator: string; name: string }[] };

export type RealtimeSettingsView = {
  realtimeEnabled: boolean;
  purchaseEventsEnabled: boolean;
  onCustomerDelete: OnCustomerDeleteChoice;
  writebackEnabled: boolean;
  /** Section → event: the saved choice, or the proposed one (an event named for orders or purchases). */
  purchaseEvents: Record<string, string>;
  sections: RealtimeSectionView[];
  /** Real-time sync only writes customers that change: without a Full Sync the others are not in APSIS. */
  fullSyncDone: boolean;
};

const DELETE_CHOICES = [
  {
    label: "Delete their APSIS profile",
    value: "delete_profile",
    helpText: "When a customer is deleted in Shopify, their APSIS One profile is deleted too, with its consents and events.",
  },
  {
    label: "Keep their APSIS profile",
    value: "keep_profile",
    helpText: "The profile stays in APSIS One. For a GDPR redaction request (customers/redact) its mapped attributes are cleared instead of deleting it.",
  },
];

function EventSelect({ section, value, error, onChange }: { section: RealtimeSectionView; value: string; error?: string; onChange: (event: string) => void }) {
  const label = `Event in Section ${section.name}`;
  if (!section.events.length) {
    return (
      <BlockStack gap="100">
        <Text as="p" fontWeight="semibold">
          {label}
        </Text>
        <Text as="p" tone="subdued">
          This Section has no event definitions in APSIS One. Create one for purchases in APSIS One (or connect its Shopify integration), then reload this page.
        </Text>
        {error ? <Text as="p" tone="critical">{error}</Text> : null}
      </BlockStack>
    );
  }
  return (
    <Select
      label={label}
      options={[{ label: "Choose an event", value: "", disabled: true }, ...section.events.map((e) => ({ label: e.name === e.discriminator ? e.name : `${e.name} (${e.discriminator})`, value: e.discriminator }))]}
      value={value}
      onChange={onChange}
      error={error}
    />
  );
}

/** 6. Real-time sync: saved with the intent "save-realtime"; the server checks every choice against APSIS. */
export function RealtimeCard({ initial }: { initial: RealtimeSettingsView }) {
  const save = useFetcher<ApsisActionResult>({ key: "apsis-realtime" });
  const [realtimeEnabled, setRealtimeEnabled] = useState(initial.realtimeEnabled);
  const [onCustomerDelete, setOnCustomerDelete] = useState<string>(initial.onCustomerDelete);
  const [purchaseEventsEnabled, setPurchaseEventsEnabled] = useState(initial.purchaseEventsEnabled);
  const [writebackEnabled, setWritebackEnabled] = useState(initial.writebackEnabled);
  // The merchant's picks; a Section not picked in this visit shows its saved (or proposed) event, also one the
  // conditions started to use after the page was loaded.
  const [picked, setPicked] = useState<Record<string, string>>({});
  const eventOf = (section: string) => picked[section] ?? initial.purchaseEvents[section] ?? "";
  useActionToast(save.data);
  const errors = save.state === "idle" && save.data?.errors ? save.data.errors : {};
  // Only the Sections shown are sent: a choice for a Section the conditions no longer use would be refused.
  const chosen = Object.fromEntries(initial.sections.map((s) => [s.discriminator, eventOf(s.discriminator)]).filter(([, event]) => event));

  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          6. Real-time sync
        </Text>
        {errors.form ? (
          <Banner tone="critical" title="The real-time settings were not saved">
            <p>{errors.form}</p>
          </Banner>
        ) : null}
        <Checkbox
          label="Sync customers in real time"
          checked={realtimeEnabled}
          onChange={setRealtimeEnabled}
          error={errors.realtimeEnabled}
          helpText="New and updated customers, and changes to their email and SMS marketing consent, are written to APSIS One within seconds, with the same sync conditions and mappings as the Full Sync. Run a Full Sync first so the customers you already have are in APSIS One."
        />
        {realtimeEnabled && !initial.fullSyncDone ? (
          <Banner tone="warning" title="No Full Sync has run yet">
            <p>Real-time sync only writes customers who change. Run a Full Sync (5. above) to put the customers you already have in APSIS One.</p>
          </Banner>
        ) : null}
        <BlockStack gap="100">
          <ChoiceList
            title="Deleted customers"
            choices={DELETE_CHOICES}
            selected={[onCustomerDelete]}
            onChange={([choice]) => setOnCustomerDelete(choice)}
            error={errors.onCustomerDelete}
          />
          <Text as="p" tone="subdued">
            Either way, the app&apos;s own data for the customer is always deleted.
          </Text>
        </BlockStack>
        <Checkbox
          label="Write unsubscribes back to Shopify"
          checked={writebackEnabled}
          onChange={setWritebackEnabled}
          error={errors.writebackEnabled}
          helpText="When someone opts out in APSIS One (an unsubscribe link, an edit in APSIS) on a topic mapped under Consent mapping, their email marketing (or, for an SMS topic, SMS marketing) in Shopify becomes Unsubscribed, dated when they opted out. An opt-in in APSIS One is never written back. Profiles are checked a batch at a time, so a large store takes a while to go round. What came back is listed on the Activity page."
        />
        <Checkbox
          label="Add purchase events"
          checked={purchaseEventsEnabled}
          onChange={setPurchaseEventsEnabled}
          error={errors.purchaseEventsEnabled}
          helpText="One event per Shopify order when it is placed (orders/create: every order, paid or not), with the order number, total, currency and line items, on the customer's profile in their Section."
        />
        {initial.sections.length ? (
          <BlockStack gap="300">
            <Text as="p" tone="subdued">
              The event purchases are posted as, in each Section the sync conditions use:
            </Text>
            {initial.sections.map((section) => (
              <Box key={section.discriminator} maxWidth="420px">
                <EventSelect
                  section={section}
                  value={eventOf(section.discriminator)}
                  error={errors[`purchaseEvents.${section.discriminator}`]}
                  onChange={(event) => setPicked({ ...picked, [section.discriminator]: event })}
                />
              </Box>
            ))}
          </BlockStack>
        ) : (
          <Text as="p" tone="subdued">
            No Section is used by the sync conditions yet: set the sync conditions (2. above) to choose the purchase event of each Section.
          </Text>
        )}
        <InlineStack>
          <Button
            variant="primary"
            loading={save.state !== "idle"}
            onClick={() =>
              save.submit(
                {
                  intent: "save-realtime",
                  realtimeEnabled: String(realtimeEnabled),
                  purchaseEventsEnabled: String(purchaseEventsEnabled),
                  writebackEnabled: String(writebackEnabled),
                  onCustomerDelete,
                  purchaseEvents: JSON.stringify(chosen),
                },
                APSIS_ACTION,
              )
            }
          >
            Save real-time settings
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
