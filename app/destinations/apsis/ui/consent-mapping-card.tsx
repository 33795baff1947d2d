import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, ChoiceList, InlineGrid, InlineStack, List, Text } from "@shopify/polaris";
import { useState } from "react";
import { useActionToast } from "../../../components/use-toast";
import type { ConsentRefusal } from "../rules/consent";
import { SectionSelect } from "./section-select";
import { APSIS_ACTION, type ApsisActionResult, type SectionView } from "./types";

/** Section → the topics each channel is mapped to. */
export type ConsentMappingState = Record<string, { email: string[]; sms: string[] }>;

const CHANNEL_NAMES = { email: "Email", sms: "SMS" } as const;

export const NO_CONSENT_WARNING = "Without consent mapping the synced profiles cannot be emailed or texted.";

function ConsentRules() {
  return (
    <BlockStack gap="100">
      <Text as="p">How Shopify&apos;s marketing consent becomes APSIS One consent on the mapped topics:</Text>
      <List>
        <List.Item>
          <b>SUBSCRIBED</b> → opt-in on the mapped topics.
        </List.Item>
        <List.Item>
          <b>UNSUBSCRIBED</b> → opt-out on the mapped topics.
        </List.Item>
        <List.Item>
          <b>NOT_SUBSCRIBED, PENDING, INVALID, REDACTED</b> → nothing is written: no opt-in is ever given without consent in Shopify.
        </List.Item>
      </List>
    </BlockStack>
  );
}

export function ConsentMappingCard({ sections, section, onSectionChange, saved, refusals }: {
  sections: SectionView[];
  section: string;
  onSectionChange: (section: string) => void;
  saved: ConsentMappingState;
  /** Section → the saved mappings APSIS One refused consent for, `at` in store time (cleared when it next accepts one). */
  refusals: Record<string, ConsentRefusal[]>;
}) {
  const save = useFetcher<ApsisActionResult>({ key: "apsis-consents" });
  const [consents, setConsents] = useState<ConsentMappingState>(saved);
  useActionToast(save.data);
  const current = sections.find((s) => s.discriminator === section);
  if (!current) return null;
  const value = consents[section] ?? { email: [], sms: [] };
  const savedValue = saved[section] ?? { email: [], sms: [] };
  const errors = save.state === "idle" && save.data?.errors ? save.data.errors : {};
  const set = (channel: "email" | "sms", topics: string[]) => setConsents({ ...consents, [section]: { ...value, [channel]: topics } });
  const refused = refusals[section] ?? [];
  const topicName = (discriminator: string) => current.topics.find((t) => t.discriminator === discriminator)?.name ?? discriminator;
  const refusedOn = (channel: "email" | "sms") =>
    refused.filter((r) => r.channel === channel).map((r) => `APSIS One refused ${CHANNEL_NAMES[channel]} consent to ${topicName(r.topic)}`).join("; ") || undefined;
  const choices = (channel: "email" | "sms") =>
    current.topics.filter((t) => t.channel === null || t.channel === channel).map((t) => ({ label: t.name, value: t.discriminator }));

  return (
    <Card>
      <BlockStack gap="400">
        <Text as="h2" variant="headingMd">
          4. Consent mapping
        </Text>
        <Box maxWidth="420px">
          <SectionSelect label="Section to map consent for" sections={sections} value={section} onChange={onSectionChange} />
        </Box>
        {!savedValue.email.length && !savedValue.sms.length ? (
          <Banner tone="warning" title="No consent is mapped for this Section">
            <p>{NO_CONSENT_WARNING}</p>
          </Banner>
        ) : null}
        {refused.length ? (
          <Banner tone="critical" title="APSIS One refuses consent for a mapped topic">
            <BlockStack gap="200">
              <List>
                {refused.map((r) => (
                  <List.Item key={`${r.channel} ${r.topic}`}>
                    {CHANNEL_NAMES[r.channel]} → <b>{topicName(r.topic)}</b>, {r.at}: “{r.message}”
                  </List.Item>
                ))}
              </List>
              <p>
                Customers with this consent are not synced: each sync writes it first, so nothing else of their consent is written when APSIS One
                refuses it. A topic that takes consent on one channel only must be mapped under that channel: change the mapping and save. This
                note goes as soon as APSIS One accepts the consent.
              </p>
            </BlockStack>
          </Banner>
        ) : null}
        <ConsentRules />
        {errors.form ? (
          <Banner tone="critical">
            <p>{errors.form}</p>
          </Banner>
        ) : null}
        {current.topics.length ? (
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
            <ChoiceList allowMultiple title="Email channel → topics" choices={choices("email")} selected={value.email}
              onChange={(topics) => set("email", topics)} error={errors.email ?? refusedOn("email")} />
            <ChoiceList allowMultiple title="SMS channel → topics" choices={choices("sms")} selected={value.sms}
              onChange={(topics) => set("sms", topics)} error={errors.sms ?? refusedOn("sms")} />
          </InlineGrid>
        ) : (
          <Text as="p" tone="subdued">This Section has no consent topics in APSIS One. Create them in APSIS One, then reload this page.</Text>
        )}
        <InlineStack>
          <Button
            variant="primary"
            loading={save.state !== "idle"}
            onClick={() => save.submit({ intent: "save-consents", section, email: JSON.stringify(value.email), sms: JSON.stringify(value.sms) }, APSIS_ACTION)}
          >
            Save consent mapping
          </Button>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
