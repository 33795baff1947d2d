import { BlockStack, ChoiceList, Text } from "@shopify/polaris";
import type { ProfileGroup } from "./types";

/** Which customers to send: everyone, or only those whose Shopify email marketing state is SUBSCRIBED. */
export function ProfileGroupField({ value, onChange, disabled, error }: {
  value: ProfileGroup;
  onChange: (value: ProfileGroup) => void;
  disabled?: boolean;
  error?: string;
}) {
  return (
    <BlockStack gap="200">
      <ChoiceList
        title="Profiles to send"
        name="profileGroup"
        choices={[
          {
            label: "All profiles",
            value: "all",
            helpText: "Every customer with an email address, whatever their email subscription.",
          },
          {
            label: "Email subscribers only",
            value: "subscribers",
            helpText: "Customers whose email marketing status in Shopify is Subscribed.",
          },
        ]}
        selected={[value]}
        onChange={([selected]) => onChange(selected as ProfileGroup)}
        disabled={disabled}
        error={error}
      />
      <Text as="p" tone="subdued" variant="bodySm">
        Tip: if you are unsure, choose <b>Email subscribers only</b>. <b>All profiles</b> may send people who never
        signed up to your emails to Adestra, and mailing them can break email-marketing law and harm your sender
        reputation. Customers who unsubscribed in Shopify are always added to your Adestra unsub list, whichever you
        choose.
      </Text>
    </BlockStack>
  );
}
